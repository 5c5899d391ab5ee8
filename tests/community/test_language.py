"""The language switcher (community.views.language_set), a member's saved language, localised dates
and the JavaScript catalogue, as a visitor and a member see them."""

from datetime import UTC, datetime

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from community.services import member_set_language

pytestmark = pytest.mark.django_db


def switch(client, language, next_url="/ideas/"):
    return client.post(reverse("community:language"), {"language": language, "next": next_url})


def test_every_page_offers_the_switcher_as_a_plain_form(client):
    page = client.get("/ideas/").content.decode()
    assert f'action="{reverse("community:language")}"' in page
    for code, name in settings.LANGUAGES:
        assert f'<option value="{code}" lang="{code}"' in page
        assert name in page


def test_a_visitor_switches_to_german_without_javascript(client):
    response = switch(client, "de")
    assert response.status_code == 302
    assert response["Location"] == "/ideas/"
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "de"

    page = client.get("/ideas/").content.decode()
    assert '<html lang="de">' in page
    assert "Zum Inhalt springen" in page
    assert "Skip to content" not in page

    switch(client, "en")
    assert "Skip to content" in client.get("/ideas/").content.decode()


def test_a_visitor_needs_no_csrf_token_to_switch(alice):
    """Anonymous pages are shared from the cache, so their switcher carries no token."""
    visitor = Client(enforce_csrf_checks=True)
    assert switch(visitor, "de").status_code == 302
    assert "Zum Inhalt springen" in visitor.get("/ideas/").content.decode()


def test_a_members_choice_is_saved_and_follows_them_to_another_browser(alice_client, alice):
    switch(alice_client, "de")
    alice.refresh_from_db()
    assert alice.language == "de"

    elsewhere = Client()  # no language cookie: the saved language applies once logged in
    assert "Skip to content" in elsewhere.get("/ideas/").content.decode()
    elsewhere.force_login(alice)
    assert "Zum Inhalt springen" in elsewhere.get("/ideas/").content.decode()


def test_the_browsers_cookie_wins_over_the_saved_language(alice):
    member_set_language(member=alice, language="de")
    browser = Client()
    browser.force_login(alice)
    browser.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    assert "Skip to content" in browser.get("/ideas/").content.decode()


def test_a_members_choice_needs_their_csrf_token(alice):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(alice)
    assert switch(browser, "de").status_code == 403
    alice.refresh_from_db()
    assert alice.language == ""


def test_an_unknown_language_changes_nothing(alice_client, alice):
    response = switch(alice_client, "xx")
    assert response.status_code == 302
    assert settings.LANGUAGE_COOKIE_NAME not in response.cookies
    alice.refresh_from_db()
    assert alice.language == ""
    with pytest.raises(ValueError):
        member_set_language(member=alice, language="xx")


def test_the_switch_leads_back_only_to_this_site(client):
    assert switch(client, "de", next_url="https://evil.example/").headers["Location"] == "/"


def test_dates_follow_the_language(client, alice):
    alice.date_joined = datetime(2026, 3, 5, 12, tzinfo=UTC)
    alice.save(update_fields=["date_joined"])
    url = reverse("community:member", args=[alice.pk])
    assert "Member since March 2026" in client.get(url).content.decode()
    switch(client, "de")
    assert "Mitglied seit März 2026" in client.get(url).content.decode()


def test_short_dates_take_each_languages_order(settings):
    from django.utils import formats, translation

    day = datetime(2026, 12, 4, 14, 30, tzinfo=UTC)
    shown = {}
    for code, _name in settings.LANGUAGES:
        with translation.override(code):
            shown[code] = formats.date_format(day, "SHORT_DATE_FORMAT")
    assert shown["en"] == "4 Dec 2026"
    assert shown["de"] == "4. Dez. 2026"


def test_the_javascript_catalogue_speaks_the_language(client):
    english = client.get(reverse("javascript-catalog")).content.decode()
    assert "Ausw" not in english  # English needs no catalogue: gettext() returns the source text
    switch(client, "de")
    catalogue = client.get(reverse("javascript-catalog")).content.decode()
    assert "Ausw\\u00e4hlen: #%(id)s %(title)s" in catalogue or "Auswählen: #%(id)s %(title)s" in catalogue
    assert '"plural": "(n != 1)"' in catalogue or "(n != 1)" in catalogue


def test_pages_load_the_catalogue_before_the_scripts(client):
    page = client.get("/ideas/").content.decode()
    assert page.index(f'src="{reverse("javascript-catalog")}"') < page.index("js/cocreate.js")


@pytest.mark.parametrize("language", [code for code, _name in settings.LANGUAGES])
def test_svg_geometry_is_never_localised(language):
    """German writes 7,2 where SVG needs 7.2: drawing numbers stay unlocalised in every language."""
    import re

    from django.template.loader import render_to_string
    from django.utils import translation

    from cocreate.charts import bar_chart
    from prototypes.templatetags.prototypes_tags import scaled

    chart = bar_chart([("Alpha", 7.25), ("Beta", 3.1)], title="Chart")
    with translation.override(language):
        svg = render_to_string("charts/_bar_chart.html", {"chart": chart})
        numbers = re.findall(r'(?:x|y|width|height|viewBox)="([^"]*)"', svg)
        assert numbers and all(re.fullmatch(r"[\d. ]+", value) for value in numbers), numbers
        assert render_to_string_value(scaled(0.4, 18)) == "7.2"


def render_to_string_value(value):
    from django.template import Context, Template

    return Template("{{ value }}").render(Context({"value": value}))
