"""Every error is an RFC 9457 problem, and bad input changes nothing."""

import json

import pytest

from ideas.models import Idea
from tests.factories import make_idea

from .conftest import make_token

pytestmark = pytest.mark.django_db


def assert_problem(response, status):
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/problem+json")
    body = response.json()
    assert body["status"] == status and body["title"] and body["detail"] and body["type"]
    return body


@pytest.fixture
def bearer(alice):
    return {"Authorization": f"Bearer {make_token(alice)}"}


def post(client, bearer, body, content_type="application/json"):
    return client.post("/api/v1/ideas", data=body, content_type=content_type, headers=bearer)


def test_malformed_json(client, bearer):
    assert_problem(post(client, bearer, b'{"title": '), 400)
    assert_problem(post(client, bearer, b"[1, 2]"), 400)
    assert_problem(post(client, bearer, b'{"title": NaN}'), 400)
    assert not Idea.objects.exists()


def test_invalid_utf8(client, bearer):
    body = assert_problem(post(client, bearer, b'{"title": "\xff\xfe", "body": "x"}'), 400)
    assert "UTF-8" in body["detail"]


def test_wrong_types_and_unknown_fields_name_the_field(client, bearer):
    body = assert_problem(post(client, bearer, json.dumps({"title": 5, "body": "x"})), 422)
    assert [e["field"] for e in body["errors"]] == ["title"]
    body = assert_problem(post(client, bearer, json.dumps({"title": "T", "body": "B", "colour": "red"})), 422)
    assert [e["field"] for e in body["errors"]] == ["colour"]
    body = assert_problem(post(client, bearer, json.dumps({"title": "   ", "body": "B"})), 422)
    assert body["errors"][0]["field"] == "title"
    assert not Idea.objects.exists()


def test_body_over_the_limit(client, bearer, settings):
    settings.API_REQUEST_MAX_BYTES = 1000
    body = assert_problem(post(client, bearer, json.dumps({"title": "T", "body": "x" * 2000})), 413)
    assert body["limit"] == 1000
    assert not Idea.objects.exists()


def test_401_403_404_405(client, alice, bob):
    idea = make_idea(author=alice)
    assert_problem(client.post("/api/v1/ideas", data="{}", content_type="application/json"), 401)
    other = {"Authorization": f"Bearer {make_token(bob)}"}
    assert_problem(
        client.patch(
            f"/api/v1/ideas/{idea.pk}", data='{"title": "x"}', content_type="application/json", headers=other
        ),
        403,
    )
    assert_problem(client.get("/api/v1/ideas/999999"), 404)
    assert_problem(client.get("/api/v1/no-such-thing"), 404)
    response = client.delete("/api/v1/ideas")
    assert_problem(response, 405)
    assert "GET" in response["Allow"]


def test_429_with_retry_after(client, alice, settings):
    settings.API_ANONYMOUS_REQUESTS_PER_MINUTE = 2
    for _ in range(2):
        assert client.get("/api/v1/tags").status_code == 200
    body = assert_problem(client.get("/api/v1/tags"), 429)
    response = client.get("/api/v1/tags")
    assert int(response["Retry-After"]) >= 1 and body["retry_after"] >= 1


def test_member_rate_limit_counts_per_member(client, alice, bob, settings):
    settings.API_MEMBER_REQUESTS_PER_MINUTE = 1
    alice_headers = {"Authorization": f"Bearer {make_token(alice)}"}
    assert client.get("/api/v1/me", headers=alice_headers).status_code == 200
    assert_problem(client.get("/api/v1/me", headers=alice_headers), 429)
    assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {make_token(bob)}"}).status_code == 200


def test_500_is_a_problem(client, monkeypatch):
    from ideas import selectors

    def boom(**kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(selectors, "idea_list_count", boom)
    monkeypatch.setattr(selectors, "idea_list_page", boom)
    body = assert_problem(client.get("/api/v1/ideas"), 500)
    assert "boom" not in body["detail"]


def test_json_answers_carry_the_api_policy(client):
    response = client.get("/api/v1/ideas")
    assert "default-src 'none'" in response["Content-Security-Policy"]
    assert "default-src 'none'" in client.get("/api/v1/ideas/999999")["Content-Security-Policy"]


def test_docs_work_offline_under_the_page_policy(client):
    from django.templatetags.static import static

    page = client.get("/api/v1/docs")
    assert page.status_code == 200
    html = page.content.decode()
    policy = page["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "unsafe-inline" not in policy
    # Every script is a file from this site, or a data block the browser never runs.
    import re

    for tag in re.findall(r"<script[^>]*>", html):
        assert 'src="/static/' in tag or 'type="application/json"' in tag, tag
    assert "cdn" not in html.lower()
    for asset in ("ninja/swagger-ui-bundle.js", "ninja/swagger-ui-init.js", "ninja/swagger-ui.css"):
        assert static(asset) in html
        assert client.get(static(asset)).status_code == 200
    schema = client.get("/api/v1/openapi.json").json()
    assert schema["info"]["version"] == "1" and "/api/v1/ideas" in schema["paths"]
