"""The triage page: the action is chosen first and each action has its own labelled fields; refused forms
keep everything typed and checked; duplicates are found by search; success messages link what changed."""

import re
from decimal import Decimal

import pytest

from backlog.demand import Market
from backlog.models import BacklogItem, PriorityWeights
from backlog.selectors import backlog_ranking
from ideas.models import Idea
from search.backends.database import database_backend
from tests.factories import make_idea
from voting.services import vote_cast

from ..factories import MemberFactory

pytestmark = pytest.mark.django_db


def fieldset(page, action):
    match = re.search(
        rf'<fieldset class="triage-action-fields" data-action-fields="{action}">(.*?)</fieldset>', page, re.S
    )
    assert match, action
    return match.group(1)


def test_each_action_has_its_own_labelled_fields(client, rita, product):
    make_idea(title="Something to triage")
    client.force_login(rita)
    page = client.get("/triage/").content.decode()
    # Actions first, as a radio group with their shortcut keys.
    assert page.index('name="action"') < page.index('data-action-fields="tag"')
    assert page.count('type="radio" name="action"') == 6
    expected = {
        "tag": ["tags"],
        "set_product": ["product"],
        "link": ["backlog_item"],
        "create_item": ["title", "new_item_product"],
        "duplicate": ["duplicate_search", "duplicate_of", "duplicate_reason"],
        "decline": ["decline_reason"],
    }
    for action, fields in expected.items():
        html = fieldset(page, action)
        assert re.findall(r'name="(\w+)"', html) == fields, action
    # The decline reason is marked required and explained before submitting.
    decline = fieldset(page, "decline")
    assert "(required)" in decline and "public note supporters read" in decline
    assert "(required)" not in fieldset(page, "create_item")
    # Shortcuts are listed on the page, and the search box knows the similar-ideas endpoint.
    assert "<summary>Keyboard shortcuts</summary>" in page and "<kbd>j</kbd>" in page
    assert 'data-similar-url="/search/similar/"' in page


def test_a_missing_reason_is_refused_and_nothing_is_lost(client, rita):
    idea, other = make_idea(title="Decline me"), make_idea(title="Keep me")
    client.force_login(rita)
    response = client.post(
        "/triage/", {"ideas": [idea.pk], "action": "decline", "tags": "kept, typed", "decline_reason": "  "}
    )
    page = response.content.decode()
    assert response.status_code == 400
    assert "Give a reason when declining" in fieldset(page, "decline")
    assert "Nothing was changed" in page
    assert f'value="{idea.pk}" id="idea-{idea.pk}" checked' in page
    assert f'value="{other.pk}" id="idea-{other.pk}">' in page
    assert 'value="decline" data-action-choice checked' in page
    assert 'value="kept, typed"' in page
    assert Idea.objects.get(pk=idea.pk).status != Idea.Status.DECLINED


def test_each_action_applies_with_its_fields_and_says_what_changed(client, rita, product):
    a, b, c = make_idea(title="Alpha"), make_idea(title="Beta"), make_idea(title="Gamma")
    client.force_login(rita)

    response = client.post("/triage/", {"ideas": [a.pk, b.pk], "action": "tag", "tags": "x, y"}, follow=True)
    assert "Tagged 2 ideas:" in response.content.decode()
    assert f'<a href="{a.get_absolute_url()}">Alpha</a>' in response.content.decode()

    response = client.post(
        "/triage/", {"ideas": [a.pk], "action": "set_product", "product": product.pk}, follow=True
    )
    assert "Set the product of 1 idea to Camera:" in response.content.decode()

    response = client.post(
        "/triage/",
        {
            "ideas": [a.pk, b.pk],
            "action": "create_item",
            "title": "Alpha work",
            "new_item_product": product.pk,
        },
        follow=True,
    )
    item = BacklogItem.objects.get(title="Alpha work")
    assert set(item.ideas.all()) == {a, b} and item.effort_estimate is None
    assert f'Created the backlog item <a href="{item.get_absolute_url()}">Alpha work</a> from 2 ideas' in (
        response.content.decode()
    )

    c2 = make_idea(title="Delta")
    response = client.post(
        "/triage/", {"ideas": [c2.pk], "action": "link", "backlog_item": item.pk}, follow=True
    )
    assert f'Linked 1 idea to <a href="{item.get_absolute_url()}">Alpha work</a>' in response.content.decode()

    response = client.post(
        "/triage/", {"ideas": [c.pk], "action": "decline", "decline_reason": "Out of scope"}, follow=True
    )
    assert "Declined 1 idea:" in response.content.decode()
    assert Idea.objects.get(pk=c.pk).status == Idea.Status.DECLINED


def test_a_duplicate_is_chosen_by_search(client, rita):
    original = make_idea(title="Offline maps for hiking trails")
    duplicate = make_idea(title="Hiking maps offline please")
    database_backend().index_ideas([original.pk, duplicate.pk])
    client.force_login(rita)
    # The page's search box asks the similar-ideas endpoint and fills the chosen number in.
    found = client.get("/search/similar/", {"title": "offline maps"}).json()["results"]
    assert original.pk in [r["id"] for r in found]
    response = client.post(
        "/triage/",
        {
            "ideas": [duplicate.pk],
            "action": "duplicate",
            "duplicate_search": "offline maps hiking",
            "duplicate_of": original.pk,
            "duplicate_reason": "Same ask",
        },
        follow=True,
    )
    assert f'Merged 1 idea into <a href="{original.get_absolute_url()}">' in response.content.decode()
    assert Idea.objects.get(pk=duplicate.pk).status == Idea.Status.MERGED
    # Without a choice the form says how to choose, keeping the reason.
    other = make_idea(title="Another one")
    response = client.post(
        "/triage/", {"ideas": [other.pk], "action": "duplicate", "duplicate_reason": "Same ask"}
    )
    assert response.status_code == 400
    assert "search for it, or type its number" in response.content.decode()
    assert "Same ask</textarea>" in response.content.decode()


def test_items_without_an_effort_estimate_rank_after_estimated_ones(rita, product):
    idea_big = make_idea(title="Big demand")
    for _ in range(3):
        vote_cast(member=MemberFactory(), idea_id=idea_big.pk)
    unestimated = BacklogItem.objects.create(product=product, title="Not yet estimated", created_by=rita)
    unestimated.ideas.add(idea_big)
    estimated = BacklogItem.objects.create(
        product=product, title="Estimated", created_by=rita, effort_estimate=Decimal("4")
    )
    estimated.ideas.add(make_idea(title="Small demand"))
    ranked = backlog_ranking(market=Market(), weights=PriorityWeights.load())
    assert [(r.item.title, r.score is None) for r in ranked] == [
        ("Estimated", False),
        ("Not yet estimated", True),
    ]


def test_the_backlog_says_not_estimated(client, rita, product):
    BacklogItem.objects.create(product=product, title="Fresh item", created_by=rita)
    client.force_login(rita)
    page = client.get("/backlog/").content.decode()
    assert page.count("Not estimated") == 2  # effort and score
    item_page = client.get(BacklogItem.objects.get().get_absolute_url()).content.decode()
    assert "effort not estimated" in item_page
