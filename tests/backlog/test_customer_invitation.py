"""Linking a CRM customer to the member who signs up with an invitation link (a signed external id)."""

import time

import pytest
from django.core import signing
from django.utils import timezone

from backlog.models import CustomerRecord
from backlog.transactions import (
    INVITATION_SALT,
    customer_invitation_check,
    customer_invitation_token,
    customer_record_link_invited,
)
from community.models import Member, SegmentMembership

from ..factories import MemberFactory, SegmentFactory

pytestmark = pytest.mark.django_db

real_time = time.time

SIGNUP = {
    "email": "other-address@example.com",  # not the CRM's address: the link does the linking
    "display_name": "Ann Invited",
    "password1": "quiet-otter-umbrella-42",
    "password2": "quiet-otter-umbrella-42",
}


@pytest.fixture
def customers(carl):
    pros, others = SegmentFactory(slug="pros"), SegmentFactory(slug="others")
    pros.managers.add(carl)
    now = timezone.now()
    ann = CustomerRecord.objects.create(
        external_id="C-1", email="ann@crm.example.com", segment=pros, clv=100, imported_at=now
    )
    bob = CustomerRecord.objects.create(external_id="C-2", segment=others, clv=100, imported_at=now)
    return {"pros": pros, "ann": ann, "bob": bob}


def test_signing_up_with_the_link_links_the_record(client, customers):
    join = f"/customers/join/{customer_invitation_token(customers['ann'])}/"
    assert client.get(join)["Location"] == "/accounts/signup/"
    assert client.post("/accounts/signup/", SIGNUP).status_code == 302
    member = Member.objects.get(email="other-address@example.com")
    customers["ann"].refresh_from_db()
    assert customers["ann"].member == member
    assert SegmentMembership.objects.filter(member=member, segment=customers["pros"]).exists()
    # Used: the link no longer works, for anyone.
    assert customer_invitation_check(customer_invitation_token(customers["ann"])) is None
    client.logout()
    assert client.get(join).status_code == 400


def test_a_signed_in_member_opening_the_link_is_linked(client, customers):
    member = MemberFactory()
    client.force_login(member)
    response = client.get(f"/customers/join/{customer_invitation_token(customers['ann'])}/")
    assert response.status_code == 302
    customers["ann"].refresh_from_db()
    assert customers["ann"].member == member


def tampered(token: str) -> str:
    payload, _sep, rest = token.partition(":")
    data = signing.b64_decode(payload.encode())
    return signing.b64_encode(data.replace(b"C-1", b"C-2")).decode() + ":" + rest


FORGERIES = {
    "the external id changed by hand": lambda c: tampered(customer_invitation_token(c["ann"])),
    "a broken signature": lambda c: customer_invitation_token(c["ann"])[:-2] + "xx",
    "another signed value of the site": lambda c: signing.dumps({"r": c["bob"].pk, "x": "C-2"}, salt="other"),
    "signed with another key": lambda c: signing.dumps(
        {"r": c["bob"].pk, "x": "C-2"}, salt=INVITATION_SALT, key="x" * 50
    ),
    "id and record disagree": lambda c: signing.dumps({"r": c["bob"].pk, "x": "C-1"}, salt=INVITATION_SALT),
    "an id typed in": lambda c: "C-2",
}


@pytest.mark.parametrize("make", FORGERIES.values(), ids=FORGERIES.keys())
def test_a_tampered_or_foreign_token_links_nothing(client, customers, make):
    token = make(customers)
    member = MemberFactory()
    assert customer_record_link_invited(member=member, token=token) is None
    assert client.get(f"/customers/join/{token}/").status_code == 400
    client.post("/accounts/signup/", SIGNUP)
    assert not CustomerRecord.objects.filter(member__isnull=False).exists()


def test_an_expired_link_links_nothing(customers, settings, monkeypatch):
    settings.CLV_INVITATION_DAYS = 30
    with monkeypatch.context() as past:
        past.setattr(time, "time", lambda: real_time() - 31 * 86400)
        token = customer_invitation_token(customers["ann"])
    assert customer_record_link_invited(member=MemberFactory(), token=token) is None


def test_a_member_with_a_record_is_not_given_a_second(customers):
    member = MemberFactory()
    customers["bob"].member = member
    customers["bob"].save(update_fields=["member"])
    assert (
        customer_record_link_invited(member=member, token=customer_invitation_token(customers["ann"])) is None
    )
    customers["ann"].refresh_from_db()
    assert customers["ann"].member is None


def test_customer_managers_make_links_for_their_segments_only(client, customers, carl, adam):
    client.force_login(carl)
    page = client.get("/customers/invitation/", {"external_id": "C-1"})
    assert page.status_code == 200
    link = page.context["link"]
    assert "/customers/join/" in link
    assert customer_invitation_check(link.rstrip("/").rsplit("/", 1)[1]) == customers["ann"]
    # Another segment's customer, an unknown id, a linked customer: one answer, no link.
    for external_id in ("C-2", "C-404"):
        refused = client.get("/customers/invitation/", {"external_id": external_id})
        assert refused.status_code == 404 and refused.context["link"] is None
    client.force_login(adam)
    assert client.get("/customers/invitation/", {"external_id": "C-2"}).context["link"]
