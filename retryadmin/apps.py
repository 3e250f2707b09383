from django.apps import AppConfig


class RetryAdminConfig(AppConfig):
    name = "retryadmin"
    verbose_name = "Retry Admin"

    def ready(self):
        from django.db.models.signals import post_migrate

        from retryadmin.lib.personas import sync_personas_after_migrate

        post_migrate.connect(sync_personas_after_migrate, sender=self)
