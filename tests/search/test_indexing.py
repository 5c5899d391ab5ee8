import logging

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from ideas import services
from ideas.models import Idea
from search.backends.database import DatabaseBackend
from search.models import IdeaDocument
from tests.factories import make_idea

pytestmark = pytest.mark.django_db


def test_every_service_reindexes_after_commit(django_capture_on_commit_callbacks, alice, bob, rita):
    with django_capture_on_commit_callbacks(execute=True):
        idea = make_idea(author=alice, title="Offline maps", body="b")
    assert IdeaDocument.objects.get(pk=idea.pk).title == "Offline maps"

    with django_capture_on_commit_callbacks(execute=True):
        services.idea_update(idea=idea, editor=alice, title="Offline trails", body="b", tags=["hiking"])
    document = IdeaDocument.objects.get(pk=idea.pk)
    assert document.title == "Offline trails" and document.tags == "hiking"

    with django_capture_on_commit_callbacks(execute=True):
        services.comment_post(author=bob, idea=idea, body="Zeppelins too")
    assert "Zeppelins" in IdeaDocument.objects.get(pk=idea.pk).comments


def test_nothing_runs_before_the_commit(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        make_idea(title="Pending")
    assert len(callbacks) == 1
    assert not IdeaDocument.objects.exists()


def test_a_failing_index_call_never_loses_the_write(django_capture_on_commit_callbacks, monkeypatch, caplog):
    def broken(self, idea_ids):
        raise ConnectionError("search is down")

    monkeypatch.setattr(DatabaseBackend, "index_ideas", broken)
    with (
        caplog.at_level(logging.ERROR, logger="search.tasks"),
        django_capture_on_commit_callbacks(execute=True),
    ):
        idea = make_idea(title="Still saved")

    assert Idea.objects.filter(pk=idea.pk).exists()
    assert "search_index --check" in caplog.text


def test_rebuild_and_check_commands(capsys):
    first = make_idea(title="Not indexed yet")  # no commit in this test: never indexed
    second = make_idea(title="Also not indexed")

    with pytest.raises(CommandError):
        call_command("search_index", "--check", "--no-progress")
    assert "2 missing" in capsys.readouterr().out

    call_command("search_index", "--rebuild", "--no-progress")
    assert "Indexed 2 ideas" in capsys.readouterr().out
    call_command("search_index", "--check", "--no-progress")
    assert "up to date" in capsys.readouterr().out

    Idea.objects.filter(pk=first.pk).update(title="Changed behind the index's back")
    IdeaDocument.objects.create(
        idea=make_idea(title="x"), title="x", fingerprint="", indexed_at=second.created_at
    )
    IdeaDocument.objects.filter(pk=second.pk).delete()
    with pytest.raises(CommandError):
        call_command("search_index", "--check", "--no-progress")
    out = capsys.readouterr().out
    assert f"1 missing: {second.pk}" in out and f"stale: {first.pk}" in out
