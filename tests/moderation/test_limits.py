"""Trust levels, the limits that relax with them, and rate limits answering 429."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from community.limits import RateLimited
from ideas.models import Comment, Idea
from ideas.services import comment_post, idea_submit
from moderation import trust
from voting.models import Vote

from ..factories import make_idea

pytestmark = pytest.mark.django_db


def png_upload():
    from PIL import Image

    from cocreate.images import png_file

    return SimpleUploadedFile("a.png", png_file(Image.new("RGB", (20, 20)), "a.png").read(), "image/png")


def test_trust_levels_are_earned_by_activity():
    def activity(**changes):
        base = dict(verified=True, account_days=30, active_days=20, public_posts=30, removed_posts=0)
        return trust.Activity(**{**base, **changes})

    assert trust.level_for(activity(verified=False)) == trust.NEW
    assert trust.level_for(activity(account_days=0)) == trust.NEW
    assert trust.level_for(activity(active_days=2)) == trust.BASIC
    assert trust.level_for(activity(public_posts=2)) == trust.BASIC
    assert trust.level_for(activity(removed_posts=2, public_posts=5)) == trust.BASIC  # 2 of 7 > 10 %
    assert trust.level_for(activity(active_days=10)) == trust.MEMBER
    assert trust.level_for(activity(removed_posts=2, public_posts=30)) == trust.MEMBER  # 2 of 32 > 5 %
    assert trust.level_for(activity(removed_posts=1, public_posts=30)) == trust.TRUSTED
    assert trust.level_for(activity()) == trust.TRUSTED


def test_activity_counts_days_posts_and_removals(newcomer, mona, alice):
    from moderation import services

    idea = make_idea(author=alice)
    comment_post(author=newcomer, idea=idea, body="A first thought")
    old = comment_post(author=newcomer, idea=idea, body="An older, ruder one")
    Comment.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=2))
    services.content_hide(moderator=mona, kind="comment", object_id=old.pk, reason="Rude")
    seen = trust.activity_of(newcomer)
    assert (seen.active_days, seen.public_posts, seen.removed_posts) == (2, 1, 1)


def test_new_members_have_daily_limits_that_relax_with_trust(newcomer):
    idea_submit(author=newcomer, title="First", body="One")
    idea_submit(author=newcomer, title="Second", body="Two")
    with pytest.raises(RateLimited, match="2 ideas a day"):
        idea_submit(author=newcomer, title="Third", body="Three")
    assert Idea.objects.filter(author=newcomer).count() == 2
    # A day later the account is "basic": five a day.
    type(newcomer).objects.filter(pk=newcomer.pk).update(date_joined=timezone.now() - timedelta(days=2))
    newcomer.refresh_from_db()
    idea_submit(author=newcomer, title="Third", body="Three")
    assert newcomer.trust_level == trust.BASIC
    assert Idea.objects.filter(author=newcomer).count() == 3


def test_links_and_images_are_limited_for_new_members(newcomer):
    with pytest.raises(ValidationError, match="at most 1 link in a post"):
        idea_submit(author=newcomer, title="Links", body="See https://a.example and https://b.example")
    with pytest.raises(ValidationError, match="cannot attach images"):
        idea_submit(author=newcomer, title="Pictures", body="Look", images=[png_upload()])
    assert not Idea.objects.filter(author=newcomer).exists()
    type(newcomer).objects.filter(pk=newcomer.pk).update(date_joined=timezone.now() - timedelta(days=2))
    newcomer.refresh_from_db()
    idea = idea_submit(author=newcomer, title="Pictures", body="Look", images=[png_upload()])
    assert idea.images.count() == 1


def test_the_daily_cap_answers_429_on_the_page(client, newcomer, settings):
    settings.RATE_LIMIT_SCALE = 0  # only the daily cap, not the per-minute rate
    client.force_login(newcomer)
    for n in range(2):
        assert (
            client.post("/ideas/new/", {"title": f"Idea {n}", "body": f"Body number {n}"}).status_code == 302
        )
    response = client.post("/ideas/new/", {"title": "One more", "body": "Still going"})
    assert response.status_code == 429
    page = response.content.decode()
    assert "2 ideas a day" in page
    # What the member wrote comes back in the real idea form (title field, body field), with a countdown.
    assert "data-idea-form" in page and 'value="One more"' in page and "Still going</textarea>" in page
    assert f'data-countdown="{response["Retry-After"]}"' in page
    assert int(response["Retry-After"]) > 0


def test_voting_too_fast_answers_429_with_a_clear_message(client, newcomer, settings):
    ideas = [make_idea(title=f"Idea {n}") for n in range(4)]
    settings.RATE_LIMIT_SCALE = 0.1  # 3 votes a minute for a newcomer instead of 30
    client.force_login(newcomer)
    statuses = [
        client.post(f"/ideas/{idea.pk}/vote/", {"value": "1"}, HTTP_ACCEPT="application/json").status_code
        for idea in ideas
    ]
    assert statuses == [200, 200, 200, 429]
    response = client.post(f"/ideas/{ideas[3].pk}/vote/", {"value": "1"}, HTTP_ACCEPT="application/json")
    assert "too often" in response.json()["error"] and response.json()["retry_after"] > 0
    assert Vote.objects.filter(member=newcomer).count() == 3


def test_commenting_and_flagging_are_rate_limited(client, newcomer, alice):
    idea = make_idea(author=alice)
    client.force_login(newcomer)
    statuses = [
        client.post(f"/ideas/{idea.pk}/comments/", {"body": f"Thought number {n} about this"}).status_code
        for n in range(4)
    ]
    assert statuses == [302, 302, 302, 429]
    comments = [comment_post(author=alice, idea=idea, body=f"Reply {n}") for n in range(6)]
    statuses = [
        client.post(f"/moderation/flag/comment/{c.pk}/", {"reason": "off_topic"}).status_code
        for c in comments
    ]
    assert statuses == [302] * 5 + [429]


def test_trusted_members_get_higher_rate_limits(client, alice, settings):
    ideas = [make_idea(title=f"Idea {n}") for n in range(4)]
    settings.RATE_LIMIT_SCALE = 0.1  # trusted: 24 a minute
    client.force_login(alice)
    for idea in ideas:
        assert (
            client.post(f"/ideas/{idea.pk}/vote/", {"value": "1"}, HTTP_ACCEPT="application/json").status_code
            == 200
        )


def test_sign_up_is_rate_limited_by_allauth(client, settings):
    settings.ACCOUNT_RATE_LIMITS = {"signup": "2/m/ip"}
    statuses = [
        client.post(
            "/accounts/signup/",
            {
                "email": f"new{n}@example.com",
                "password1": "a long pass phrase",
                "password2": "a long pass phrase",
            },
        ).status_code
        for n in range(3)
    ]
    assert statuses[-1] == 429


def test_refresh_trust_command_promotes_members_as_they_age(newcomer):
    from io import StringIO

    from django.core.management import call_command

    type(newcomer).objects.filter(pk=newcomer.pk).update(date_joined=timezone.now() - timedelta(days=5))
    out = StringIO()
    call_command("refresh_trust", "--no-progress", stdout=out)
    newcomer.refresh_from_db()
    assert newcomer.trust_level == trust.BASIC and "1 trust level changed." in out.getvalue()


def test_a_refused_post_does_not_count_towards_the_rate_limit(client, newcomer, settings):
    """A newcomer may post one idea a minute. Posts refused by a form error or a community rule (too many
    links) give their use back, so the corrected post goes through instead of answering 429."""
    settings.RATE_LIMIT_SCALE = 1
    client.force_login(newcomer)
    assert client.post("/ideas/new/", {"title": "", "body": "No title"}).status_code == 400
    links = " ".join(f"https://example.com/{n}" for n in range(12))
    refused = client.post("/ideas/new/", {"title": "Many links", "body": links})
    assert refused.status_code == 400 and "at most" in refused.content.decode()
    assert client.post("/ideas/new/", {"title": "Fixed", "body": "One clear idea"}).status_code == 302
    # The next one within the minute is over the limit, and being refused does not use another turn.
    assert client.post("/ideas/new/", {"title": "Again", "body": "Too soon"}).status_code == 429
    assert list(Idea.objects.filter(author=newcomer).values_list("title", flat=True)) == ["Fixed"]
