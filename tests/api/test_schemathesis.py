"""The API fuzzed against its own OpenAPI schema as each persona: no server errors, and every answer
(its status, media type and body) is what the schema says. Bounded: a few examples per operation."""

import pytest
import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from ideas.services import comment_post
from tests.factories import MemberFactory, ProductFactory, make_idea

from .conftest import make_token

pytestmark = pytest.mark.django_db

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
EXAMPLES = 8


@pytest.fixture
def wsgi_app(settings):
    settings.RATE_LIMIT_SCALE = 0
    # As Django's test client does: a request must not close the test's transaction's connection.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield WSGIHandler()
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def world(alice):
    product = ProductFactory(slug="camera")
    for n in range(3):
        idea = make_idea(author=alice if n == 0 else MemberFactory(), title=f"Idea {n}", product=product)
        comment_post(author=alice, idea=idea, body="A comment")


@pytest.mark.parametrize(
    "persona", ["anonymous", "customer", "rnd", "customer_manager", "moderator", "administrator"]
)
def test_api_conforms_to_its_schema(persona, wsgi_app, world, alice, rita, carl, mona, adam):
    member = {
        "customer": alice,
        "rnd": rita,
        "customer_manager": carl,
        "moderator": mona,
        "administrator": adam,
    }
    headers = {}
    if persona != "anonymous":
        scopes = ["read", "write"] + (["staff"] if persona != "customer" else [])
        headers = {"Authorization": f"Bearer {make_token(member[persona], scopes)}"}
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", wsgi_app)
    failures, statuses = [], []
    for result in schema.get_all_operations():
        operation = result.ok()

        @given(case=operation.as_strategy())
        @settings(
            max_examples=EXAMPLES,
            deadline=None,
            database=None,
            derandomize=True,
            phases=[Phase.explicit, Phase.generate],
            suppress_health_check=list(HealthCheck),
        )
        def check(case):
            statuses.append(case.call_and_validate(headers=headers, checks=CHECKS).status_code)

        try:
            check()
        except Exception as error:  # collect every operation's failure, then report them together
            failures.append(f"{operation.method.upper()} {operation.path}: {error}")
    assert failures == []
    operations = len(list(schema.get_all_operations()))
    assert len(statuses) >= 3 * operations  # it did call them, and some succeeded
    assert any(200 <= status < 300 for status in statuses)
