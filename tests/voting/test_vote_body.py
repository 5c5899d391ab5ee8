"""The vote endpoint takes what it documents (voting/views.py) and refuses the rest: never an up-vote
made out of a body it could not read (a JSON `{"value": -1}` was once counted as +1)."""

import json

import pytest

from voting.models import Vote

from ..factories import make_idea

pytestmark = pytest.mark.django_db
ACCEPT_JSON = {"HTTP_ACCEPT": "application/json"}


def post_json(client, idea, body, **extra):
    raw = body if isinstance(body, bytes | str) else json.dumps(body)
    return client.post(f"/ideas/{idea.pk}/vote/", raw, content_type="application/json", **extra)


def my_vote(idea):
    return list(Vote.objects.filter(idea=idea).values_list("value", flat=True))


@pytest.mark.parametrize("value", [1, -1])
def test_json_votes_count_as_sent(alice_client, value):
    idea = make_idea()
    response = post_json(alice_client, idea, {"value": value})
    assert response.status_code == 200 and response.json()["my_vote"] == value  # JSON in, JSON out
    assert my_vote(idea) == [value]


@pytest.mark.parametrize("value", ["1", "-1"])
def test_form_votes_count_as_sent(alice_client, value):
    idea = make_idea()
    assert alice_client.post(f"/ideas/{idea.pk}/vote/", {"value": value}, **ACCEPT_JSON).status_code == 200
    urlencoded = alice_client.post(
        f"/ideas/{idea.pk}/vote/", f"value={value}", content_type="application/x-www-form-urlencoded"
    )
    assert urlencoded.status_code == 302
    assert my_vote(idea) == [int(value)]


@pytest.mark.parametrize(
    "body",
    [
        b"{",
        b"value=1",
        b"\xff\xfe",
        b"[1]",
        b'"1"',
        b'{"value": "1"}',
        b'{"value": true}',
        b'{"value": 1.0}',
        b'{"value": 2}',
        b'{"value": NaN}',
        b'{"value": 1e309}',
        b'{"value": 99999999999999999999}',
        b'{"value": [1]}',
        b"{}",
        b"[" * 3000,  # deeper than the JSON parser recurses,
    ],
)
def test_bad_json_is_400_with_a_json_error_and_no_vote(alice_client, body):
    idea = make_idea()
    response = post_json(alice_client, idea, body)
    assert response.status_code == 400 and response.json()["error"]
    assert my_vote(idea) == []


@pytest.mark.parametrize(
    "data",
    [{}, {"value": ""}, {"value": "2"}, {"value": "+1"}, {"value": "1e309"}, {"value": ["1", "-1"]}],
)
def test_bad_form_values_are_400(alice_client, data):
    idea = make_idea()
    response = alice_client.post(f"/ideas/{idea.pk}/vote/", data)
    assert response.status_code == 400 and response.json()["error"]
    assert my_vote(idea) == []


@pytest.mark.parametrize("content_type", ["text/plain", "application/xml", "application/json-patch+json"])
def test_other_content_types_are_415(alice_client, content_type):
    idea = make_idea()
    assert alice_client.post(f"/ideas/{idea.pk}/vote/", b"", content_type="").status_code == 415  # none
    response = alice_client.post(f"/ideas/{idea.pk}/vote/", "value=1", content_type=content_type)
    assert response.status_code == 415 and response.json()["error"]
    unvote = alice_client.post(f"/ideas/{idea.pk}/unvote/", "x", content_type=content_type)
    assert unvote.status_code == 415
    assert my_vote(idea) == []


def test_a_body_over_a_few_kilobytes_is_413_before_it_is_read(alice_client):
    idea = make_idea()
    big = post_json(alice_client, idea, {"value": 1, "padding": "x" * 5000})
    assert big.status_code == 413 and big.json()["limit"] == 4096
    # 300 MB announced, 7 bytes sent: refused from the header (the test payload would fail a longer read).
    announced = alice_client.post(
        f"/ideas/{idea.pk}/vote/",
        "value=1",
        content_type="application/x-www-form-urlencoded",
        CONTENT_LENGTH=str(300 * 2**20),
        **ACCEPT_JSON,
    )
    assert announced.status_code == 413
    assert my_vote(idea) == []


def test_unvote_takes_json_or_a_form(alice_client):
    idea = make_idea()
    post_json(alice_client, idea, {"value": -1})
    withdrawn = alice_client.post(f"/ideas/{idea.pk}/unvote/", "{}", content_type="application/json")
    assert withdrawn.status_code == 200 and withdrawn.json()["my_vote"] == 0
    assert (
        alice_client.post(f"/ideas/{idea.pk}/unvote/", "{", content_type="application/json").status_code
        == 400
    )
