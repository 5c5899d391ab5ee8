"""Prototype cards carry a picture and a mark for what the member took part in; confirmations are shown
beside the form that was used and the page opens there."""

import re

import pytest

from prototypes.services import rating_save

from .helpers import make_prototype

pytestmark = pytest.mark.django_db


def test_cards_show_a_picture_and_what_i_took_part_in_in_fixed_queries(
    alice_client, alice, django_assert_max_num_queries
):
    tried = make_prototype(title="A new shutter screen")
    make_prototype(title="A calmer lock screen")
    rating_save(member=alice, version=tried.variants.first().current_version, score=4, would_use=True)
    page = alice_client.get("/prototypes/").content.decode()
    assert page.count('class="card-picture"') == 2
    cards = re.findall(r'<li class="prototype-card">.*?</li>', page, re.S)
    assert ["You took part" in card for card in cards] == [False, True]
    for n in range(3):
        make_prototype(title=f"More {n}")
    with django_assert_max_num_queries(16):  # the same as for two cards: batches, not a query per card
        assert alice_client.get("/prototypes/").content.decode().count('class="card-picture"') == 5


def test_a_rating_is_confirmed_beside_its_variant_and_the_page_opens_there(alice_client):
    prototype = make_prototype()
    variant = prototype.variants.first()
    response = alice_client.post(
        f"{prototype.get_absolute_url()}rate/",
        {"version": variant.current_version_id, "score": "4", "would_use": "yes"},
    )
    assert response.url == f"{prototype.get_absolute_url()}#done-variant-{variant.pk}"
    page = alice_client.get(response.url).content.decode()
    section = re.search(
        rf'<section class="variant[^"]*" id="variant-{variant.pk}".*?</section>', page, re.S
    ).group(0)
    assert f'id="done-variant-{variant.pk}"' in section and "your rating of Classic is saved" in section
    assert '<ul class="messages"' not in page  # not at the top, off-screen from the form


def test_an_error_for_a_missing_point_is_shown_beside_the_pin_form(alice_client):
    prototype = make_prototype()
    screen = prototype.variants.first().current_version.screens.get()
    response = alice_client.post(
        f"{prototype.get_absolute_url()}pins/", {"screen": screen.pk, "body": "Here"}, follow=True
    )
    page = response.content.decode()
    placed = re.search(rf'<div class="placed-messages" id="done-screen-{screen.pk}".*?</div>', page, re.S)
    assert placed and 'role="alert"' in placed.group(0)


def test_the_pin_list_numbers_each_pin_once_and_leaving_the_beta_is_secondary(alice_client, alice):
    from prototypes.services import beta_sign_up, pin_add

    prototype = make_prototype(beta_seats=3)
    screen = prototype.variants.first().current_version.screens.get()
    pin_add(author=alice, screen=screen, body="Too small", x=0.5, y=0.5)
    beta_sign_up(member=alice, prototype=prototype)
    page = alice_client.get(prototype.get_absolute_url()).content.decode()
    assert "<strong>1.</strong>" not in page and re.search(
        r'<li id="pin-\d+" class="pin"[^>]*>\s*<p>Too small', page
    )
    assert re.search(r'<button type="submit" class="secondary">Leave the beta</button>', page)
