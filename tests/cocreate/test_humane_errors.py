"""Pages that say what went wrong, why, and what to do next: 403, 404, 429 (the real form, filled in as
sent, with a countdown) and 500, all in the site's layout."""

import re
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import RequestFactory
from django.utils import timezone

from cocreate.outage import server_error
from ideas.models import Comment, Idea

from ..factories import MemberFactory, make_idea

pytestmark = pytest.mark.django_db


@pytest.fixture
def newcomer(db):
    """Joined today: trust level 0 (1 idea a minute, 2 a day; 5 flags an hour)."""
    return MemberFactory(
        username="newcomer",
        display_name="Nico New",
        trust_level=0,
        trust_locked=False,
        date_joined=timezone.now(),
    )


def png(name):
    from PIL import Image

    from cocreate.images import png_file

    return SimpleUploadedFile(name, png_file(Image.new("RGB", (20, 20)), name).read(), "image/png")


def inline_scripts(page: str) -> list[str]:
    """<script> elements with code in the page itself (the strict CSP refuses them)."""
    return [tag for tag in re.findall(r"<script\b[^>]*>", page) if "src=" not in tag]


def test_403_says_why_in_the_site_layout_and_offers_a_way_on(client, alice):
    client.force_login(alice)
    response = client.get("/staff/members/")
    assert response.status_code == 403
    page = response.content.decode()
    assert 'class="site-header"' in page and "<title>Not allowed · Cocreate</title>" in page
    assert "do that here</h1>" in page and "signed in as Alice A." in page
    assert 'href="/ideas/"' in page and 'href="/"' in page


def test_403_for_a_visitor_offers_to_log_in_and_come_back(client):
    response = client.get("/staff/members/")
    assert response.status_code in (302, 403)
    if response.status_code == 403:
        assert "/accounts/login/?next=/staff/members/" in response.content.decode()


def test_404_is_styled_with_a_search_and_links(client):
    response = client.get("/no/such/page/")
    assert response.status_code == 404
    page = response.content.decode()
    assert 'class="site-header"' in page and "Page not found" in page
    assert 'role="search"' in page and 'id="problem-q"' in page and 'href="/ideas/"' in page


def test_500_is_styled_and_offers_to_try_again():
    response = server_error(RequestFactory().get("/ideas/"))
    assert response.status_code == 500
    page = response.content.decode()
    assert 'class="site-header"' in page and "Something went wrong" in page and "Try again" in page


def test_429_brings_back_the_real_idea_form_with_a_countdown_and_names_the_images(client, alice, settings):
    settings.RATE_LIMIT_SCALE = 0.1  # a trusted member: 1 idea a minute instead of 10
    client.force_login(alice)
    assert client.post("/ideas/new/", {"title": "First idea", "body": "One"}).status_code == 302
    response = client.post(
        "/ideas/new/",
        {
            "title": "Second idea",
            "body": "Two **bold** words",
            "images": [png("sketch.png"), png("flow.png")],
        },
    )
    assert response.status_code == 429
    wait = int(response["Retry-After"])
    assert 0 < wait <= 60
    page = response.content.decode()
    # The idea form itself (not raw text boxes), filled in as sent.
    assert "data-idea-form" in page and 'value="Second idea"' in page
    assert re.search(r'<textarea name="body"[^>]*>\s*Two \*\*bold\*\* words</textarea>', page)
    assert f'data-countdown="{wait}"' in page and "js/countdown" in page and inline_scripts(page) == []
    assert "You can send it again in" in page
    assert "The 2 images you chose (sketch.png, flow.png) were not kept" in page
    assert list(Idea.objects.filter(author=alice).values_list("title", flat=True)) == ["First idea"]


def test_429_on_a_comment_brings_back_the_idea_page_with_the_comment_in_its_form(client, alice, settings):
    idea = make_idea(title="Offline maps")
    settings.RATE_LIMIT_SCALE = 0.04  # trusted: 1 comment a minute instead of 30
    client.force_login(alice)
    url = f"/ideas/{idea.pk}/comments/"
    assert client.post(url, {"body": "A first thought"}).status_code == 302
    response = client.post(url, {"body": "A second, longer thought"})
    assert response.status_code == 429 and int(response["Retry-After"]) > 0
    page = response.content.decode()
    assert 'id="comment-form"' in page and "<h1>Offline maps</h1>" in page
    textarea = re.search(r"<textarea[^>]*>\s*A second, longer thought</textarea>", page)
    assert textarea and "autofocus" in textarea.group(0)
    assert "data-countdown=" in page and "What you wrote is in the form below" in page
    assert Comment.objects.filter(author=alice).count() == 1


def test_a_post_refused_by_the_daily_cap_gives_its_turn_back(client, newcomer, settings):
    """A newcomer may post 1 idea a minute and 2 a day. The third of the day is refused by the daily
    cap; that refusal must not use up the minute's turn."""
    from ideas.services import idea_submit

    settings.RATE_LIMIT_SCALE = 1
    for n in range(2):
        idea_submit(author=newcomer, title=f"Idea {n}", body="Body")
    client.force_login(newcomer)
    refused = client.post("/ideas/new/", {"title": "Third", "body": "Refused by the cap"})
    assert refused.status_code == 429 and "2 ideas a day" in refused.content.decode()
    newcomer.date_joined = timezone.now() - timedelta(days=2)
    newcomer.save(update_fields=["date_joined"])  # a save, so the cached copy of the member is retired too
    assert client.post("/ideas/new/", {"title": "Third", "body": "Now allowed"}).status_code == 302


def test_a_429_without_a_form_page_keeps_the_text_and_counts_down(client, newcomer, alice):
    from ideas.services import comment_post

    idea = make_idea(author=alice)
    client.force_login(newcomer)
    comments = [comment_post(author=alice, idea=idea, body=f"Reply {n}") for n in range(6)]
    for comment in comments[:5]:
        client.post(f"/moderation/flag/comment/{comment.pk}/", {"reason": "off_topic", "note": "Kept"})
    response = client.post(
        f"/moderation/flag/comment/{comments[5].pk}/", {"reason": "off_topic", "note": "Kept"}
    )
    assert response.status_code == 429
    page = response.content.decode()
    assert 'class="site-header"' in page and "data-countdown=" in page and "Kept</textarea>" in page
    assert inline_scripts(page) == []


def test_logging_in_greets_the_member_by_display_name(client, alice):
    alice.set_password("a long pass phrase")
    alice.save()
    response = client.post(
        "/accounts/login/", {"login": alice.email, "password": "a long pass phrase"}, follow=True
    )
    page = response.content.decode()
    assert "Successfully signed in as Alice A." in page and "signed in as alice." not in page
