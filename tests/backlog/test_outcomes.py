"""Outcomes after release: difference-in-differences against hand-computed examples, thin data, pages."""

import math
import uuid
from datetime import datetime, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from backlog.models import BacklogItem, CustomerRecord, Transaction
from backlog.outcomes import (
    CustomerWindows,
    Estimate,
    customer_windows,
    difference_in_differences,
    item_outcome,
    verdict,
    window_days_from,
)
from cocreate.charts import interval_chart
from tests.factories import MemberFactory, ProductFactory, SegmentFactory, make_idea
from voting.models import Vote
from voting.services import vote_cast


def w(segment, supporter, before, after, spend_before=0.0, spend_after=0.0):
    return CustomerWindows(
        segment_id=segment,
        supporter=supporter,
        bought_before=before,
        bought_after=after,
        spend_before=spend_before,
        spend_after=spend_after,
    )


# Segment 1, by hand. Supporters (before → after): bought 0→1, 1→1, 0→0: changes 1, 0, 0, mean 1/3.
# Others: 1→1, 1→0, 0→0: changes 0, −1, 0, mean −1/3. DiD = 1/3 − (−1/3) = 2/3.
# Sample variances: supporters' changes (1, 0, 0): mean 1/3, squares 4/9 + 1/9 + 1/9 = 6/9, ÷ 2 = 1/3;
# others' (0, −1, 0) the same, 1/3. Var(DiD) = 1/3 ÷ 3 + 1/3 ÷ 3 = 2/9, SE = √(2/9) = 0.4714.
# Spend: supporters 10→40, 20→20, 0→0 (changes 30, 0, 0: mean 10); others 10→10, 30→0, 0→0 (0, −30, 0:
# mean −10). DiD = 20; variances 300 and 300 (squares 400 + 100 + 100 = 600, ÷ 2); Var = 200, SE = 14.142.
SEGMENT_1 = [
    w(1, True, False, True, 10, 40),
    w(1, True, True, True, 20, 20),
    w(1, True, False, False, 0, 0),
    w(1, False, True, True, 10, 10),
    w(1, False, True, False, 30, 0),
    w(1, False, False, False, 0, 0),
]
# Segment 2: both supporters 0→1 (changes 1, 1), both others 0→0 (0, 0): DiD 1, variance 0.
SEGMENT_2 = [
    w(2, True, False, True),
    w(2, True, False, True),
    w(2, False, False, False),
    w(2, False, False, False),
]
THREE = {"min_per_segment": 2, "min_supporters": 3, "min_others": 3}


def test_one_segment_by_hand():
    outcome = difference_in_differences(SEGMENT_1, **THREE)
    assert outcome.status == "ok"
    assert outcome.repeat.value == pytest.approx(2 / 3)
    assert outcome.repeat.se == pytest.approx(math.sqrt(2 / 9))
    assert outcome.repeat.low == pytest.approx(2 / 3 - 1.959964 * math.sqrt(2 / 9))
    assert outcome.spend.value == pytest.approx(20)
    assert outcome.spend.se == pytest.approx(math.sqrt(200))
    assert outcome.supporters.repeat_before == pytest.approx(1 / 3)
    assert outcome.supporters.repeat_after == pytest.approx(2 / 3)
    assert outcome.others.repeat_before == pytest.approx(2 / 3)
    assert outcome.others.repeat_after == pytest.approx(1 / 3)
    # The interval (−0.26 to 1.59) includes 0: no clear difference, said so.
    assert outcome.repeat.clear == 0 and outcome.message.startswith("No clear difference")


def test_segments_are_combined_with_the_supporters_weights():
    # Weights 3/5 and 2/5: DiD = 3/5 × 2/3 + 2/5 × 1 = 0.8; Var = (3/5)² × 2/9 + (2/5)² × 0 = 0.08.
    outcome = difference_in_differences(SEGMENT_1 + SEGMENT_2, **THREE)
    assert outcome.repeat.value == pytest.approx(0.8)
    assert outcome.repeat.se == pytest.approx(math.sqrt(0.08))
    assert [s.repeat.value for s in outcome.segments] == [pytest.approx(2 / 3), pytest.approx(1)]
    assert outcome.supporters.n == 5 and outcome.others.n == 5
    # 0.8 ± 1.96 × 0.283 = 0.25 … 1.35: above zero.
    assert outcome.repeat.clear == 1 and outcome.message.startswith("Yes, it looks so")
    assert "80.0 percentage points more" in outcome.message


