"""The reconciliation job finds drift between derived data and its sources, repairs it and reports it."""

import pytest

from ideas.models import Idea
from notifications.models import Notification
from notifications.services import notify_members
from operations import reconciliation
from operations.models import ReconciliationReport
from operations.tasks import reconcile
from search.models import IdeaDocument
from voting.models import PendingRescore
from voting.services import vote_cast

from ..factories import MemberFactory, make_idea

pytestmark = pytest.mark.django_db


def derived(idea):
    return Idea.objects.values_list("upvote_count", "hot_score", "top_score").get(pk=idea.pk)


def test_drift_is_found_repaired_and_reported(django_capture_on_commit_callbacks, alice, bob):
    with django_capture_on_commit_callbacks(execute=True):
        healthy, corrupted = make_idea(title="Fan noise"), make_idea(title="Quiet mode")
        for idea in (healthy, corrupted):
            vote_cast(member=alice, idea_id=idea.pk)
            vote_cast(member=bob, idea_id=idea.pk)
    right = derived(corrupted)
    assert IdeaDocument.objects.get(pk=corrupted.pk).votes == 2
    # Corrupted by hand: counters, scores and the search count all wrong, and no mark pending.
    Idea.objects.filter(pk=corrupted.pk).update(upvote_count=7, hot_score=99.0, top_score=0.5)
    IdeaDocument.objects.filter(pk=corrupted.pk).update(votes=-3)
    assert not PendingRescore.objects.exists()

    dry = reconciliation.run(repair=False)
    assert dry.findings["vote counters"]["sample"] == [corrupted.pk]
    assert dry.repaired == 0 and derived(corrupted)[0] == 7

    assert reconcile.call() >= 1
    report = ReconciliationReport.objects.first()
    assert report.findings["vote counters"] == {
        "checked": 2,
        "drifted": 1,
        "repaired": 1,
        "sample": [corrupted.pk],
    }
    assert report.findings["ranking scores"]["checked"] == 2
    assert derived(corrupted) == right
    assert IdeaDocument.objects.get(pk=corrupted.pk).votes == 2

    again = reconciliation.run()  # a second run finds nothing left
    assert again.drifted == 0 and all(not finding["drifted"] for finding in again.findings.values())


def test_ideas_waiting_for_their_window_are_not_drift(settings, alice):
    idea = make_idea()
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}  # no sweep after the vote
    vote_cast(member=alice, idea_id=idea.pk)
    report = reconciliation.run(repair=False)
    assert report.findings["ranking scores"]["drifted"] == 0
    assert report.findings["search vote counts"]["drifted"] == 0


def test_staff_read_the_reports_in_the_admin(client, adam):
    reconciliation.run()
    client.force_login(adam)
    page = client.get("/admin/operations/reconciliationreport/")
    assert page.status_code == 200
    assert b"vote counters" in page.content


def test_a_notification_task_run_twice_notifies_once():
    members = [MemberFactory() for _ in range(3)]
    arguments = dict(
        member_ids=[member.pk for member in members],
        kind="reply",
        idea_id=None,
        actor_id=None,
        message="A reply",
        url="/",
        event="0123456789abcdef",
    )
    assert notify_members.call(**arguments) == 3
    notify_members.call(**arguments)  # the worker died after the first run committed
    assert Notification.objects.count() == 3
