"""Background work queued in django-tasks' database backend runs in the db_worker process."""

import pytest
from django.core.management import call_command

from ideas import broadcasts

pytestmark = pytest.mark.django_db(transaction=True)  # the worker closes connections


def test_database_queue_runs_a_task_in_the_worker(settings):
    settings.TASKS = {  # django-tasks rebuilds its backends when this setting changes
        "default": {"BACKEND": "django_tasks_db.DatabaseBackend"},
        "live": {"BACKEND": "django_tasks_db.DatabaseBackend"},
    }
    result = broadcasts.send_event.enqueue(groups=["ideas"], event={"type": "idea.votes", "idea": 1})
    assert result.status == "READY"
    call_command("db_worker", batch=True, no_startup_delay=True, backend="live", verbosity=0)
    result.refresh()
    assert result.status == "SUCCESSFUL"