def test_too_thin_to_tell_says_so_with_the_counts():
    # Segment 2 alone has 2 + 2: below 3 per segment it does not count, and 3 + 3 overall are missing.
    outcome = difference_in_differences(SEGMENT_2, min_per_segment=3, min_supporters=3, min_others=3)
    assert outcome.status == "too_thin" and outcome.repeat is None
    assert outcome.message == (
        "Too thin to tell. With purchases before the release: supporters 2, comparable customers 2. "
        "Needed: supporters 3, others 3, counting only segments with at least 3 of each "
        "(counted here: supporters 0, others 0)."
    )
    # With the defaults (5 per segment, 20 in all) the hand example is too thin as well.
    assert difference_in_differences(SEGMENT_1 + SEGMENT_2).status == "too_thin"
    assert difference_in_differences([]).status == "too_thin"


def test_verdicts():
    assert verdict(Estimate(value=-0.3, se=0.1)).startswith(
        "No: after the release, supporters bought again 30.0"
    )
    assert verdict(Estimate(value=0.05, se=0.1)).startswith("No clear difference")


def test_window_is_kept_within_bounds():
    assert window_days_from(None) == 90 and window_days_from("x") == 90
    assert window_days_from("1") == 14 and window_days_from("9999") == 365 and window_days_from("30") == 30


def test_interval_chart_geometry():
    chart = interval_chart([("A", 2, -1, 4, "+2"), ("B", -2, -3, -1, "−2")], title="DiD")
    zero = chart.zero_x
    assert chart.rows[0].low_x < zero < chart.rows[0].high_x  # crosses zero: no clear difference
    assert chart.rows[1].high_x < zero
    # The scale reaches the largest |bound| (4): zero at 200 + 320 / 2 = 360, 4 at 360 + 155 (half the
    # span less the dot's radius), so 2 at 437.5 and −3 at 243.75 (243.8 to the tenth).
    assert zero == 360
    assert (chart.rows[0].x, chart.rows[0].high_x) == (Decimal("437.5"), Decimal("515.0"))
    assert chart.rows[1].low_x == Decimal("243.8")
    with pytest.raises(ValueError):
        interval_chart([("A", 5, -1, 4, "")], title="bad")
    with pytest.raises(ValueError):
        interval_chart([], title=" ")


# From the database ------------------------------------------------------------------------------------


def buy(record, day, amount="10.00", currency=""):
    Transaction.objects.create(
        customer=record,
        occurred_on=day,
        amount=amount,
        currency=currency,
        batch=uuid.uuid4(),
        imported_at=timezone.now(),
    )


@pytest.fixture
def shipped_world(db, rita):
    """An item shipped 100 days ago; Pros customers: 3 supporters (voted before shipping), 3 others, one
    late supporter (voted after shipping: counts as other), one customer too new to count, one elsewhere.

    Windows of 30 days: before = [ship − 30, ship), after = [ship, ship + 30). Everyone bought once long
    before (day −200) so that they are existing customers.
    """
    pros, casual = SegmentFactory(name="Pros", slug="pros-o"), SegmentFactory(name="Casual", slug="casual-o")
    ship = timezone.localdate() - timedelta(days=100)
    idea = make_idea(title="Night mode")
    item = BacklogItem.objects.create(
        product=ProductFactory(), title="Night mode", created_by=rita, status=BacklogItem.Status.SHIPPED
    )
    item.ideas.add(idea)
    BacklogItem.objects.filter(pk=item.pk).update(
        status_changed_at=timezone.make_aware(datetime.combine(ship, datetime.min.time()))
    )
    item.refresh_from_db()
    long_ago = ship - timedelta(days=200)
    # (name, segment, supporter?, bought before, bought after, spend before, spend after) as SEGMENT_1
    people = [
        ("s1", pros, True, [], ["40.00"]),
        ("s2", pros, True, ["20.00"], ["20.00"]),
        ("s3", pros, True, [], []),
        ("o1", pros, False, ["10.00"], ["10.00"]),
        ("o2", pros, False, ["30.00"], []),
        ("o3", pros, False, [], []),
    ]
    records = {}
    for n, (name, segment, supporter, before, after) in enumerate(people):
        member = MemberFactory(username=name)
        record = CustomerRecord.objects.create(
            member=member, external_id=f"C-{n}", segment=segment, clv=100, imported_at=timezone.now()
        )
        buy(record, long_ago, "5.00")
        for amount in before:
            buy(record, ship - timedelta(days=10), amount)
        for amount in after:
            buy(record, ship + timedelta(days=10), amount)
        if name == "s1":  # a refund before and a foreign-currency purchase: spend 10 − 10 = 0 → 40
            buy(record, ship - timedelta(days=5), "10.00")
            buy(record, ship - timedelta(days=4), "-10.00")
            buy(record, ship + timedelta(days=11), "99.00", currency="USD")
        if supporter:
            vote_cast(member=member, idea_id=idea.pk)
        records[name] = record
    Vote.objects.filter(idea=idea).update(created_at=timezone.now() - timedelta(days=150))
    # Voted after the release: not a supporter of what shipped, and no purchase before — still an "other".
    late = MemberFactory(username="late")
    late_record = CustomerRecord.objects.create(
        member=late, external_id="C-late", segment=casual, clv=1, imported_at=timezone.now()
    )
    buy(late_record, long_ago)
    vote_cast(member=late, idea_id=idea.pk)
    # A customer whose first purchase falls in the before window: not yet a customer when it started.
    newcomer = CustomerRecord.objects.create(
        external_id="C-new", segment=pros, clv=1, imported_at=timezone.now()
    )
    buy(newcomer, ship - timedelta(days=3))
    return {"item": item, "ship": ship, "pros": pros, "records": records, "idea": idea}


