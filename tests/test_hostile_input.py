"""Hostile values posted to every URL of ours, as every persona, staff included: never a 5xx.

The URLs and the world they act on come from tests/test_permission_matrix.py (which classifies every
URL); each persona posts every kind of hostile body to each of them: empty, very long, negative, not a
number, a number no integer field holds, unicode and NUL bytes, `next=1`, lists where one value is
expected, JSON that is malformed or of the wrong shape, and content types nobody takes.
"""

import json

import pytest

from . import test_permission_matrix as matrix
from .test_permission_matrix import OWN_URLS, PERSONAS, url_for

pytestmark = pytest.mark.django_db
cast, world = matrix.cast, matrix.world  # the same cast and world (fixtures)

# Every field name the forms of our POST views read (and a few they do not).
FIELDS = [
    "value", "next", "reason", "body", "title", "status", "note", "target", "segments", "segment", "role",
    "action", "type", "decision", "pin", "follow", "score", "version", "variant", "text", "kind",
    "choices", "seats", "name", "description", "video_url", "notes", "display_name", "bio",
    "email_digest", "campaign", "tags", "product", "parent", "official", "csv_text", "source", "confirm",
    "days", "until", "answer", "x", "y", "comment", "email", "password", "sort", "weight", "priority",
]  # fmt: skip

SCALARS = {
    "empty": "",
    "long": "ä" * 5_000,
    "negative": "-1",
    "huge": "99999999999999999999",
    "overflow": "1e309",
    "nan": "NaN",
    "unicode": "\u202e𝕏\x00\x01\ufffd<script>",
    "next_1": "1",
    "newline": "/ideas/\r\nSet-Cookie: x=1",
}


ROTATIONS = 4  # scalar bodies per route and persona; see form_bodies


def form_bodies(persona_index: int):
    """Forms whose every field holds a hostile value. Each body gives each field a different one of
    SCALARS, rotating per body and per persona, so that across the cast every field gets every value
    (9 values over 4 bodies × 7 personas), at a twelfth of the requests of every value on every body."""
    values = list(SCALARS.items())
    for k in range(ROTATIONS):
        shift = persona_index * ROTATIONS + k
        data = {field: values[(i + shift) % len(values)][1] for i, field in enumerate(FIELDS)}
        yield f"rotation {shift}", {"data": data}
    yield "lists", {"data": {field: ["1", "-1", ""] for field in FIELDS}}
    yield "next_only", {"data": {"next": "1"}}
    yield "empty", {"data": {}}


RAW_BODIES = [
    ("json_malformed", "application/json", b'{"value": '),
    ("json_wrong_types", "application/json", json.dumps({f: [None, {}, 1e300] for f in FIELDS}).encode()),
    ("text_plain", "text/plain", b"value=1&next=1"),
    (
        "bad_multipart",
        "multipart/form-data; boundary=xyz",
        b"--xyz\r\nContent-Disposition: form-data\r\n\r\n",
    ),
    ("urlencoded_junk", "application/x-www-form-urlencoded", b"%%%&&&=%ff%00&value=1&value=-1"),
]

# Pages that show a form and take its POST on the same URL (the matrix lists their GET only).
FORM_PAGES = [
    "ideas/new/", "ideas/<id:pk>/edit/", "ideas/<id:pk>/comments/<id:comment_pk>/edit/", "members/me/",
    "members/me/delete/", "backlog/items/new/", "backlog/items/<id:pk>/edit/", "customers/import/",
    "prototypes/new/", "moderation/flag/<str:kind>/<id:pk>/", "webhooks/new/", "webhooks/<id:pk>/edit/",
]  # fmt: skip
POST_ROUTES = [route for route, methods in OWN_URLS.items() if "POST" in methods or route in FORM_PAGES]
assert set(FORM_PAGES) <= set(OWN_URLS), "a form page was renamed: update FORM_PAGES"


def test_views_that_take_no_post_refuse_it(client, cast, world):
    client.force_login(cast["administrator"])
    urls = _urls(world)
    for route in OWN_URLS:
        if route not in POST_ROUTES and route in urls:
            assert client.post(urls[route], {"next": "1", "value": "1e309"}).status_code < 500, route


def _urls(world) -> dict[str, str]:
    """Each route's URL in the matrix's world; the prototypes' world is built once (matrix_url builds one
    per call), and its other routes point at the same prototype, variants, screen and bundle."""
    from prototypes.models import Prototype, Screen, Variant

    urls = {route: url_for(route, world) for route in OWN_URLS if not route.startswith("prototypes/")}
    urls["prototypes/"] = url_for("prototypes/", world)
    prototype = Prototype.objects.latest("pk")
    film, live = Variant.objects.get(name="Film"), Variant.objects.get(name="Live")
    screen = Screen.objects.filter(version__variant__prototype=prototype).first()
    for route in OWN_URLS:
        if not route.startswith("prototypes/") or route in urls:
            continue
        pk = prototype.pk
        if route.startswith("prototypes/variants/"):
            pk = film.pk
        elif route.startswith("prototypes/screens/"):
            pk = screen.pk
        elif route.startswith("prototypes/bundles/"):
            pk = live.current_version_id
        urls[route] = "/" + route.replace("<id:pk>", str(pk)).replace("<path:path>", "index.html")
    return urls


@pytest.mark.parametrize("persona", PERSONAS)
def test_hostile_posts_never_answer_5xx(client, cast, world, settings, persona):
    settings.RATE_LIMIT_SCALE = 0  # limits would answer 429 before the forms see the values
    client.raise_request_exception = False  # a server error is an answer to assert on, not a crash
    if persona != "anonymous":
        client.force_login(cast[persona])
    urls = {route: url for route, url in _urls(world).items() if route in POST_ROUTES}
    # The account deletion goes last: should a hostile body ever confirm it, the rest still runs.
    ordered = sorted(urls.items(), key=lambda item: item[0] == "members/me/delete/")
    failures = []
    for route, url in ordered:
        for n, (label, body) in enumerate(form_bodies(PERSONAS.index(persona))):
            response = client.post(url, body["data"])
            if response.status_code >= 500:
                failures.append((route, label, response.status_code))
            if n == 0 and _turned_away(response):
                break  # refused before any value is read (no POST here, or not for this persona)
        else:
            _post_raw_bodies(client, route, url, failures)
        if persona != "anonymous" and client.session.get("_auth_user_id") is None:
            client.force_login(cast[persona])  # a hostile body logged them out: carry on as them
    assert failures == []


def _turned_away(response) -> bool:
    location = response.get("Location", "")
    return response.status_code in (403, 405) or location.startswith(("/accounts/login/", "/accounts/email/"))


def _post_raw_bodies(client, route, url, failures):
    for label, content_type, raw in RAW_BODIES:
        response = client.post(url, raw, content_type=content_type)
        if response.status_code >= 500:
            failures.append((route, label, response.status_code))
