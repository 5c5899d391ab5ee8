"""Background work queued in django-tasks' database backend runs in the db_worker process."""

import pytest
from django.core.management import call_command

from notifications.models import Notification
from notifications.services import notify_members

from ..factories import MemberFactory

pytestmark = pytest.mark.django_db(transaction=True)  # the worker closes connections


def test_database_queue_runs_a_task_in_the_worker(settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}  # rebuilt on change
    member = MemberFactory()
    result = notify_members.enqueue(
        member_ids=[member.pk], kind="status_changed", idea_id=None, actor_id=None, message="Planned", url="/"
    )
    assert result.status == "READY"
    assert not Notification.objects.filter(recipient=member).exists()

    call_command("db_worker", batch=True, no_startup_delay=True, verbosity=0)

    result.refresh()
    assert result.status == "SUCCESSFUL"
    notices = Notification.objects.filter(recipient=member)
    assert list(notices.values_list("message", flat=True)) == ["Planned"]
