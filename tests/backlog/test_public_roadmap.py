"""R&D marks backlog items public for the roadmap, from the item's edit page, through the service."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from backlog.models import BacklogItem
from backlog.services import backlog_item_set_public, backlog_item_update

pytestmark = pytest.mark.django_db


@pytest.fixture
def item(product, rita):
    return BacklogItem.objects.create(product=product, title="Internal name", created_by=rita)


def form_data(item, **changes):
    data = {
        "product": item.product_id,
        "title": item.title,
        "description": "",
        "status": item.status,
        "effort_estimate": "1",
        "impact": "1",
        "confidence": "0.8",
        "target_release": "",
    }
    return {**data, **changes}


def test_rnd_makes_an_item_public_on_its_edit_page(client, item, rita):
    client.force_login(rita)
    response = client.post(
        f"/backlog/items/{item.pk}/edit/",
        form_data(item, is_public="on", public_title="  Sharper   night shots ", public_summary="Soon."),
    )
    assert response.status_code == 302
    item.refresh_from_db()
    assert (item.is_public, item.public_title, item.public_summary) == (True, "Sharper night shots", "Soon.")
    assert (
        "On the public roadmap as “Sharper night shots”."
        in client.get(item.get_absolute_url()).content.decode()
    )


def test_a_public_item_needs_a_public_title(client, item, rita):
    client.force_login(rita)
    response = client.post(f"/backlog/items/{item.pk}/edit/", form_data(item, is_public="on"))
    assert response.status_code == 400
    assert "Give the item a public title" in response.content.decode()
    with pytest.raises(ValidationError):
        backlog_item_set_public(item=item, editor=rita, is_public=True, public_title=" ")
    assert not BacklogItem.objects.get(pk=item.pk).is_public


def test_only_backlog_managers_change_it(item, carl):
    with pytest.raises(PermissionDenied):
        backlog_item_set_public(item=item, editor=carl, is_public=True, public_title="Public")


def test_a_new_status_dates_the_move(item, rita):
    before = item.status_changed_at
    backlog_item_update(item=item, editor=rita, title="Renamed")
    assert BacklogItem.objects.get(pk=item.pk).status_changed_at == before
    backlog_item_update(item=item, editor=rita, status=BacklogItem.Status.PLANNED)
    assert BacklogItem.objects.get(pk=item.pk).status_changed_at > before
