"""nginx's body limits (deploy/nginx/cocreate.conf) say what Django's say (cocreate.http.body_limit).

The two must agree: a lower nginx limit refuses uploads Django would take, a higher one reads a body
only for Django to throw it away. Each upload location's client_max_body_size is read from the recipe
and compared with the limit Django computes for a URL that location matches.
"""

import re
from pathlib import Path

import pytest
from django.test import RequestFactory
from django.urls import resolve

from cocreate.http import body_limits_for

RECIPE = Path(__file__).resolve().parents[2] / "deploy" / "nginx" / "cocreate.conf"

# A URL each location of the recipe matches (the location's own text is the key).
EXAMPLES = {
    "= /ideas/new/": ["/ideas/new/"],
    "~ ^/prototypes/variants/[0-9]+/versions/$": ["/prototypes/variants/7/versions/"],
    "= /members/me/": ["/members/me/"],
    "= /customers/import/": ["/customers/import/"],
    "~ ^/(admin|cms)/": ["/admin/community/member/add/", "/cms/images/multiple/add/"],
    "/": ["/ideas/7/comments/", "/ideas/7/edit/", "/members/me/delete/"],
}


def nginx_megabytes(size: str) -> int:
    number, unit = re.fullmatch(r"(\d+)([km]?)", size).groups()
    return int(number) * {"": 1, "k": 2**10, "m": 2**20}[unit]


def recipe_limits() -> dict[str, int]:
    """Each location's client_max_body_size; "/" is the server's own."""
    text = RECIPE.read_text()
    limits = {"/": nginx_megabytes(re.search(r"^    client_max_body_size (\w+);", text, re.M).group(1))}
    for match, size in re.findall(r"location ([^{]+?) \{\s*client_max_body_size (\w+);", text):
        limits[match] = nginx_megabytes(size)
    return limits


def django_limit(path: str) -> int:
    request = RequestFactory().post(path)
    return body_limits_for(request, resolve(path).func).max_bytes


def test_every_upload_location_is_checked():
    assert set(recipe_limits()) == set(EXAMPLES)


@pytest.mark.parametrize("location", sorted(EXAMPLES))
def test_nginx_allows_what_django_allows_rounded_up_to_a_megabyte(location):
    nginx = recipe_limits()[location]
    for path in EXAMPLES[location]:
        django = django_limit(path)
        assert django <= nginx < django + 2**20, (location, path, django, nginx)
