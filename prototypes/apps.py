from django.apps import AppConfig


class PrototypesConfig(AppConfig):
    """Virtual prototypes that customers try, rate and compare (built in its own issue)."""

    name = "prototypes"
    verbose_name = "Prototypes"
