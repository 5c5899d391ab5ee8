"""The websocket server's garbage-collector settings (cocreate/gc_freeze.py, applied by cocreate/asgi.py)."""

import gc
import subprocess
import sys

from cocreate.gc_freeze import WEBSOCKET_FULL_COLLECTION_EVERY, tune_for_long_lived_connections

from ..live_servers import ROOT


def test_the_websocket_server_freezes_what_loading_made_and_collects_the_oldest_generation_rarely():
    threshold = gc.get_threshold()
    try:
        tune_for_long_lived_connections()
        assert gc.get_freeze_count() > 10_000  # Django, channels and the apps, out of every collection
        assert gc.get_threshold() == (threshold[0], threshold[1], WEBSOCKET_FULL_COLLECTION_EVERY)
    finally:
        gc.unfreeze()
        gc.set_threshold(*threshold)


def test_only_daphne_is_tuned_not_tests_or_commands_that_import_the_asgi_app():
    probe = (
        "import gc, sys; sys.argv[0] = {argv!r}; import cocreate.asgi; "
        "print(gc.get_threshold()[2], gc.get_freeze_count() > 0)"
    )
    env = {"DJANGO_SETTINGS_MODULE": "cocreate.settings.test", "PATH": "/usr/bin:/bin"}

    def tuned_as(argv0):
        run = subprocess.run(  # noqa: S603 - our own interpreter and module
            [sys.executable, "-c", probe.format(argv=argv0)],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
            check=True,
        )
        return run.stdout.split()

    assert tuned_as("/opt/cocreate/.venv/bin/daphne") == [str(WEBSOCKET_FULL_COLLECTION_EVERY), "True"]
    assert tuned_as("manage.py") == ["10", "False"]
