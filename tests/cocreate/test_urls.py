"""Every URL of ours that takes an id uses the bounded `<id:…>` converter (cocreate.converters): an id
no bigint holds is a 404, never a query with a number the database cannot take (once a 500)."""

import pytest
from django.urls import URLPattern, URLResolver, get_resolver
from django.urls.converters import IntConverter

from cocreate.converters import MAX_ID, IdConverter

from ..test_permission_matrix import THIRD_PARTY

pytestmark = pytest.mark.django_db

OUT_OF_RANGE = ["99999999999999999999", str(MAX_ID + 1)]


def own_patterns(patterns=None, prefix="", converters=None):
    """(route, converters) of every URL pattern outside the third-party families."""
    for pattern in get_resolver().url_patterns if patterns is None else patterns:
        route = prefix + str(pattern.pattern)
        found = {**(converters or {}), **getattr(pattern.pattern, "converters", {})}
        if isinstance(pattern, URLResolver):
            yield from own_patterns(pattern.url_patterns, route, found)
        elif isinstance(pattern, URLPattern) and not route.startswith(tuple(THIRD_PARTY)):
            yield route, found


ID_ROUTES = [
    route
    for route, converters in own_patterns()
    if any(isinstance(c, IdConverter) for c in converters.values())
]


def test_no_url_of_ours_takes_an_unbounded_int():
    unbounded = [
        route
        for route, converters in own_patterns()
        if any(isinstance(c, IntConverter) for c in converters.values())
    ]
    assert unbounded == [], "use <id:…> (cocreate.converters) for ids"
    assert len(ID_ROUTES) > 40  # the walk found them (ideas, members, moderation, prototypes, backlog)


def test_the_converter_takes_1_to_the_largest_bigint():
    converter = IdConverter()
    assert converter.to_python("1") == 1 and converter.to_python(str(MAX_ID)) == MAX_ID
    for value in ("0", str(MAX_ID + 1), "99999999999999999999"):
        with pytest.raises(ValueError):
            converter.to_python(value)


def _fill(route: str, value: str) -> str:
    url = "/" + route
    for placeholder in ("<str:kind>", "<str:action>", "<slug:slug>", "<path:path>"):
        url = url.replace(
            placeholder, {"<str:kind>": "idea", "<str:action>": "hide"}.get(placeholder, "x.html")
        )
    while "<id:" in url:
        start = url.index("<id:")
        url = url[:start] + value + url[url.index(">", start) + 1 :]
    return url


@pytest.mark.parametrize("route", ID_ROUTES)
def test_an_id_out_of_range_is_404_for_get_and_post(client, alice, route):
    client.force_login(alice)
    for value in OUT_OF_RANGE:
        url = _fill(route, value)
        assert client.get(url).status_code == 404, url
        assert client.post(url, {"value": "1"}).status_code == 404, url
