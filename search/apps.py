from django.apps import AppConfig

from operations import reconcile


class SearchConfig(AppConfig):
    name = "search"
    verbose_name = "Search"

    def ready(self):
        # Django's place for connecting receivers and registering: the modules need the app registry ready.
        from cocreate.health import register_check

        from . import receivers  # noqa: F401
        from .health import check
        from .reconciliation import check_search_vote_counts

        register_check("search", check)
        reconcile.register("search vote counts", check_search_vote_counts)
