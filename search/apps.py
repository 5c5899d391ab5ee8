from django.apps import AppConfig


class SearchConfig(AppConfig):
    name = "search"
    verbose_name = "Search"

    def ready(self):
        # Django's place for connecting receivers: the module needs the app registry ready.
        from cocreate.health import register_check

        from . import receivers  # noqa: F401
        from .health import check

        register_check("search", check)
