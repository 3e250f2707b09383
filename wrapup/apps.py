from django.apps import AppConfig


class WrapupConfig(AppConfig):
    name = "wrapup"
    verbose_name = "Agent wrap-up"
