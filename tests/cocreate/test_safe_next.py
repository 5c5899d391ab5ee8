"""Redirect targets from forms: only a path on this site, through cocreate.http.safe_next."""

import pytest
from django.test import RequestFactory

from cocreate.http import safe_next

from ..factories import make_idea

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "given, expected",
    [
        ("/ideas/?sort=new", "/ideas/?sort=new"),
        ("/ideas/é/", "/ideas/é/"),
        ("1", "/fallback/"),  # redirect() once looked "1" up as a view name: a 500
        ("-1", "/fallback/"),
        ("ideas", "/fallback/"),
        ("//evil.example/", "/fallback/"),
        ("/\\evil.example/", "/fallback/"),
        ("https://evil.example/", "/fallback/"),
        ("javascript:alert(1)", "/fallback/"),
        ("/ideas/\nSet-Cookie: x=1", "/fallback/"),
        ("/ideas/\x00", "/fallback/"),
        ("/" + "a" * 5000, "/fallback/"),
        ("", "/fallback/"),
    ],
)
def test_only_a_path_on_this_site_is_taken(given, expected):
    request = RequestFactory().post("/x/", {"next": given})
    assert safe_next(request, "/fallback/") == expected


def test_a_moderator_posting_next_1_is_sent_to_the_item_not_a_500(client, mona):
    idea = make_idea()
    client.force_login(mona)
    for hostile in ("1", "-1", "ideas:list", "/a\r\nb"):
        response = client.post(
            f"/moderation/items/idea/{idea.pk}/lock/", {"reason": "Heated", "next": hostile}
        )
        assert response.status_code in (302, 409), hostile
        if response.status_code == 302:
            assert response["Location"] == f"/moderation/items/idea/{idea.pk}/"


def test_a_vote_goes_back_to_a_checked_next(alice_client):
    idea = make_idea()
    response = alice_client.post(f"/ideas/{idea.pk}/vote/", {"value": "1", "next": "1"})
    assert response.status_code == 302 and response["Location"] == f"/ideas/{idea.pk}/"
