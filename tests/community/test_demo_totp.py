"""The demo's staff log-ins, and `manage.py demo_totp` that prints their two-factor codes (DEBUG only)."""

import pytest
from allauth.mfa.models import Authenticator
from django.core.management import CommandError, call_command

from community.models import Member
from community.roles import Role
from community.services import member_roles
from community.totp import totp_activate

from ..factories import MemberFactory

pytestmark = pytest.mark.django_db


def test_demo_totp_refuses_without_debug(settings, capsys):
    settings.DEBUG = False
    member = MemberFactory(email="admin@example.com")
    totp_activate(member=member)
    with pytest.raises(CommandError, match="only runs with DEBUG=1"):
        call_command("demo_totp", "admin@example.com")
    assert capsys.readouterr().out == ""


def test_demo_totp_prints_a_code_the_log_in_accepts(settings, capsys):
    settings.DEBUG = True
    member = MemberFactory(email="admin@example.com")
    totp_activate(member=member)
    call_command("demo_totp", "ADMIN@example.com")
    code = capsys.readouterr().out.strip()
    assert len(code) == 6 and code.isdigit()
    # allauth's own check, as its two-factor log-in form runs it.
    assert Authenticator.objects.get(user=member, type="totp").wrap().validate_code(code)


def test_demo_totp_explains_unknown_accounts_and_missing_authenticators(settings):
    settings.DEBUG = True
    MemberFactory(email="plain@example.com")
    with pytest.raises(CommandError, match="No active member"):
        call_command("demo_totp", "nobody@example.com")
    with pytest.raises(CommandError, match="no two-factor authenticator"):
        call_command("demo_totp", "plain@example.com")


def test_the_demo_has_one_log_in_per_staff_role_with_two_factor_set_up(capsys):
    call_command("seed_demo", members=12, ideas=5, votes=10, comments=2, no_progress=True)
    out = capsys.readouterr().out
    expected = {
        "rd@example.com": Role.RND,
        "manager@example.com": Role.CUSTOMER_MANAGER,
        "moderator@example.com": Role.MODERATOR,
        "admin@example.com": Role.ADMINISTRATOR,
    }
    for email, role in expected.items():
        member = Member.objects.get(email=email)
        assert member_roles(member) == {role} and member.is_staff
        assert member.check_password("cocreate-demo")
        assert Authenticator.objects.filter(user=member, type="totp").exists()
        assert email in out
    assert "demo_totp" in out
    assert Member.objects.get(email="manager@example.com").managed_segments.count() == 2


def test_codes_follow_rfc_6238_test_vectors(settings):
    """RFC 6238 appendix B (SHA-1, secret "12345678901234567890"), cut to allauth's 6 digits."""
    import base64

    from community.totp import _hotp

    secret = base64.b32encode(b"12345678901234567890").decode()
    assert [_hotp(secret, t // 30) for t in (59, 1111111109, 1234567890, 2000000000)] == [
        "287082", "081804", "005924", "279037",
    ]  # fmt: skip
