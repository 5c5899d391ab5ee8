"""Pages carry the page policy; JSON answers carry the fixed API policy; a view's own policy stands."""

import pytest
from csp.decorators import csp_update
from django.http import JsonResponse
from django.test import RequestFactory

from cocreate.csp import API_POLICY, CSPMiddleware

from ..factories import make_idea

pytestmark = pytest.mark.django_db
JSON = {"HTTP_ACCEPT": "application/json"}


def test_a_json_answer_can_load_nothing_and_be_framed_by_nothing(alice_client):
    idea = make_idea()
    vote = alice_client.post(f"/ideas/{idea.pk}/vote/", **JSON)
    assert vote.status_code == 200 and vote["Content-Type"] == "application/json"
    assert vote["Content-Security-Policy"] == "default-src 'none'; frame-ancestors 'none'"
    refused = alice_client.post("/ideas/987654/vote/", **JSON)  # errors too
    assert refused.status_code == 404 and refused["Content-Security-Policy"] == API_POLICY


def test_pages_keep_the_page_policy(alice_client):
    idea = make_idea()
    page = alice_client.get(f"/ideas/{idea.pk}/")
    assert "default-src 'self'" in page["Content-Security-Policy"]
    assert "script-src 'self'" in page["Content-Security-Policy"]
    without_js = alice_client.post(f"/ideas/{idea.pk}/vote/")  # a redirect is not JSON: page policy
    assert without_js.status_code == 302 and "form-action 'self'" in without_js["Content-Security-Policy"]


def test_a_json_view_with_a_policy_of_its_own_keeps_it(settings):
    @csp_update({"connect-src": ["https://maps.example"]})
    def view(request):
        return JsonResponse({"ok": True})

    request = RequestFactory().get("/somewhere/")
    response = CSPMiddleware(view)(request)
    assert "connect-src 'self' https://maps.example" in response["Content-Security-Policy"]


def test_excluded_prefixes_get_no_policy_on_json_either():
    request = RequestFactory().get("/cms/pages/search/")
    response = CSPMiddleware(lambda request: JsonResponse({"ok": True}))(request)
    assert "Content-Security-Policy" not in response
