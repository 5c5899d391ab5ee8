"""@mentions in ideas and comments: how they render, whom they tell, their limit, and the picker's
suggestions (issue 18, part 5)."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from ideas.markdown import render_post, render_posts
from ideas.services import comment_post, comment_update, idea_update
from notifications.models import Notification

from ..factories import MemberFactory, make_idea

pytestmark = pytest.mark.django_db


def mentions_of(member):
    return Notification.objects.filter(kind=Notification.Kind.MENTION, recipient=member)


def test_a_mention_of_a_member_links_to_their_profile(alice):
    html = render_post("Thanks @alice, and @Alice again.").html
    link = f'<a href="{alice.get_absolute_url()}" class="mention" rel="nofollow ugc noopener noreferrer">'
    assert html.count(link) == 2 and f"{link}@alice</a>" in html and f"{link}@Alice</a>" in html


@pytest.mark.parametrize(
    "standing",
    [
        {"suspended_until": timezone.now() + timedelta(days=3)},
        {"banned_at": timezone.now()},
        {"profile_hidden": True},
        {"is_active": False},
        {"deleted_at": timezone.now()},
    ],
    ids=["suspended", "banned", "hidden", "inactive", "deleted"],
)
def test_mentions_of_members_who_may_not_be_mentioned_stay_text(standing):
    MemberFactory(username="gone", **standing)
    rendered = render_post("Ask @gone about it")
    assert rendered.html == "<p>Ask @gone about it</p>\n" and rendered.mentioned == {}


def test_names_nobody_has_addresses_code_and_links_stay_as_written(alice):
    text = "@nobody, mail alice@example.com, `@alice`, [see @alice](https://example.com/) and\n\n    @alice"
    html = render_post(text).html
    assert 'class="mention"' not in html
    assert "@nobody" in html and "<code>@alice</code>" in html and ">see @alice</a>" in html


def test_a_suspension_that_ended_allows_mentions_again():
    MemberFactory(username="back", suspended_until=timezone.now() - timedelta(days=1))
    assert render_post("@back").mentioned


def test_mentions_of_a_batch_are_looked_up_in_one_query(django_assert_num_queries, alice, bob):
    with django_assert_num_queries(1):
        rendered = render_posts(["@alice", "@bob and @alice", "@nobody"])
    assert [set(r.mentioned) for r in rendered] == [{"alice"}, {"alice", "bob"}, set()]


def test_the_preview_shows_mentions(client, alice, bob):
    client.force_login(alice)
    html = client.post(reverse("ideas:preview"), {"body": "hi @bob"}).json()["html"]
    assert f'href="{bob.get_absolute_url()}" class="mention"' in html


def test_a_comment_tells_each_mentioned_member_once_never_the_author(
    client, django_capture_on_commit_callbacks, alice, bob
):
    idea = make_idea(title="Night mode")
    client.force_login(alice)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("ideas:comment", args=[idea.pk]), {"body": "@bob what do you think, @bob? (cc @alice)"}
        )
    assert response.status_code == 302
    comment = idea.comments.get()
    note = mentions_of(bob).get()
    assert note.url == comment.get_absolute_url() and note.url.endswith(f"#comment-{comment.pk}")
    assert note.actor == alice and "Night mode" in note.message
    assert not mentions_of(alice).exists()
    page = client.get(idea.get_absolute_url()).content.decode()
    assert f'<a href="{bob.get_absolute_url()}" class="mention"' in page


def test_a_reply_does_not_tell_the_parent_author_twice(django_capture_on_commit_callbacks, alice, bob):
    idea = make_idea()
    parent = comment_post(author=bob, idea=idea, body="First")
    with django_capture_on_commit_callbacks(execute=True):
        comment_post(author=alice, idea=idea, body="@bob agreed", parent=parent)
    assert Notification.objects.filter(recipient=bob, kind=Notification.Kind.REPLY).count() == 1
    assert not mentions_of(bob).exists()


def test_more_than_ten_mentions_is_a_form_error_that_keeps_the_text(
    client, django_capture_on_commit_callbacks, alice
):
    members = [MemberFactory(username=f"fan{n}") for n in range(11)]
    idea = make_idea()
    body = "Hello " + " ".join(f"@{m.username}" for m in members)
    client.force_login(alice)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("ideas:comment", args=[idea.pk]), {"body": body})
    assert response.status_code == 400
    page = response.content.decode()
    assert "Mention at most 10 members in one post." in page and body in page
    assert not idea.comments.exists() and not Notification.objects.exists()

    ten = body.replace(" @fan10", " fan10")
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(reverse("ideas:comment", args=[idea.pk]), {"body": ten}).status_code == 302
    assert Notification.objects.filter(kind=Notification.Kind.MENTION).count() == 10


def test_editing_a_comment_tells_only_the_newly_mentioned(
    client, django_capture_on_commit_callbacks, alice, bob
):
    carol = MemberFactory(username="carol")
    idea = make_idea()
    with django_capture_on_commit_callbacks(execute=True):
        comment = comment_post(author=alice, idea=idea, body="@bob look")
    with django_capture_on_commit_callbacks(execute=True):
        comment_update(comment=comment, editor=alice, body="@bob look, and @carol too")
    assert mentions_of(bob).count() == 1 and mentions_of(carol).count() == 1
    client.force_login(alice)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("ideas:comment_edit", args=[idea.pk, comment.pk]),
            {"body": " ".join(f"@{MemberFactory().username}" for _ in range(11))},
        )
    assert response.status_code == 400 and "Mention at most 10 members" in response.content.decode()
    assert Notification.objects.filter(kind=Notification.Kind.MENTION).count() == 2


def test_ideas_mention_too(django_capture_on_commit_callbacks, alice, bob):
    carol = MemberFactory(username="carol")
    with django_capture_on_commit_callbacks(execute=True):
        idea = make_idea(author=alice, body="As @bob said")
    assert mentions_of(bob).get().url == idea.get_absolute_url()
    with django_capture_on_commit_callbacks(execute=True):
        idea_update(idea=idea, editor=alice, title=idea.title, body="As @bob and @carol said")
    assert mentions_of(bob).count() == 1 and mentions_of(carol).count() == 1


# --- The picker -----------------------------------------------------------------------------------------


def suggestions(client, **query):
    response = client.get(reverse("ideas:mentions"), query)
    assert response.status_code == 200
    return response.json()


def test_the_picker_offers_the_thread_first_then_everyone_by_name(client, alice):
    author = MemberFactory(username="zed", display_name="Zoe Zed")
    commenter = MemberFactory(username="yan", display_name="Yann Young")
    MemberFactory(username="abe", display_name="Abe Able")
    MemberFactory(username="bea", display_name="")  # no display name: sorted by username
    idea = make_idea(author=author)
    comment_post(author=commenter, idea=idea, body="me too")
    client.force_login(alice)
    names = [s["name"] for s in suggestions(client, idea=idea.pk)]
    assert names[:2] == ["Yann Young", "Zoe Zed"]
    assert names.index("Abe Able") < names.index("bea")
    assert "Alice A." not in names  # never oneself
    assert suggestions(client, q="yo", idea=idea.pk) == [{"handle": "yan", "name": "Yann Young"}]
    assert suggestions(client, q="@ze") == [{"handle": "zed", "name": "Zoe Zed"}]


def test_the_picker_offers_at_most_eight_and_only_mentionable_members(client, alice):
    for n in range(10):
        MemberFactory(username=f"sam{n}", display_name=f"Sam {n}")
    MemberFactory(
        username="samx", display_name="Sam Suspended", suspended_until=timezone.now() + timedelta(1)
    )
    client.force_login(alice)
    found = suggestions(client, q="sam")
    assert len(found) == 8 and "samx" not in [s["handle"] for s in found]


def test_the_picker_is_for_members_and_ignores_ideas_they_cannot_see(client, alice, bob):
    assert client.get(reverse("ideas:mentions"), {"q": "a"}).status_code == 302  # to log in
    hidden = make_idea(author=MemberFactory(username="hider", display_name="Zack Hidden"))
    hidden.visibility = "hidden"
    hidden.save(update_fields=["visibility"])
    client.force_login(alice)
    names = [s["handle"] for s in suggestions(client, idea=hidden.pk)]
    assert names.index("bob") < names.index("hider")  # no thread to put first: by name only
