"""/health/ for load balancers (200 while the database answers, 503 when not) and its admin page."""

import datetime

import pytest
from django.conf import settings
from django.db import connection
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from notifications.services import notify_members

pytestmark = pytest.mark.django_db


def test_health_reports_every_dependency_without_secrets(client):
    response = client.get("/health/")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert "no-cache" in response["Cache-Control"] or "no-store" in response["Cache-Control"]
    found = response.json()
    assert found["status"] == "ok"
    assert set(found["checks"]) >= {"database", "cache", "channel_layer", "task_queue", "search"}
    assert all(check["state"] == "ok" for check in found["checks"].values())
    body = response.content.decode()
    for secret in (settings.SECRET_KEY, settings.REDIS_URL, settings.DATABASES["default"].get("PASSWORD")):
        assert not secret or secret not in body


def test_redis_down_is_degraded_not_down(client, on_private_redis):
    on_private_redis.stop()
    response = client.get("/health/")
    assert response.status_code == 200  # the site serves from the database: keep it in the pool
    found = response.json()
    assert found["status"] == "degraded"
    assert found["checks"]["database"]["state"] == "ok"
    assert found["checks"]["cache"]["state"] == "down"
    assert found["checks"]["channel_layer"]["state"] == "down"
    assert "127.0.0.1" not in response.content.decode()


@pytest.mark.django_db(transaction=True)
def test_database_down_is_503(client):
    real_name = connection.settings_dict["NAME"]
    connection.close()
    # A database that cannot be opened, on either engine (SQLite: a file in a missing folder).
    connection.settings_dict["NAME"] = (
        "/nonexistent-folder/cocreate.sqlite3"
        if connection.vendor == "sqlite"
        else "cocreate_no_such_database"
    )
    try:
        response = client.get("/health/")
    finally:
        connection.close()
        connection.settings_dict["NAME"] = real_name
    assert response.status_code == 503
    assert response.json() == {"status": "down", "checks": {"database": {"state": "down"}}}


def test_a_waiting_task_queue_is_degraded(client, settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    settings.HEALTH_TASK_WAIT_SECONDS = 60
    assert client.get("/health/").json()["checks"]["task_queue"] == {
        "state": "ok",
        "backend": "database",
        "oldest_ready_seconds": 0.0,
    }
    result = notify_members.enqueue(member_ids=[], kind="x", idea_id=None, actor_id=None, message="", url="")
    DBTaskResult.objects.filter(pk=result.id).update(enqueued_at=timezone.now() - datetime.timedelta(hours=1))
    found = client.get("/health/").json()
    assert found["status"] == "degraded"
    assert found["checks"]["task_queue"]["state"] == "degraded"
    assert found["checks"]["task_queue"]["oldest_ready_seconds"] >= 3600


def test_staff_see_it_in_the_admin(client, adam, alice):
    client.force_login(adam)
    index = client.get("/admin/")
    assert 'href="/admin/health/"' in index.content.decode()
    page = client.get("/admin/health/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "data-health-status>ok<" in html and "task_queue" in html

    client.force_login(alice)
    assert client.get("/admin/health/").status_code == 302  # to the admin's log-in
