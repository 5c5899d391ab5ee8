"""Administrators manage roles and managed segments from /staff/members/, audited, with clear errors."""

import pytest

from community.models import Member
from community.roles import Role
from community.services import managed_segments_set, member_roles, role_revoke
from moderation.models import AuditEntry

from ..factories import MemberFactory, SegmentFactory, with_role

pytestmark = pytest.mark.django_db
# The two-factor check (run by StaffMFAMiddleware and again by staff_required), the count, the page of
# members and their groups; the logged-in member comes from the cache (member_cache).
QUERIES = 5


@pytest.fixture
def adam_client(client, adam):
    client.force_login(adam)
    return client


def test_administrators_find_members_by_name_and_role(adam_client, bob, carl, alice):
    page = adam_client.get("/staff/members/", {"q": "bob"})
    assert page.status_code == 200
    text = page.content.decode()
    assert "Bob B." in text and "Alice A." not in text
    managers = adam_client.get("/staff/members/", {"role": "customer_manager"}).content.decode()
    assert "Carl CM" in managers and "Bob B." not in managers
    assert adam_client.get("/staff/members/", {"role": "emperor"}).status_code == 400


@pytest.mark.parametrize("count", [2, 12])
def test_member_list_costs_a_fixed_number_of_queries(
    adam_client, django_assert_num_queries, count, member_cache
):
    for n in range(count):
        with_role(MemberFactory(username=f"staff{n}"), Role.MODERATOR if n % 2 else Role.RND)
    adam_client.get("/staff/members/")  # warm the session and the cached member
    # session, member, its permissions, count, the page of members, their groups
    with django_assert_num_queries(QUERIES):
        page = adam_client.get("/staff/members/")
    assert page.content.decode().count("data-member=") == count + 1  # and adam


def test_grant_and_revoke_a_role_from_the_site_is_audited(adam_client, adam, bob):
    page = adam_client.get(f"/staff/members/{bob.pk}/")
    assert page.status_code == 200 and "Grant a role" in page.content.decode()
    response = adam_client.post(f"/staff/members/{bob.pk}/roles/", {"role": "moderator", "action": "grant"})
    assert response.status_code == 302
    bob.refresh_from_db()
    assert member_roles(bob) == {Role.MODERATOR} and bob.is_staff
    entry = AuditEntry.objects.filter(action="grant_role").latest("id")
    assert (entry.actor, entry.member, entry.before, entry.after) == (
        adam,
        bob,
        {"roles": []},
        {"roles": ["moderator"]},
    )
    followed = adam_client.post(
        f"/staff/members/{bob.pk}/roles/", {"role": "moderator", "action": "revoke"}, follow=True
    )
    assert "is no longer Moderator" in followed.content.decode()
    bob.refresh_from_db()
    assert member_roles(bob) == {Role.CUSTOMER} and not bob.is_staff
    revoked = AuditEntry.objects.filter(action="revoke_role").latest("id")
    assert (revoked.actor, revoked.before, revoked.after) == (adam, {"roles": ["moderator"]}, {"roles": []})


def test_unknown_role_is_a_form_error(adam_client, bob):
    response = adam_client.post(f"/staff/members/{bob.pk}/roles/", {"role": "emperor", "action": "grant"})
    assert response.status_code == 400
    assert "Select a valid choice" in response.content.decode()
    assert member_roles(bob) == {Role.CUSTOMER}


def test_the_last_administrator_keeps_the_role(adam_client, adam):
    response = adam_client.post(
        f"/staff/members/{adam.pk}/roles/", {"role": "administrator", "action": "revoke"}
    )
    assert response.status_code == 400
    assert "the last administrator" in response.content.decode()
    adam.refresh_from_db()
    assert adam.is_superuser and Role.ADMINISTRATOR in member_roles(adam)
    assert not AuditEntry.objects.filter(action="revoke_role").exists()
    with pytest.raises(Exception, match="last administrator"):
        role_revoke(member=adam, role=Role.ADMINISTRATOR, revoked_by=None)


def test_an_administrator_may_step_down_when_another_remains(adam_client, adam):
    other = with_role(MemberFactory(), Role.ADMINISTRATOR)
    response = adam_client.post(
        f"/staff/members/{adam.pk}/roles/", {"role": "administrator", "action": "revoke"}
    )
    assert response.status_code == 302 and response["Location"] == "/"
    adam.refresh_from_db()
    assert not adam.is_superuser
    assert Member.objects.filter(is_superuser=True).get() == other


def test_segments_of_a_customer_manager_are_assigned_and_audited(adam_client, adam, carl):
    students, seniors = SegmentFactory(name="Students"), SegmentFactory(name="Seniors")
    response = adam_client.post(
        f"/staff/members/{carl.pk}/segments/", {"segments": [students.pk, seniors.pk]}
    )
    assert response.status_code == 302
    assert set(carl.managed_segments.all()) == {students, seniors}
    entry = AuditEntry.objects.get(action="manage_segments")
    assert (entry.actor, entry.member) == (adam, carl)
    assert entry.after == {"managed_segments": ["Seniors", "Students"]}
    adam_client.post(f"/staff/members/{carl.pk}/segments/", {"segments": [students.pk]})
    assert list(carl.managed_segments.all()) == [students]
    assert AuditEntry.objects.filter(action="manage_segments").count() == 2


def test_unknown_segment_or_a_non_manager_is_a_form_error(adam_client, carl, bob):
    response = adam_client.post(f"/staff/members/{carl.pk}/segments/", {"segments": ["999999"]})
    assert response.status_code == 400
    assert "Select a valid choice" in response.content.decode()
    segment = SegmentFactory()
    refused = adam_client.post(f"/staff/members/{bob.pk}/segments/", {"segments": [segment.pk]})
    assert refused.status_code == 400
    assert "Only customer managers manage segments" in refused.content.decode()
    assert not bob.managed_segments.exists()
    assert not AuditEntry.objects.filter(action="manage_segments").exists()


def test_services_refuse_non_administrators(mona, bob, carl):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        managed_segments_set(member=carl, segments=[SegmentFactory()], assigned_by=mona)
    with pytest.raises(PermissionDenied):
        role_revoke(member=carl, role=Role.CUSTOMER_MANAGER, revoked_by=mona)


def test_customer_managers_assigning_members_to_segments_is_audited(client, carl, bob):
    segment = SegmentFactory(name="Gamers")
    segment.managers.add(carl)
    client.force_login(carl)
    client.post(f"/members/{bob.pk}/segments/", {"segments": [segment.pk]})
    client.post(f"/members/{bob.pk}/segments/", {"segments": [segment.pk]})  # nothing new: no entry
    client.post(f"/members/{bob.pk}/segments/", {})
    entries = list(AuditEntry.objects.filter(member=bob).order_by("id").values_list("action", "after"))
    assert entries == [("segment_add", {"segment": "Gamers"}), ("segment_remove", {"segment": None})]


def test_staff_pages_need_two_factor_auth_even_when_not_allowed(client):
    """StaffMFAMiddleware covers /staff/: staff without TOTP are sent to set it up first."""
    admin = with_role(MemberFactory(), Role.ADMINISTRATOR)
    moderator = with_role(MemberFactory(), Role.MODERATOR)
    for member in (admin, moderator):
        client.force_login(member)
        for url in ("/staff/members/", f"/staff/members/{member.pk}/"):
            response = client.get(url)
            assert response.status_code == 302 and response["Location"].startswith(
                "/accounts/2fa/totp/activate/"
            )
