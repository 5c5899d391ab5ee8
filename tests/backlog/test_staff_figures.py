"""Charts with data or an empty state that explains; the segment page's Top needs chart; supporters in
pages; money shown with its currency on the staff pages."""

import re

import pytest

from backlog.models import BacklogItem
from tests.factories import MemberFactory, ProductFactory, make_idea
from voting.services import vote_cast

pytestmark = pytest.mark.django_db


def bar_widths(html):
    return [float(w) for w in re.findall(r'<rect class="chart-bar" x="\d+" y="\d+" width="([\d.]+)"', html)]


def test_the_segment_top_needs_chart_shows_its_demand(client, rita, segments):
    pros, _casual = segments
    idea = make_idea(title="Waterproof housing")
    for _ in range(2):
        member = MemberFactory()
        member.segments.add(pros)
        vote_cast(member=member, idea_id=idea.pk)
    client.force_login(rita)
    page = client.get("/segments/pros/").content.decode()
    needs = page[page.index('id="needs-title"') : page.index('id="planned-title"')]
    assert "Share of this segment&#x27;s members behind each top need" in needs
    assert bar_widths(needs) and all(w > 0 for w in bar_widths(needs))
    assert "Waterproof housing: 100.0" in needs  # both members of Pros support it
    assert "€266.67" in page  # the CLV per customer, exact in the title, with its currency


def test_a_chart_without_figures_explains_itself(client, rita, segments):
    client.force_login(rita)
    BacklogItem.objects.create(product=ProductFactory(), title="Unsupported", created_by=rita)
    page = client.get("/backlog/").content.decode()
    assert "chart-bar" not in page and "nothing to chart yet" in page
    item = BacklogItem.objects.create(product=ProductFactory(), title="X", created_by=rita)
    page = client.get(item.get_absolute_url()).content.decode()
    assert "nothing to chart yet" in page and "chart-bar" not in page
    page = client.get("/segments/").content.decode()
    assert bar_widths(page)  # the segments have market equity


def test_long_supporter_lists_come_in_pages(client, rita, segments, product):
    pros, _casual = segments
    idea = make_idea(title="Popular")
    item = BacklogItem.objects.create(product=product, title="Popular work", created_by=rita)
    item.ideas.add(idea)
    for _ in range(53):
        member = MemberFactory()
        member.segments.add(pros)
        vote_cast(member=member, idea_id=idea.pk)
    client.force_login(rita)
    first = client.get(item.get_absolute_url()).content.decode()
    assert "53 supporters listed · page 1 of 2" in first and "?supporters=2" in first
    rows = first[first.index('id="supporters-title"') :].count("<tr><td><a href=")
    assert rows == 50
    second = client.get(item.get_absolute_url() + "?supporters=2").content.decode()
    assert second[second.index('id="supporters-title"') :].count("<tr><td><a href=") == 3
    assert client.get(item.get_absolute_url() + "?supporters=x").status_code == 200
