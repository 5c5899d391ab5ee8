import pytest

from voting.models import Vote

from ..factories import make_idea

pytestmark = pytest.mark.django_db
JSON = {"HTTP_ACCEPT": "application/json"}


def test_vote_and_unvote_without_javascript(alice_client):
    idea = make_idea()
    response = alice_client.post(f"/ideas/{idea.pk}/vote/", {"value": "1", "next": "/ideas/"})
    assert response.status_code == 302 and response["Location"] == "/ideas/"
    assert Vote.objects.filter(idea=idea).count() == 1
    alice_client.post(f"/ideas/{idea.pk}/unvote/", {"next": "https://evil.example/"})
    assert Vote.objects.filter(idea=idea).count() == 0


def test_vote_with_javascript_gets_the_new_count(alice_client):
    idea = make_idea()
    body = alice_client.post(f"/ideas/{idea.pk}/vote/", {"value": "1"}, **JSON).json()
    assert body == {"idea": idea.pk, "votes": 1, "upvotes": 1, "downvotes": 0, "my_vote": 1}
    again = alice_client.post(f"/ideas/{idea.pk}/vote/", {"value": "1"}, **JSON).json()
    assert again["votes"] == 1  # repeated votes count once
    assert alice_client.post(f"/ideas/{idea.pk}/unvote/", **JSON).json()["my_vote"] == 0


def test_logged_out_voting(client):
    idea = make_idea()
    assert client.post(f"/ideas/{idea.pk}/vote/", {"value": "1"}, **JSON).status_code == 401
    assert client.post(f"/ideas/{idea.pk}/vote/", {"value": "1"}, **JSON).json()["error"] == "Log in first."
    html = client.post(f"/ideas/{idea.pk}/vote/", {"value": "1"})
    assert html.status_code == 302 and "/accounts/login/" in html["Location"]
    assert not Vote.objects.exists()


def test_missing_idea_bad_value_and_get(alice_client):
    response = alice_client.post("/ideas/987654/vote/", {"value": "1"}, **JSON)
    assert response.status_code == 404 and "error" in response.json()
    assert alice_client.post("/ideas/987654/vote/", {"value": "1"}).status_code == 404
    idea = make_idea()
    bad = alice_client.post(f"/ideas/{idea.pk}/vote/", {"value": "7"}, **JSON)
    assert bad.status_code == 400 and "error" in bad.json()
    assert alice_client.get(f"/ideas/{idea.pk}/vote/").status_code == 405
    assert not Vote.objects.exists()


def test_closed_idea_answers_409(alice_client):
    from ideas.models import Idea

    idea = make_idea()
    Idea.objects.filter(pk=idea.pk).update(status="declined")
    response = alice_client.post(f"/ideas/{idea.pk}/vote/", {"value": "1"}, **JSON)
    assert response.status_code == 409 and "no longer takes votes" in response.json()["error"]


def test_csrf_is_enforced(alice):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(alice)
    assert client.post(f"/ideas/{make_idea().pk}/vote/", {"value": "1"}).status_code == 403


def test_a_vote_costs_one_statement_on_postgresql_and_five_elsewhere(member_cache, alice_client):
    """PostgreSQL: one call of the vote function. Elsewhere: the idea's row lock, the member's existing
    vote, the vote row, the idea's counters and its mark for the window's rescore (voting.windows). The
    member comes from the cache."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    idea = make_idea()
    alice_client.get("/ideas/")  # the session is cached from here on
    for action in ("vote", "unvote"):
        with CaptureQueriesContext(connection) as queries:
            assert alice_client.post(f"/ideas/{idea.pk}/{action}/", {"value": "1"}, **JSON).status_code == 200
        # The test's own transaction turns the service's atomic block into a savepoint; left out here.
        statements = [q["sql"] for q in queries if "SAVEPOINT" not in q["sql"]]
        assert len(statements) == (1 if connection.vendor == "postgresql" else 5), statements