@pytest.mark.django_db
def test_customer_windows_from_transactions(shipped_world):
    rows = customer_windows(item=shipped_world["item"], ship_date=shipped_world["ship"], window_days=30)
    # The late voter's segment (Casual) has no supporter: not compared. The newcomer does not count.
    assert sorted(rows, key=lambda r: (not r.supporter, r.spend_before, r.spend_after)) == sorted(
        [
            w(shipped_world["pros"].pk, True, True, True, 0, 40),  # refund nets to 0; USD not added
            w(shipped_world["pros"].pk, True, True, True, 20, 20),
            w(shipped_world["pros"].pk, True, False, False, 0, 0),
            w(shipped_world["pros"].pk, False, True, True, 10, 10),
            w(shipped_world["pros"].pk, False, True, False, 30, 0),
            w(shipped_world["pros"].pk, False, False, False, 0, 0),
        ],
        key=lambda r: (not r.supporter, r.spend_before, r.spend_after),
    )
    outcome = difference_in_differences(rows, **THREE)
    # Supporters 1→1, 1→1, 0→0 (mean change 0); others 1→1, 1→0, 0→0 (mean −1/3): DiD = 1/3.
    assert outcome.repeat.value == pytest.approx(1 / 3)
    # Spend: supporters +40, 0, 0 (mean 40/3); others 0, −30, 0 (mean −10): DiD = 70/3.
    assert outcome.spend.value == pytest.approx(70 / 3)


@pytest.mark.django_db
def test_item_and_segment_pages_say_when_data_is_too_thin(client, rita, carl, shipped_world):
    item = shipped_world["item"]
    client.force_login(rita)
    page = client.get(f"/backlog/items/{item.pk}/?window=30").content.decode()
    assert "did shipping what they asked keep them?" in page
    assert "With purchases before the release: supporters 3, comparable customers 3." in page
    # A window reaching past today: too early.
    page = client.get(f"/backlog/items/{item.pk}/?window=200").content.decode()
    assert "Too early to tell: the 200 days after the release end on" in page
    client.force_login(carl)
    dashboard = client.get(f"/segments/{shipped_world['pros'].slug}/?window=30").content.decode()
    assert "Night mode</a>: Too thin to tell" in dashboard


@pytest.mark.django_db
def test_a_clear_outcome_is_charted(client, rita, shipped_world):
    # Twenty more supporters who came back and twenty more others who did not: a clear "yes".
    pros, idea, ship = shipped_world["pros"], shipped_world["idea"], shipped_world["ship"]
    for n in range(40):
        member = MemberFactory(username=f"extra{n}")
        record = CustomerRecord.objects.create(
            member=member, external_id=f"X-{n}", segment=pros, clv=10, imported_at=timezone.now()
        )
        buy(record, ship - timedelta(days=200))
        buy(record, ship - timedelta(days=20))
        if n < 20:
            buy(record, ship + timedelta(days=20))
            vote_cast(member=member, idea_id=idea.pk)
    Vote.objects.filter(idea=idea).update(created_at=timezone.now() - timedelta(days=150))
    outcome = item_outcome(item=shipped_world["item"], window_days=30)
    assert outcome.status == "ok" and outcome.supporters.n == 23 and outcome.others.n == 23
    assert outcome.repeat.clear == 1
    client.force_login(rita)
    page = client.get(f"/backlog/items/{shipped_world['item'].pk}/?window=30").content.decode()
    assert "Yes, it looks so" in page
    assert "Change in repeat-purchase rate, supporters minus others" in page and "<circle" in page


@pytest.mark.django_db
def test_not_shipped_items_show_no_outcome(client, rita):
    item = BacklogItem.objects.create(product=ProductFactory(), title="Later", created_by=rita)
    client.force_login(rita)
    assert (
        "did shipping what they asked keep them?" not in client.get(item.get_absolute_url()).content.decode()
    )
    assert item_outcome(item=item).status == "not_shipped"
