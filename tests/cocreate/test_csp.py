"""Pages carry the page policy, with a view's own changes through django-csp's decorators; JSON answers
carry the fixed API policy, or a header their view set itself (cocreate/http.py)."""

import pytest
from csp.decorators import csp_update
from django.http import HttpResponse, JsonResponse
from django.test import Client, RequestFactory

from cocreate.http import policy_middleware

from ..factories import make_idea

pytestmark = pytest.mark.django_db
JSON = {"HTTP_ACCEPT": "application/json"}
API_POLICY = {"default-src": "'none'", "frame-ancestors": "'none'"}


def directives(header: str) -> dict[str, str]:
    """A policy header as {directive: sources}: django-csp writes its directives in no fixed order."""
    return dict(part.strip().split(" ", 1) for part in header.split(";"))


def test_a_json_answer_can_load_nothing_and_be_framed_by_nothing(alice_client):
    idea = make_idea()
    vote = alice_client.post(f"/ideas/{idea.pk}/vote/", {"value": "1"}, **JSON)
    assert vote.status_code == 200 and vote["Content-Type"] == "application/json"
    assert directives(vote["Content-Security-Policy"]) == API_POLICY
    refused = alice_client.post("/ideas/987654/vote/", {"value": "1"}, **JSON)  # errors too
    assert refused.status_code == 404 and directives(refused["Content-Security-Policy"]) == API_POLICY
    anonymous = Client().post(
        f"/ideas/{idea.pk}/vote/", {"value": "1"}, **JSON
    )  # and the access checks' answers
    assert anonymous.status_code == 401 and directives(anonymous["Content-Security-Policy"]) == API_POLICY


def test_pages_keep_the_page_policy(alice_client):
    idea = make_idea()
    page = alice_client.get(f"/ideas/{idea.pk}/")
    assert directives(page["Content-Security-Policy"])["default-src"] == "'self'"
    assert directives(page["Content-Security-Policy"])["script-src"] == "'self'"
    without_js = alice_client.post(
        f"/ideas/{idea.pk}/vote/", {"value": "1"}
    )  # a redirect is not JSON: page policy
    assert without_js.status_code == 302
    assert directives(without_js["Content-Security-Policy"])["form-action"] == "'self'"


def through_the_middleware(view, path="/somewhere/"):
    return policy_middleware(view)(RequestFactory().get(path))


def test_a_page_view_with_a_policy_change_of_its_own_keeps_it():
    @csp_update({"connect-src": ["https://maps.example"]})
    def view(request):
        return HttpResponse("<p>map</p>")

    policy = directives(through_the_middleware(view)["Content-Security-Policy"])
    assert policy["connect-src"] == "'self' https://maps.example"
    assert policy["default-src"] == "'self'"


def test_a_json_view_that_sets_its_own_policy_keeps_it():
    def view(request):
        response = JsonResponse({"ok": True})
        response["Content-Security-Policy"] = "default-src 'none'; connect-src https://maps.example"
        return response

    assert directives(through_the_middleware(view)["Content-Security-Policy"]) == {
        "default-src": "'none'",
        "connect-src": "https://maps.example",
    }


def test_excluded_prefixes_get_no_policy_on_json_either():
    response = through_the_middleware(lambda request: JsonResponse({"ok": True}), "/cms/pages/search/")
    assert "Content-Security-Policy" not in response
    page = through_the_middleware(lambda request: HttpResponse("<p>admin</p>"), "/cms/pages/")
    assert "Content-Security-Policy" not in page
