import pytest
from django.contrib.auth.models import Group
from django.core.management import CommandError, call_command

from community.roles import GROUP_NAMES, ROLE_PERMISSIONS, Role
from community.services import member_roles

from ..factories import MemberFactory, with_role, with_totp

pytestmark = pytest.mark.django_db


def test_migration_created_every_role_with_its_permissions():
    for role, name in GROUP_NAMES.items():
        group = Group.objects.get(name=name)
        codes = {
            f"{p.content_type.app_label}.{p.codename}"
            for p in group.permissions.select_related("content_type")
        }
        assert set(ROLE_PERMISSIONS[role]) <= codes


def test_grant_role_command_and_staff_flag(alice, capsys):
    call_command("grant_role", "alice@example.com", "rnd")
    alice.refresh_from_db()
    assert alice.is_staff and member_roles(alice) == {Role.RND}
    assert "R&D" in capsys.readouterr().out
    call_command("grant_role", "alice@example.com", "rnd", "--revoke")
    alice.refresh_from_db()
    assert not alice.is_staff and member_roles(alice) == {Role.CUSTOMER}
    with pytest.raises(CommandError, match="No active member"):
        call_command("grant_role", "nobody@example.com", "rnd")


def test_forged_role_changes_are_refused(client, alice, bob, rita):
    for attacker in (alice, rita):  # a customer, and staff who is not an administrator
        client.force_login(attacker)
        response = client.post(f"/members/{bob.pk}/role/", {"role": "administrator", "action": "grant"})
        assert response.status_code == 403
    bob.refresh_from_db()
    assert not bob.is_staff and member_roles(bob) == {Role.CUSTOMER}
    # Profile edits cannot smuggle roles or flags in either.
    client.force_login(bob)
    client.post(
        "/members/me/",
        {
            "display_name": "Bob",
            "email_digest": "weekly",
            "is_staff": "on",
            "is_superuser": "on",
            "groups": "1",
        },
    )
    bob.refresh_from_db()
    assert bob.display_name == "Bob" and not bob.is_staff and not bob.is_superuser and not bob.groups.exists()


def test_administrator_grants_and_revokes_roles(client, adam, bob):
    client.force_login(adam)
    client.post(f"/members/{bob.pk}/role/", {"role": "moderator", "action": "grant"})
    bob.refresh_from_db()
    assert member_roles(bob) == {Role.MODERATOR} and bob.is_staff
    client.post(f"/members/{bob.pk}/role/", {"role": "moderator", "action": "revoke"})
    bob.refresh_from_db()
    assert member_roles(bob) == {Role.CUSTOMER} and not bob.is_staff
    bad = client.post(f"/members/{bob.pk}/role/", {"role": "emperor", "action": "grant"}, follow=True)
    assert b"Unknown role" in bad.content


def test_admin_action_grants_a_role(client, adam, bob):
    client.force_login(adam)
    response = client.post(
        "/admin/community/member/", {"action": "grant_customer_manager", "_selected_action": [bob.pk]}
    )
    assert response.status_code == 302
    bob.refresh_from_db()
    assert member_roles(bob) == {Role.CUSTOMER_MANAGER}


class TestStaffNeedTwoFactor:
    @pytest.mark.parametrize("role", [Role.RND, Role.CUSTOMER_MANAGER, Role.MODERATOR, Role.ADMINISTRATOR])
    def test_staff_without_mfa_are_sent_to_set_it_up(self, client, role):
        member = with_role(MemberFactory(), role)
        client.force_login(member)
        for url in ("/cms/", "/admin/"):
            response = client.get(url)
            assert response.status_code == 302 and response["Location"].startswith(
                "/accounts/2fa/totp/activate/"
            )

    def test_status_change_needs_mfa_too(self, client):
        from ..factories import make_idea

        member = with_role(MemberFactory(), Role.RND)
        idea = make_idea()
        client.force_login(member)
        response = client.post(f"/ideas/{idea.pk}/status/", {"status": "planned", "note": "Soon"})
        assert response["Location"].startswith("/accounts/2fa/totp/activate/")
        idea.refresh_from_db()
        assert idea.status == "new"
        with_totp(member)
        client.post(f"/ideas/{idea.pk}/status/", {"status": "planned", "note": "Soon"})
        idea.refresh_from_db()
        assert idea.status == "planned"

    def test_administrator_with_mfa_reaches_both_admins(self, client, adam):
        client.force_login(adam)
        assert client.get("/admin/").status_code == 200
        assert client.get("/cms/").status_code == 200

    def test_customers_are_not_asked_for_mfa(self, alice_client):
        assert alice_client.get("/cms/").status_code == 302
        assert "/2fa/" not in alice_client.get("/cms/")["Location"]
