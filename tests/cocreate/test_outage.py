"""A database outage answers a clear 503 (cocreate/outage.py), never a bare 500."""

import json

import pytest
from django.db import DatabaseError, IntegrityError, OperationalError, connection
from django.test import Client
from django.utils import translation

from cocreate.outage import database_unreachable
from tests.factories import make_idea


def test_only_connection_errors_count_as_an_outage():
    assert database_unreachable(OperationalError("connection refused"))
    assert not database_unreachable(IntegrityError("duplicate key"))
    assert not database_unreachable(ValueError("a bug"))
    try:
        try:
            raise OperationalError("server closed the connection unexpectedly")
        except OperationalError as error:
            raise RuntimeError("wrapped") from error
    except RuntimeError as wrapped:
        assert database_unreachable(wrapped)


@pytest.fixture
def database_down():
    """The default connection pointed at a port nothing listens on, as when PostgreSQL is stopped."""

    def stop():
        connection.close()
        connection.settings_dict["PORT"] = "1"

    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (DATABASE_URL): SQLite has no server to be down")
    saved_port = connection.settings_dict["PORT"]
    yield stop
    connection.close()
    connection.settings_dict["PORT"] = saved_port


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_pages_and_votes_answer_503_while_the_database_is_down(alice, database_down, settings):
    settings.ANONYMOUS_IDEA_CACHE_SECONDS = 0
    settings.MEMBER_IDEA_CACHE_SECONDS = 0
    idea = make_idea(author=alice)
    member = Client(raise_request_exception=False)
    member.force_login(alice)
    visitor = Client(raise_request_exception=False)

    database_down()
    page = visitor.get(idea.get_absolute_url())
    assert page.status_code == 503
    assert "unavailable" in page.content.decode().lower()
    assert page["Retry-After"] == "10"

    vote = member.post(f"/ideas/{idea.pk}/vote/", {"value": "1"}, HTTP_ACCEPT="application/json")
    assert vote.status_code == 503
    assert vote.json()["retry_after"] == 10


@pytest.mark.django_db
def test_other_errors_stay_500(rf):
    # A bug is not dressed up as an outage: the handler leaves it to Django's own 500.
    from cocreate.outage import server_error

    try:
        raise ValueError("a bug")
    except ValueError:
        response = server_error(rf.get("/"))
    assert response.status_code == 500


def outage_page(request):
    from cocreate.outage import server_error

    try:
        raise OperationalError("connection refused")
    except OperationalError:
        return server_error(request)


def test_the_outage_page_is_in_the_sites_layout_with_ways_back(rf):
    response = outage_page(rf.get("/ideas/"))
    html = response.content.decode()
    assert response.status_code == 503
    assert '<a class="brand" href="/">Cocreate</a>' in html  # the site's header
    assert 'href="">Try again</a>' in html and 'href="/">Go to the home page</a>' in html
    assert "css/cocreate" in html and "Traceback" not in html
    assert "not have been saved" not in html  # nothing was sent


def test_after_a_form_the_outage_page_says_it_may_not_be_saved(rf):
    # It once said "Nothing you sent was lost" while the idea just sent was rolled back.
    html = outage_page(rf.post("/ideas/new/", {"title": "x"})).content.decode()
    assert "lost" not in html
    assert "What you just sent may not have been saved." in html and "Back button" in html
    vote = outage_page(rf.post("/ideas/1/vote/", HTTP_ACCEPT="application/json"))
    assert "may not have been saved" in json.loads(vote.content)["error"]


def test_the_outage_page_is_in_the_requests_language(rf):
    with translation.override("de"):
        html = outage_page(rf.get("/")).content.decode()
    assert '<html lang="de">' in html


@pytest.mark.django_db
def test_a_bad_query_on_sqlite_is_a_bug_not_an_outage():
    # SQLite says "no such table" (a missing migration) with an OperationalError too; "try again
    # shortly" would not fix it.
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT * FROM no_such_table")
    except DatabaseError as error:
        assert not database_unreachable(error)


def test_a_bug_gets_the_sites_500_page(rf):
    from cocreate.outage import server_error

    try:
        raise ValueError("a bug")
    except ValueError:
        html = server_error(rf.get("/")).content.decode()
    assert "Something went wrong" in html and 'href="/">Go to the home page</a>' in html


@pytest.mark.django_db
def test_a_missing_page_is_in_the_sites_layout(client):
    response = client.get("/no-such-page/")
    html = response.content.decode()
    assert response.status_code == 404
    assert "Page not found" in html and '<a class="brand" href="/">Cocreate</a>' in html
    assert 'href="/">Go to the home page</a>' in html
