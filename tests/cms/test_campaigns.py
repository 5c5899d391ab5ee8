"""Campaigns: time-boxed challenges with their own ideas; closed ones keep their ideas read-only."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError

from ideas.models import Idea
from ideas.services import comment_post, idea_submit
from voting.services import VotingClosed, vote_cast

pytestmark = pytest.mark.django_db


def test_posting_inside_an_open_campaign(alice_client, campaigns):
    camera = campaigns["open"]
    form = alice_client.get(f"/ideas/new/?campaign={camera.pk}")
    assert f'value="{camera.pk}"'.encode() in form.content
    alice_client.post(
        "/ideas/new/", {"title": "Remember my last mode", "body": "Please", "campaign": camera.pk}
    )
    idea = Idea.objects.get()
    assert idea.campaign_id == camera.pk
    page = alice_client.get(camera.url)
    assert b"Remember my last mode" in page.content and b"Post an idea in this campaign" in page.content
    assert b"Segment for camera" in page.content


def test_a_closed_campaign_takes_no_ideas_votes_or_comments(alice, bob, alice_client, campaigns):
    battery = campaigns["closed"]
    response = alice_client.post("/ideas/new/", {"title": "Too late", "body": "x", "campaign": battery.pk})
    assert response.status_code == 400 and b"This campaign is closed" in response.content
    with pytest.raises(ValidationError):
        idea_submit(author=alice, title="Too late", body="x", campaign=battery)
    # An idea posted while it was open stays readable, but frozen.
    idea = idea_submit(author=alice, title="Posted in time", body="x", campaign=campaigns["open"])
    Idea.objects.filter(pk=idea.pk).update(campaign=battery)
    idea = Idea.objects.get(pk=idea.pk)
    with pytest.raises(VotingClosed):
        vote_cast(member=bob, idea_id=idea.pk)
    with pytest.raises(ValidationError, match="read-only"):
        comment_post(author=bob, idea=idea, body="hello")
    page = alice_client.get(idea.get_absolute_url())
    assert page.status_code == 200 and b"closed" in page.content
    assert b"Post an idea in this campaign" not in alice_client.get(battery.url).content


def test_campaign_index_lists_open_and_closed(client, campaigns):
    page = client.get(campaigns["index"].url).content.decode()
    assert page.index("Camera") < page.index("Closed") < page.index("Battery")


def test_a_campaign_must_close_after_it_opens(campaigns):
    page = campaigns["open"]
    page.ends_at = page.starts_at - timedelta(hours=1)
    with pytest.raises(ValidationError):
        page.full_clean()


def test_home_page_shows_open_campaigns_only(client, campaigns):
    page = client.get("/").content.decode()
    assert "Open campaigns" in page and campaigns["open"].url in page
    assert campaigns["closed"].url not in page


@pytest.mark.parametrize("viewer", ["anonymous", "member"])
def test_campaign_ideas_in_lists_cost_one_query_however_many(client, campaigns, alice, bob, viewer):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    if viewer == "member":
        client.force_login(bob)

    def list_queries():
        with CaptureQueriesContext(connection) as queries:
            assert client.get("/ideas/").status_code == 200
        return len(queries)

    idea_submit(author=alice, title="Campaign idea 0", body="x", campaign=campaigns["open"])
    list_queries()  # warms the caches the page shares (segments)
    with_one = list_queries()
    for n in range(1, 6):
        idea_submit(author=alice, title=f"Campaign idea {n}", body="x", campaign=campaigns["open"])
    assert list_queries() == with_one
    assert client.get("/ideas/").content.decode().count("vote-button") == 6


def test_a_campaign_is_followed_from_its_page(alice_client, alice, campaigns):
    from django.urls import reverse

    from ideas.models import TopicFollow

    camera = campaigns["open"]
    url = reverse("ideas:follow_campaign", args=[camera.pk])
    page = alice_client.get(camera.url).content.decode()
    assert f'action="{url}"' in page and f"Follow “{camera.title}”" in page
    response = alice_client.post(url, {"follow": "1", "next": camera.url})
    assert response.status_code == 302 and response["Location"] == camera.url
    assert f"Following “{camera.title}”" in alice_client.get(camera.url).content.decode()
    assert TopicFollow.objects.filter(member=alice, campaign=camera).count() == 1
