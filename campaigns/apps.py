from importlib import import_module

from django.apps import AppConfig

# Each task lives beside the code it runs, so Celery's autodiscovery (which looks for `campaigns.tasks`)
# does not find them; importing them here registers them in every process, the web one included (it
# queues some of them by name).
TASK_MODULES = (
    "campaigns.dispatch.tasks",
    "campaigns.imports.tasks",
    "campaigns.services.tasks",
    "campaigns.services.best_time_tasks",
)


class CampaignsConfig(AppConfig):
    name = "campaigns"
    verbose_name = "Campaigns and callbacks"

    def ready(self):
        for module in TASK_MODULES:
            import_module(module)
