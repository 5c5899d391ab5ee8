"""Merging duplicates: nothing lost, a member who voted both counts once, and undo puts it all back."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from ideas.models import Comment, Follow, Idea
from ideas.services import comment_post, follow_set, idea_merge, idea_unmerge
from notifications.models import Notification
from voting.models import Vote
from voting.services import vote_cast

from ..factories import MemberFactory, make_idea

pytestmark = pytest.mark.django_db


def state(idea):
    idea = Idea.objects.get(pk=idea.pk)
    return {
        "up": idea.upvote_count,
        "down": idea.downvote_count,
        "comments": idea.comment_count,
        "voters": sorted(Vote.objects.filter(idea=idea).values_list("member_id", flat=True)),
        "followers": sorted(Follow.objects.filter(idea=idea).values_list("member_id", flat=True)),
        "tags": sorted(idea.tags.names()),
        "status": idea.status,
    }


@pytest.fixture
def duplicates(alice, bob):
    original = make_idea(author=alice, title="Offline maps", tags=["maps"])
    copy = make_idea(author=bob, title="Maps without network", tags=["maps", "offline"])
    both, only_copy, only_original = MemberFactory(), MemberFactory(), MemberFactory()
    for member in (both, only_original):
        vote_cast(member=member, idea_id=original.pk)
    for member in (both, only_copy):
        vote_cast(member=member, idea_id=copy.pk)
    follower = MemberFactory()
    follow_set(member=follower, idea=copy, following=True)
    thread = comment_post(author=only_copy, idea=copy, body="Needed on hikes")
    comment_post(author=both, idea=copy, body="Agreed", parent=thread)
    return {"original": original, "copy": copy, "both": both, "only_copy": only_copy, "follower": follower}


def test_merge_moves_everything_and_counts_a_double_voter_once(duplicates, rita):
    original, copy = duplicates["original"], duplicates["copy"]
    before = (state(original), state(copy))
    idea_merge(source=copy, target=original, merged_by=rita, note="Same request")

    merged = state(original)
    assert merged["up"] == 3 == len(merged["voters"])  # both, only_original, only_copy — "both" once
    assert duplicates["only_copy"].pk in merged["voters"]
    assert duplicates["follower"].pk in merged["followers"]
    assert merged["comments"] == 2 and Comment.objects.filter(idea=original).count() == 2
    assert merged["tags"] == ["maps", "offline"]
    source = Idea.objects.get(pk=copy.pk)
    assert source.status == "merged" and source.merged_into_id == original.pk
    assert source.upvote_count == Vote.objects.filter(idea=source).count() == 1  # the double vote, kept
    assert Vote.objects.count() == 4  # nothing deleted

    # Undo from the history: everything goes back exactly.
    idea_unmerge(merge=original.merges_in.get(), undone_by=rita)
    assert (state(original), state(copy)) == before


def test_merged_idea_redirects_and_tells_its_supporters(
    client, duplicates, rita, django_capture_on_commit_callbacks
):
    original, copy = duplicates["original"], duplicates["copy"]
    with django_capture_on_commit_callbacks(execute=True):
        idea_merge(source=copy, target=original, merged_by=rita, note="Same request")
    assert client.get(copy.get_absolute_url())["Location"] == original.get_absolute_url()
    told = set(Notification.objects.filter(kind="merged").values_list("recipient_id", flat=True))
    assert {
        copy.author_id,
        duplicates["only_copy"].pk,
        duplicates["both"].pk,
        duplicates["follower"].pk,
    } <= told
    assert rita.pk not in told


def test_replies_written_after_the_merge_go_back_with_their_thread(duplicates, rita, alice):
    original, copy = duplicates["original"], duplicates["copy"]
    idea_merge(source=copy, target=original, merged_by=rita, note="dup")
    thread = Comment.objects.get(body="Needed on hikes")
    comment_post(author=alice, idea=Idea.objects.get(pk=original.pk), body="Late reply", parent=thread)
    idea_unmerge(merge=original.merges_in.get(), undone_by=rita)
    assert Comment.objects.get(body="Late reply").idea_id == copy.pk
    assert Idea.objects.get(pk=copy.pk).comment_count == 3


def test_bad_merges_are_refused_and_change_nothing(duplicates, rita, alice):
    original, copy = duplicates["original"], duplicates["copy"]
    before = (state(original), state(copy))
    with pytest.raises(ValidationError, match="into itself"):
        idea_merge(source=copy, target=copy, merged_by=rita, note="x")
    with pytest.raises(ValidationError, match="why"):
        idea_merge(source=copy, target=original, merged_by=rita, note="  ")
    with pytest.raises(PermissionDenied):
        idea_merge(source=copy, target=original, merged_by=alice, note="x")
    third = make_idea(title="Third")
    idea_merge(source=copy, target=original, merged_by=rita, note="dup")
    # A chain back (original → copy, which is merged into original) would loop: refused.
    with pytest.raises(ValidationError, match="merged into another idea"):
        idea_merge(source=original, target=copy, merged_by=rita, note="loop")
    with pytest.raises(ValidationError, match="already merged"):
        idea_merge(source=copy, target=third, merged_by=rita, note="again")
    idea_merge(source=original, target=third, merged_by=rita, note="chain on")
    with pytest.raises(ValidationError, match="undo that merge first"):
        idea_unmerge(merge=original.merges_in.get(), undone_by=rita)
    assert before[0]["up"] + before[1]["up"] - 1 == state(third)["up"]


def test_merge_and_undo_through_the_pages(client, duplicates, rita, mona, alice):
    original, copy = duplicates["original"], duplicates["copy"]
    client.force_login(alice)
    assert client.post(f"/ideas/{copy.pk}/merge/", {"target": original.pk, "note": "x"}).status_code == 403
    client.force_login(rita)
    bad = client.post(f"/ideas/{copy.pk}/merge/", {"target": 999999, "note": "x"}, follow=True)
    assert b"No idea with that number" in bad.content
    response = client.post(f"/ideas/{copy.pk}/merge/", {"target": original.pk, "note": "Same request"})
    assert response["Location"] == original.get_absolute_url()
    history = client.get(f"/ideas/{original.pk}/history/")
    assert b"Undo this merge" in history.content
    merge = original.merges_in.get()
    client.post(f"/ideas/merges/{merge.pk}/undo/")
    assert Idea.objects.get(pk=copy.pk).status == "new"
