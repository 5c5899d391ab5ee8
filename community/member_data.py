"""What the apps above community hold about a member: the counts and list on their public page, their
part of "download my data", and what must go when the member deletes their account.

Each app registers one MemberData from its AppConfig.ready(), so community imports none of them
(docs/architecture.md). They run in registration order, which is the order of INSTALLED_APPS.
"""

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class MemberData:
    # (viewer, member) -> entries for the member's public page (community/member_detail.html)
    profile: Callable | None = None
    # member -> {"ideas": 3, ...}: public activity shown as counts
    activity: Callable | None = None
    # member -> {"ideas": [...], ...}: sections of the member's data export, JSON-ready
    export: Callable | None = None
    # member -> None: erase or anonymise the member's rows; runs inside member_delete_account's
    # transaction with the member's row locked
    erase: Callable | None = None
    # member -> [FollowGroup]: what the member follows, for their profile, where each can be unfollowed
    follows: Callable | None = None


@dataclass(frozen=True)
class Followed:
    name: str
    url: str  # the thing's page
    unfollow_url: str  # takes a POST with follow=0 and `next`


@dataclass(frozen=True)
class FollowGroup:
    label: str  # "Tags", "Ideas", ...
    entries: list[Followed]


_registered: dict[str, MemberData] = {}


def register(app_label: str, data: MemberData) -> None:
    _registered[app_label] = data


def registered() -> list[MemberData]:
    return list(_registered.values())


def iso(value) -> str | None:
    """A date or time in an export: ISO 8601, or None."""
    return value.isoformat() if value else None
