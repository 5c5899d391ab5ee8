"""The public roadmap page: columns, product filter, supporters, feed; nothing internal shows."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from backlog.models import BacklogItem
from backlog.selectors import roadmap_items
from backlog.services import backlog_item_update
from ideas.models import Idea

from ..factories import make_idea
from . import roadmap_world
from .roadmap_world import ATOM, SECRETS, parse_atom

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(rita):
    return roadmap_world.build(rita)


@pytest.fixture
def roadmap(wagtail_site, world):
    return roadmap_world.roadmap_page(wagtail_site)


def column(html, name):
    """The HTML of one column of the page."""
    start = html.index(f'class="roadmap-column roadmap-{name}"')
    end = html.find('class="roadmap-column', start + 1)
    return html[start : end if end > 0 else len(html)]


def test_columns_show_public_items_and_ideas(client, roadmap, world):
    html = client.get(roadmap.url).content.decode()
    in_progress = column(html, "in_progress")
    assert "Sharper night shots" in in_progress and "Night mode that keeps up" in in_progress
    # The item's public ideas are linked from its card; its hidden idea is not.
    assert world["night"].get_absolute_url() in in_progress
    assert world["night_too"].get_absolute_url() in in_progress
    assert "3 supporters" in in_progress  # alice, bob, carol: bob voted for both ideas, counted once
    planned = column(html, "planned")
    assert world["planned"].get_absolute_url() in planned and "1 supporter" in planned
    assert "Raw photos" in planned  # a public planned idea, even though its backlog item is private
    assert "Bigger shutter button" in column(html, "shipped")
    assert "A brand new idea" not in html


@pytest.mark.parametrize("persona", ["anonymous", "alice", "rita", "mona", "adam"])
def test_nothing_internal_leaks(client, roadmap, world, persona, request):
    if persona != "anonymous":
        client.force_login(request.getfixturevalue(persona))
    html = client.get(roadmap.url).content.decode()
    feed = client.get(roadmap.url + "feed/").content.decode()
    for secret in SECRETS:
        assert secret not in html, secret
        assert secret not in feed, secret
    assert world["hidden"].get_absolute_url() not in html + feed


def test_editors_choose_columns_and_products(client, wagtail_site, world):
    page = roadmap_world.roadmap_page(wagtail_site, show_shipped=False, show_planned=False)
    html = client.get(page.url).content.decode()
    assert "Sharper night shots" in html
    assert "Wi-Fi only map updates" not in html and "Bigger shutter button" not in html
    page.products.set([world["maps"]])
    page.show_planned = True
    page.save_revision().publish()
    html = client.get(page.url).content.decode()
    assert "Wi-Fi only map updates" in html and "Sharper night shots" not in html


def test_filter_by_product(client, roadmap, world):
    html = client.get(roadmap.url).content.decode()
    assert f'href="{roadmap.url}?product=camera"' in html and f'href="{roadmap.url}?product=maps"' in html
    maps = client.get(roadmap.url, {"product": "maps"}).content.decode()
    assert "Wi-Fi only map updates" in maps and "Sharper night shots" not in maps
    camera = client.get(roadmap.url, {"product": "camera"}).content.decode()
    assert "Sharper night shots" in camera and "Wi-Fi only map updates" not in camera
    assert client.get(roadmap.url, {"product": "nope"}).status_code == 404


def test_at_least_one_column(wagtail_site):
    from django.core.exceptions import ValidationError

    from cms.models import RoadmapPage

    page = RoadmapPage(
        title="Empty", slug="empty", show_planned=False, show_in_progress=False, show_shipped=False
    )
    with pytest.raises(ValidationError):
        page.full_clean()


def test_selector_costs_four_queries(world, django_assert_num_queries):
    with django_assert_num_queries(4):
        cards = roadmap_items(columns=["planned", "in_progress", "shipped"])
    assert {c.title for c in cards} == {
        "Sharper night shots",
        "Wi-Fi only map updates",
        "Bigger shutter button",
        "Raw photos",
    }


def test_page_queries_do_not_grow_with_the_cards(client, roadmap, world, rita):
    def page_queries():
        with CaptureQueriesContext(connection) as queries:
            assert client.get(roadmap.url).status_code == 200
        return len(queries)

    page_queries()  # warms the site lookup Wagtail caches
    before = page_queries()
    for n in range(5):
        idea = make_idea(title=f"More {n}", product=world["camera"])
        roadmap_world.set_status(idea, Idea.Status.PLANNED)
        item = BacklogItem.objects.create(
            product=world["maps"], title=f"x{n}", public_title=f"Item {n}", is_public=True,
            status=BacklogItem.Status.SHIPPED, created_by=rita,
        )  # fmt: skip
        item.ideas.add(idea)
    assert page_queries() == before
    # Wagtail's serving (site, route, view restrictions, and with WAGTAIL_I18N_ENABLED the root page's
    # translation into the visitor's language: 7), the chosen products and every product (2), the cards
    # (4: items, their ideas, their supporters, the other ideas).
    assert before == 13


def test_feed_is_atom_with_an_entry_per_card_and_column(client, roadmap, world, rita):
    response = client.get(roadmap.url + "feed/")
    assert response["Content-Type"].startswith("application/atom+xml")
    entries = parse_atom(response.content)
    titles = [e.findtext(f"{ATOM}title") for e in entries]
    # Newest move first: the item moved today, the planned idea 3 days ago, the shipped one 9 days ago.
    assert titles[0] == "In progress: Sharper night shots"
    assert titles.index("Planned: Wi-Fi only map updates") < titles.index("Shipped: Bigger shutter button")
    ids = [e.findtext(f"{ATOM}id") for e in entries]
    assert len(set(ids)) == len(ids) == 4
    links = [e.find(f"{ATOM}link").get("href") for e in entries]
    assert f"http://testserver{world['planned'].get_absolute_url()}" in links
    # Moving on to the next column makes a new entry.
    item = world["public_item"]
    backlog_item_update(item=item, editor=rita, status=BacklogItem.Status.SHIPPED)
    ids_after = {e.findtext(f"{ATOM}id") for e in parse_atom(client.get(roadmap.url + "feed/").content)}
    assert any(i.endswith(f"#item-{item.pk}-shipped") for i in ids_after)
    assert not any(i.endswith(f"#item-{item.pk}-in_progress") for i in ids_after)
