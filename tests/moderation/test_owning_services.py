"""Moderation decides; the app that owns a row writes it (issue 16). A pin's text and visibility go
through prototypes.services, a member's profile, standing and trust level through community.services,
each in the moderation action's transaction with its audit entry, under the same rules as the owners'
own writes."""

import ast
from datetime import timedelta
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from community import services as member_services
from community.trust_levels import BASIC, MEMBER, NEW, TRUSTED
from ideas.models import Visibility
from moderation import services, trust
from moderation.models import AuditEntry
from prototypes import services as prototype_services
from tests.prototypes.helpers import make_prototype

from ..factories import MemberFactory

pytestmark = pytest.mark.django_db

MODERATION = Path(__file__).resolve().parents[2] / "moderation"
# Fields of other apps' models (community.Member, prototypes.Pin) that moderation changes.
OTHER_APPS_FIELDS = {
    "profile_hidden", "suspended_until", "banned_at", "trust_level", "trust_locked", "display_name", "bio",
    "body", "visibility",
}  # fmt: skip


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def pin(alice):
    screen = make_prototype().variants.get(name="Classic").current_version.screens.get()
    return prototype_services.pin_add(author=alice, screen=screen, x=0.5, y=0.5, body="Too small")


def test_moderation_assigns_no_field_of_another_apps_rows():
    """Every such write is a call to the owning app's service (grep-able, one copy of its rule)."""
    assigned = []
    for path in MODERATION.rglob("*.py"):
        if "migrations" in path.parts:
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            targets = node.targets if isinstance(node, ast.Assign) else []
            for target in targets:
                for element in target.elts if isinstance(target, ast.Tuple) else [target]:
                    if isinstance(element, ast.Attribute) and element.attr in OTHER_APPS_FIELDS:
                        assigned.append(f"{path.name}:{node.lineno} {ast.unparse(element)}")
            if isinstance(node, ast.Call) and ast.unparse(node.func).endswith("_meta.model.objects.filter"):
                assigned.append(f"{path.name}:{node.lineno} {ast.unparse(node.func)}")
    assert assigned == []


def test_a_moderators_pin_edit_keeps_the_pin_rules(mona, pin):
    with pytest.raises(ValidationError, match="2,000"):
        services.content_edit(moderator=mona, kind="pin", object_id=pin.pk, body="x" * 2001, reason="Tidy")
    with pytest.raises(ValidationError):
        services.content_edit(moderator=mona, kind="pin", object_id=pin.pk, body="  ", reason="Tidy")
    pin.refresh_from_db()
    assert pin.body == "Too small" and not AuditEntry.objects.filter(action="edit").exists()

    entry = services.content_edit(moderator=mona, kind="pin", object_id=pin.pk, body=" Tiny ", reason="Tidy")
    pin.refresh_from_db()
    assert pin.body == "Tiny" and entry.before == {"body": "Too small"} and entry.after == {"body": "Tiny"}


def test_hiding_a_pin_goes_through_prototypes(mona, pin):
    services.content_hide(moderator=mona, kind="pin", object_id=pin.pk, reason="Rude")
    pin.refresh_from_db()
    assert pin.visibility == Visibility.HIDDEN
    with pytest.raises(ValueError):
        prototype_services.pin_set_visibility(pin=pin, visibility="gone")


def test_a_moderators_profile_edit_spaces_the_display_name_as_the_member_would(mona, bob):
    services.content_edit(
        moderator=mona, kind="member", object_id=bob.pk, title="  Bob   the\tBuilder ", body="", reason="Ad"
    )
    bob.refresh_from_db()
    assert (bob.display_name, bob.bio) == ("Bob the Builder", "")
    # A member who never chose a name keeps none: their public name is their username.
    member_services.member_set_profile_text(member=bob, display_name=" ", bio="x")
    bob.refresh_from_db()
    assert bob.display_name == "" and bob.public_name == "bob"


def test_sanctions_set_and_lift_the_standing_through_community(mona, bob):
    sanction = services.member_sanction(
        moderator=mona, member_id=bob.pk, type="suspension", reason="x", days=3
    )
    bob.refresh_from_db()
    assert bob.suspended_until > timezone.now() + timedelta(days=2) and bob.is_restricted
    services.sanction_lift(moderator=mona, sanction=sanction, reason="Appeal")
    bob.refresh_from_db()
    assert bob.suspended_until is None and not bob.is_restricted


def test_the_trust_refresh_never_overwrites_a_level_a_moderator_locked_meanwhile(mona):
    member = MemberFactory(trust_level=BASIC, trust_locked=False)  # activity earns NEW: a day old at most
    stale = type(member).objects.get(pk=member.pk)  # the periodic refresh read it before the lock
    services.member_set_trust(moderator=mona, member_id=member.pk, level=TRUSTED, reason="Known customer")

    assert trust.level_for(trust.activity_of(stale)) == NEW
    assert trust.trust_refresh(stale) == TRUSTED
    member.refresh_from_db()
    assert (member.trust_level, member.trust_locked) == (TRUSTED, True)


def test_earning_a_level_stores_it_unless_locked():
    member = MemberFactory(trust_level=0, trust_locked=False)
    assert member_services.member_earn_trust_level(member=member, level=MEMBER)
    member.refresh_from_db()
    assert member.trust_level == MEMBER
    member_services.member_lock_trust_level(member=member, level=TRUSTED)
    assert not member_services.member_earn_trust_level(member=member, level=MEMBER)
    member_services.member_lock_trust_level(member=member, level=None)
    member.refresh_from_db()
    assert (member.trust_level, member.trust_locked) == (TRUSTED, False)
