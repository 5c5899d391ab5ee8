"""Owners of ideas and backlog items (issue 21, part 4): who may own and assign, the "mine" filters of
the triage queue and the backlog, and the workspace's "Ideas assigned to me"."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from backlog.models import BacklogItem
from backlog.services import backlog_item_create, backlog_item_set_owner
from community import permissions
from community.models import Member
from community.selectors import owner_candidates
from ideas.models import Idea
from ideas.services import idea_set_owner

from ..factories import make_idea

pytestmark = pytest.mark.django_db


@pytest.fixture
def item(rita, product):
    return backlog_item_create(creator=rita, product=product, title="Offline maps engine")


def test_rnd_sets_an_ideas_owner_from_the_idea_page(client, rita, adam):
    idea = make_idea(title="Night mode")
    client.force_login(rita)
    page = client.get(idea.get_absolute_url()).content.decode()
    assert f'action="/ideas/{idea.pk}/owner/"' in page and f'<option value="{adam.pk}">' in page
    response = client.post(f"/ideas/{idea.pk}/owner/", {"owner": adam.pk})
    assert response.status_code == 302
    idea.refresh_from_db()
    assert idea.owner == adam
    assert "Owner: Adam Admin" in client.get(idea.get_absolute_url()).content.decode()
    client.post(f"/ideas/{idea.pk}/owner/", {"owner": ""})
    idea.refresh_from_db()
    assert idea.owner is None


def test_only_rnd_and_administrators_may_own_an_idea(client, rita, carl, mona, alice):
    idea = make_idea(title="Night mode")
    client.force_login(rita)
    for refused in (carl, mona, alice):
        response = client.post(f"/ideas/{idea.pk}/owner/", {"owner": refused.pk}, follow=True)
        assert "Select a valid choice" in response.content.decode()
        with pytest.raises(ValidationError) as error:
            idea_set_owner(idea=idea, owner=refused, by=rita)
        assert "R&amp;D" in str(error.value) or "R&D" in str(error.value)
    idea.refresh_from_db()
    assert idea.owner is None
    # Nor may any other role choose one.
    with pytest.raises(PermissionDenied):
        idea_set_owner(idea=idea, owner=rita, by=carl)
    client.force_login(carl)
    assert client.post(f"/ideas/{idea.pk}/owner/", {"owner": rita.pk}).status_code == 403
    # The owner box is shown only to those who may use it.
    assert f"/ideas/{idea.pk}/owner/" not in client.get(idea.get_absolute_url()).content.decode()


def test_the_backlog_item_page_sets_its_owner(client, rita, adam, carl, item):
    client.force_login(rita)
    assert f'action="/backlog/items/{item.pk}/owner/"' in client.get(item.get_absolute_url()).content.decode()
    assert client.post(f"/backlog/items/{item.pk}/owner/", {"owner": adam.pk}).status_code == 302
    item.refresh_from_db()
    assert item.owner == adam
    assert "Owner: Adam Admin" in client.get(item.get_absolute_url()).content.decode()
    response = client.post(f"/backlog/items/{item.pk}/owner/", {"owner": carl.pk}, follow=True)
    assert "Select a valid choice" in response.content.decode()
    with pytest.raises(ValidationError):
        backlog_item_set_owner(item=item, owner=carl, by=rita)
    item.refresh_from_db()
    assert item.owner == adam
    # Customer managers read the item but may not assign it.
    client.force_login(carl)
    assert f"/backlog/items/{item.pk}/owner/" not in client.get(item.get_absolute_url()).content.decode()
    assert client.post(f"/backlog/items/{item.pk}/owner/", {"owner": ""}).status_code == 403


def test_the_triage_queue_filters_to_mine(client, rita, adam):
    mine = make_idea(title="Rita owns this")
    theirs = make_idea(title="Adam owns this")
    nobodys = make_idea(title="Nobody owns this")
    idea_set_owner(idea=mine, owner=rita, by=rita)
    idea_set_owner(idea=theirs, owner=adam, by=rita)
    client.force_login(rita)
    everything = client.get("/triage/").content.decode()
    assert all(i.title in everything for i in (mine, theirs, nobodys))
    only_mine = client.get("/triage/?mine=1").content.decode()
    assert mine.title in only_mine and theirs.title not in only_mine and nobodys.title not in only_mine
    assert 'href="?sort=supported&amp;mine=1"' in only_mine  # the sort links keep the filter
    assert 'action="/triage/?sort=new&amp;mine=1"' in only_mine
    done = client.post("/triage/?sort=new&mine=1", {"action": "tag", "ideas": [mine.pk], "tags": "battery"})
    assert done.status_code == 302 and done["Location"] == "/triage/?sort=new&mine=1"  # the filter stays
    assert client.post("/triage/?sort=new", {"action": "tag", "ideas": [mine.pk], "tags": "x"})[
        "Location"
    ] == ("/triage/?sort=new")


def test_the_backlog_filters_to_mine(client, rita, adam, product):
    mine = backlog_item_create(creator=rita, product=product, title="Item of Rita")
    theirs = backlog_item_create(creator=rita, product=product, title="Item of Adam")
    backlog_item_set_owner(item=mine, owner=rita, by=rita)
    backlog_item_set_owner(item=theirs, owner=adam, by=rita)
    client.force_login(rita)
    assert theirs.title in client.get("/backlog/").content.decode()
    only_mine = client.get("/backlog/?mine=1").content.decode()
    assert mine.title in only_mine and theirs.title not in only_mine


def test_the_workspace_lists_the_ideas_assigned_to_me(client, rita, adam):
    owned = [make_idea(title=f"Owned idea {n:02d}") for n in range(12)]
    for idea in owned:
        idea_set_owner(idea=idea, owner=rita, by=rita)
    idea_set_owner(idea=make_idea(title="Idea of Adam"), owner=adam, by=rita)
    client.force_login(rita)
    page = client.get("/workspace/").content.decode()
    assert 'Ideas assigned to me (<span class="work-count">12</span>)' in page
    assert page.count("Owned idea") == 10 and "Idea of Adam" not in page  # the ten most recently active
    assert f'href="{owned[-1].get_absolute_url()}"' in page
    client.force_login(adam)
    page = client.get("/workspace/").content.decode()
    assert 'Ideas assigned to me (<span class="work-count">1</span>)' in page and "Idea of Adam" in page
    assert Idea.objects.filter(owner=rita).count() == 12 and not BacklogItem.objects.exists()


def test_the_owner_choices_are_exactly_who_may_own_work(rita, carl, mona, adam, alice, nora):
    """The form's list (one query, community.selectors.owner_candidates) and the predicate agree."""
    retired = Member.objects.get(pk=adam.pk)
    retired.is_staff = False  # a permission left behind on a former staff member grants nothing
    expected = {m for m in Member.objects.all() if permissions.may_own_work(m)}
    assert set(owner_candidates()) == expected == {rita, adam}
    Member.objects.filter(pk=adam.pk).update(is_staff=False)
    assert set(owner_candidates()) == {rita} and not permissions.may_own_work(retired)
