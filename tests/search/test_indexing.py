import logging

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from ideas import services
from ideas.models import Idea
from search.backends.database import DatabaseBackend
from search.models import IdeaDocument
from tests.factories import MemberFactory, make_idea
from voting.services import vote_cast

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
    author = MemberFactory()  # saving a member queues work after the commit of its own
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        make_idea(title="Pending", author=author)
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


def test_comment_hooks_index_the_comment_and_its_idea(django_capture_on_commit_callbacks, alice, bob):
    from search.models import CommentDocument

    idea = make_idea(author=alice, title="Fan noise")
    with django_capture_on_commit_callbacks(execute=True):
        comment = services.comment_post(author=bob, idea=idea, body="Zeppelins")
    assert CommentDocument.objects.get(pk=comment.pk).body == "Zeppelins"
    assert "Zeppelins" in IdeaDocument.objects.get(pk=idea.pk).comments

    with django_capture_on_commit_callbacks(execute=True):
        services.comment_update(comment=comment, editor=bob, body="Blimps")
    assert CommentDocument.objects.get(pk=comment.pk).body == "Blimps"
    assert "Blimps" in IdeaDocument.objects.get(pk=idea.pk).comments


def test_a_hidden_comment_loses_its_document(django_capture_on_commit_callbacks, bob):
    from ideas.models import Visibility
    from search import indexing
    from search.models import CommentDocument

    idea = make_idea(title="Fan noise")
    with django_capture_on_commit_callbacks(execute=True):
        comment = services.comment_post(author=bob, idea=idea, body="spam")
    with django_capture_on_commit_callbacks(execute=True):
        type(comment).objects.filter(pk=comment.pk).update(visibility=Visibility.HIDDEN)
        indexing.comment_changed(comment.pk)  # what a moderation service calls after hiding

    assert not CommentDocument.objects.filter(pk=comment.pk).exists()
    assert "spam" not in IdeaDocument.objects.get(pk=idea.pk).comments


def test_prototype_hooks_index_published_prototypes_only(
    django_capture_on_commit_callbacks, settings, tmp_path
):
    from prototypes import services as prototype_services
    from prototypes.models import Variant
    from search.models import PrototypeDocument
    from tests.prototypes.helpers import publisher

    settings.MEDIA_ROOT = tmp_path
    rita = publisher()
    with django_capture_on_commit_callbacks(execute=True):
        prototype = prototype_services.prototype_create(
            created_by=rita, title="Camera app", description="Shutter"
        )
        prototype_services.variant_add(
            prototype=prototype,
            by=rita,
            name="Compact",
            kind=Variant.Kind.VIDEO,
            video_url="https://vimeo.com/1",
        )
    assert not PrototypeDocument.objects.exists()  # a draft

    with django_capture_on_commit_callbacks(execute=True):
        prototype_services.prototype_publish(prototype=prototype, by=rita)
    document = PrototypeDocument.objects.get(pk=prototype.pk)
    assert document.title == "Camera app" and "Compact" in document.body and "Shutter" in document.body


def test_votes_rewrite_only_the_vote_count(django_capture_on_commit_callbacks, alice, bob):
    from voting.services import vote_withdraw

    with django_capture_on_commit_callbacks(execute=True):
        idea = make_idea(title="Fan noise")
    with django_capture_on_commit_callbacks(execute=True):
        vote_cast(member=alice, idea_id=idea.pk)
        vote_cast(member=bob, idea_id=idea.pk)
    assert IdeaDocument.objects.get(pk=idea.pk).votes == 2
    with django_capture_on_commit_callbacks(execute=True):
        vote_withdraw(member=bob, idea_id=idea.pk)
    assert IdeaDocument.objects.get(pk=idea.pk).votes == 1


def test_reindexing_the_idea_is_enough_after_hiding_or_restoring_a_comment(
    django_capture_on_commit_callbacks, bob
):
    """What the moderation app does: change the comment's visibility, then `idea_changed(idea)`."""
    from ideas.models import Visibility
    from search import indexing
    from search.models import CommentDocument

    idea = make_idea(title="Fan noise")
    with django_capture_on_commit_callbacks(execute=True):
        comment = services.comment_post(author=bob, idea=idea, body="Zeppelins")

    for visibility, indexed in ((Visibility.HIDDEN, False), (Visibility.PUBLIC, True)):
        with django_capture_on_commit_callbacks(execute=True):
            type(comment).objects.filter(pk=comment.pk).update(visibility=visibility)
            indexing.idea_changed(idea.pk)
        assert CommentDocument.objects.filter(pk=comment.pk).exists() is indexed
        assert ("Zeppelins" in IdeaDocument.objects.get(pk=idea.pk).comments) is indexed
