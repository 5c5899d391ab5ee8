"""No 500 after a committed write: what runs after the commit (queueing tasks, live updates, the vote
window's Redis set, cache invalidation) is logged when it fails, and the request that committed succeeds.

Transactional tests: on_commit callbacks only run when a transaction really commits.
"""

import logging

import pytest
from django_tasks.backends.base import BaseTaskBackend

from ideas.models import Comment, Idea
from ideas.services import comment_post
from voting.models import Vote

from ..factories import MemberFactory, make_idea

pytestmark = pytest.mark.django_db(transaction=True)
JSON = {"HTTP_ACCEPT": "application/json"}


class RefusingBackend(BaseTaskBackend):
    """A task backend that cannot take anything (its table locked, its broker gone)."""

    supports_defer = True

    def enqueue(self, task, args, kwargs):
        raise RuntimeError("the task queue refuses work")


@pytest.fixture
def refusing_tasks(settings):
    settings.TASKS = {"default": {"BACKEND": f"{__name__}.RefusingBackend"}}


@pytest.fixture
def alice_client(client):
    alice = MemberFactory(username="alice")
    client.force_login(alice)
    client.member = alice
    return client


def test_posts_votes_and_comments_commit_when_the_task_queue_refuses(alice_client, refusing_tasks, caplog):
    idea = make_idea(title="Shared before the queue broke")
    question = comment_post(author=MemberFactory(), idea=idea, body="Would this work offline?")
    with caplog.at_level(logging.ERROR, logger="django.db.backends.base"):
        posted = alice_client.post("/ideas/new/", {"title": "Offline maps for hikers", "body": "Please."})
        voted = alice_client.post(f"/ideas/{idea.pk}/vote/", {"value": "1"}, **JSON)
        commented = alice_client.post(f"/ideas/{idea.pk}/comments/", {"body": "Yes", "parent": question.pk})
    assert posted.status_code == 302 and Idea.objects.filter(title="Offline maps for hikers").exists()
    assert voted.status_code == 200 and Vote.objects.filter(member=alice_client.member, idea=idea).exists()
    assert commented.status_code == 302 and Comment.objects.filter(parent=question).exists()
    logged = " ".join(record.getMessage() for record in caplog.records)
    # Named callbacks (a functools.partial has no __qualname__, which made the log itself fail).
    assert "enqueue_indexing" in logged and "enqueue_notifications" in logged


def test_votes_and_posts_commit_with_redis_stopped_and_the_database_queue(
    alice_client, settings, on_private_redis, caplog
):
    # The database queue defers window tasks, so a vote also puts its idea in the window's Redis set.
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    idea = make_idea(title="Voted on during the outage")
    on_private_redis.stop()
    voted = alice_client.post(f"/ideas/{idea.pk}/vote/", {"value": "1"}, **JSON)
    posted = alice_client.post("/ideas/new/", {"title": "Posted during the outage", "body": "Still here."})
    assert voted.status_code == 200 and voted.json()["upvotes"] == 1
    assert Vote.objects.filter(member=alice_client.member, idea=idea).exists()
    assert posted.status_code == 302 and Idea.objects.filter(title="Posted during the outage").exists()
