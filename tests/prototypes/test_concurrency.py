"""Thirty members signing up for one beta at once, on PostgreSQL's real row locks: no overbooking."""

import pytest

from community.models import SegmentMembership
from prototypes import services
from prototypes.models import BetaSignup

from ..concurrency import _needs_postgres, run_at_once  # noqa: F401 - autouse fixture
from ..factories import MemberFactory, SegmentFactory
from .helpers import make_prototype, publisher

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_thirty_simultaneous_sign_ups_never_overbook_seats_or_quotas():
    students = SegmentFactory(name="Students")
    by = publisher()
    prototype = make_prototype(by=by, beta_seats=10)
    services.beta_quota_set(prototype=prototype, by=by, segment=students, seats=3)
    members = MemberFactory.create_batch(30)
    for member in members[:15]:
        SegmentMembership.objects.create(member=member, segment=students)

    # 30 threads (30 connections; PostgreSQL's default limit is 100).
    run_at_once([lambda m=m: services.beta_sign_up(member=m, prototype=prototype) for m in members])

    signups = BetaSignup.objects.filter(prototype=prototype)
    assert signups.count() == 30
    seated = signups.filter(state="seated")
    assert seated.count() == 10
    # A quota caps a segment's seats; it reserves none. Threads arrive in any order, so when the seats
    # run out before a third student comes, fewer than three students hold one (seen on a loaded machine).
    assert seated.filter(segment=students).count() <= 3
    assert signups.filter(state="waiting").count() == 20

    # Ten leave at once: five seated members and five waiting students. The seven or more waiting
    # non-students are enough to refill every freed seat, whoever freed it, still within the quota.
    leaving = list(seated.values_list("member_id", flat=True)[:5]) + list(
        signups.filter(state="waiting", member__segments=students).values_list("member_id", flat=True)[:5]
    )
    by_id = {m.pk: m for m in members}
    run_at_once([lambda m=by_id[pk]: services.beta_withdraw(member=m, prototype=prototype) for pk in leaving])
    seated = BetaSignup.objects.filter(prototype=prototype, state="seated")
    assert seated.count() == 10
    assert seated.filter(segment=students).count() <= 3
