"""Representative demand: the worked example of docs/clv.md, by hand and through the database; silent
segments; the pages that show them and their query counts."""

import pytest
from django.utils import timezone

from backlog.demand import Market
from backlog.models import CustomerRecord
from backlog.representative import Voices, is_silent, post_stratify, wilson
from tests.factories import MemberFactory, SegmentFactory, make_idea
from voting.models import Vote
from voting.services import vote_cast

pytestmark = pytest.mark.django_db


def approx(value):
    return pytest.approx(value, abs=5e-5)


def test_wilson_interval_by_hand():
    # 17 of 40: centre (0.425 + z²/80) / (1 + z²/40), z = 1.959964 → 28.51 % … 57.80 %
    interval = wilson(17 / 40, 40)
    assert (interval.low, interval.high) == (approx(0.28509), approx(0.57805))
    # Nothing observed: no interval; all or none: stays inside 0…1.
    assert wilson(0.0, 0) is None
    assert wilson(1.0, 3).high == 1.0 and wilson(0.0, 3).low == 0.0


def test_the_worked_example_by_hand():
    """docs/clv.md: Enterprise 1 000 customers, 30 voters, 15 support; Small business 3 000 customers,
    10 voters, 2 support."""
    result = post_stratify(strata=[("Enterprise", 1000, 30, 15), ("Small business", 3000, 10, 2)])
    enterprise, small = result.strata
    # Shares of customers 25 % / 75 %, of voters 75 % / 25 %: weights 1/3 and 3.
    assert (enterprise.customer_share, enterprise.voter_share, enterprise.weight) == (
        0.25,
        0.75,
        approx(1 / 3),
    )
    assert (small.customer_share, small.voter_share, small.weight) == (0.75, 0.25, approx(3))
    # Raw: 17 / 40 = 42.5 %; reweighted: 0.25 × 15/30 + 0.75 × 2/10 = 0.125 + 0.15 = 27.5 %
    # (the same as (15 × 1/3 + 2 × 3) / 40 = 11 / 40).
    assert result.raw_share == 0.425
    assert result.reweighted_share == approx(0.275)
    # Kish: n_eff = 1 / (0.25²/30 + 0.75²/10) = 120/7 = 17.14 voters' worth of information.
    assert result.effective_voters == approx(120 / 7)
    assert (result.reweighted_interval.low, result.reweighted_interval.high) == (
        approx(0.12075),
        approx(0.51162),
    )
    assert (enterprise.interval.low, enterprise.interval.high) == (approx(0.33154), approx(0.66846))
    assert (small.interval.low, small.interval.high) == (approx(0.05668), approx(0.50984))
    assert result.coverage == 1.0 and result.uncovered == []


def test_a_segment_without_voters_is_left_out_and_said():
    # Public sector (4 000 customers) has no voter: the others' weights are shared out over the 4 000
    # customers they cover, which is half the customer base.
    result = post_stratify(
        strata=[("Enterprise", 1000, 30, 15), ("Small business", 3000, 10, 2), ("Public sector", 4000, 0, 0)]
    )
    assert result.coverage == 0.5
    assert result.reweighted_share == approx(0.275)
    assert [s.segment for s in result.uncovered] == ["Public sector"]
    assert result.strata[2].weight is None and result.strata[2].interval is None
    # No voters at all: nothing to say, nothing made up.
    empty = post_stratify(strata=[("Enterprise", 1000, 0, 0)])
    assert (empty.raw_share, empty.reweighted_share, empty.raw_interval) == (None, None, None)
    with pytest.raises(ValueError):
        post_stratify(strata=[("Enterprise", 1000, 2, 3)])


def test_silent_rule():
    # At least 10 % of equity and (voice under half of it, or fewer than 5 voters).
    assert is_silent(equity_share=0.465, voter_share=0.048, voters=2)
    assert not is_silent(equity_share=0.465, voter_share=0.714, voters=30)
    assert not is_silent(equity_share=0.07, voter_share=0.0, voters=0)  # too small to matter
    assert is_silent(equity_share=0.2, voter_share=0.3, voters=4)  # loud enough, but only 4 voices
    assert not is_silent(equity_share=0.2, voter_share=0.1, voters=50)  # exactly half: heard enough


def members(segment, n, **kwargs):
    made = [MemberFactory() for _ in range(n)]
    for member in made:
        member.segments.add(segment)
    return made


@pytest.fixture
def example(db):
    """The worked example in the database: everyone votes; some support the idea."""
    enterprise = SegmentFactory(name="Enterprise", slug="enterprise", clv_override=2000, market_size=1000)
    small = SegmentFactory(name="Small business", slug="small", clv_override=100, market_size=3000)
    idea, elsewhere = make_idea(title="SSO login"), make_idea(title="Dark mode")
    for segment, voters, supporters in ((enterprise, 30, 15), (small, 10, 2)):
        for n, member in enumerate(members(segment, voters)):
            vote_cast(member=member, idea_id=(idea if n < supporters else elsewhere).pk)
    # Not voters: a member who never voted, and one whose only vote was discounted by a moderator.
    members(small, 1)
    discounted = members(small, 1)[0]
    vote_cast(member=discounted, idea_id=idea.pk)
    Vote.objects.filter(member=discounted).update(discounted_at=timezone.now())
    # A voter in no segment: not weighted, left out of both shares.
    vote_cast(member=MemberFactory(), idea_id=idea.pk)
    return {"enterprise": enterprise, "small": small, "idea": idea}


def test_the_worked_example_through_the_database(example, django_assert_num_queries):
    market = Market()
    demand = market.idea_demand([example["idea"]])[example["idea"].pk]
    with django_assert_num_queries(1):
        voices = Voices(market)
    result = voices.support(demand)
    assert (result.voters, result.supporters) == (40, 17)
    assert result.raw_share == 0.425
    assert result.reweighted_share == approx(0.275)
    assert result.effective_voters == approx(120 / 7)


def test_crm_basis_counts_customer_records(example):
    # Basis "crm": 3 Enterprise and 1 Small-business customer records → shares 75 % / 25 %, the same as
    # the voters: weights 1, reweighted = raw.
    for n in range(3):
        CustomerRecord.objects.create(
            external_id=f"E{n}",
            segment=example["enterprise"],
            clv=1,
            imported_at=timezone.now(),
        )
    CustomerRecord.objects.create(
        external_id="S0", segment=example["small"], clv=1, imported_at=timezone.now()
    )
    market = Market()
    demand = market.idea_demand([example["idea"]])[example["idea"].pk]
    result = Voices(market, basis="crm").support(demand)
    assert [s.weight for s in result.strata] == [approx(1), approx(1)]
    assert result.reweighted_share == approx(0.425)
    with pytest.raises(ValueError):
        Voices(market, basis="guess")


@pytest.fixture
def silent_world(example):
    """Public sector: CLV 5 000 × 400 customers = 2 000 000 of equity (as much as Enterprise), 2 voters."""
    public = SegmentFactory(name="Public sector", slug="public", clv_override=5000, market_size=400)
    for member in members(public, 2):
        vote_cast(member=member, idea_id=example["idea"].pk)
    return {**example, "public": public}


def test_silent_segments_through_the_database(silent_world):
    voices = Voices(Market())
    rows = {v.segment.slug: v for v in voices.segments()}
    # Equity 2 000 000 + 300 000 + 2 000 000 = 4 300 000; voters 30 + 10 + 2 = 42.
    assert rows["public"].equity_share == approx(2_000_000 / 4_300_000)
    assert rows["public"].voter_share == approx(2 / 42)
    assert [v.segment.slug for v in voices.silent()] == ["public"]
    assert not rows["small"].silent  # 7 % of equity: too small to be silent
    assert not rows["enterprise"].silent


def test_pages_show_silent_segments_and_reweighted_support(client, rita, carl, silent_world, product):
    client.force_login(rita)
    triage = client.get("/triage/").content.decode()
    assert "Silent segments" in triage and "Public sector" in triage
    assert "Support: raw → reweighted" in triage
    client.force_login(carl)
    index = client.get("/segments/").content.decode()
    assert "Silent segments" in index and "Who speaks" in index
    detail = client.get("/segments/public/").content.decode()
    assert "A silent segment:" in detail
    assert "A silent segment:" not in client.get("/segments/enterprise/").content.decode()


def test_item_page_shows_representative_demand(client, rita, example, product):
    from backlog.models import BacklogItem

    item = BacklogItem.objects.create(product=product, title="Identity", created_by=rita)
    item.ideas.add(example["idea"])
    client.force_login(rita)
    page = client.get(f"/backlog/items/{item.pk}/").content.decode()
    assert "Representative demand" in page
    assert "42.5" in page and "27.5" in page  # raw and reweighted shares
    assert "12.1" in page and "51.2" in page  # the reweighted interval
    crm = client.get(f"/backlog/items/{item.pk}/?basis=crm").content.decode()
    assert "Customers counted from the CRM" in crm
    assert client.get(f"/backlog/items/{item.pk}/?basis=nonsense").status_code == 200


# Pinned query counts of the pages this adds to, on SQLite; PostgreSQL may run fewer in the set-up before
# the page, so the pin is a ceiling, and the count must not grow with segments, voters or ideas.
TRIAGE_QUERIES = 13
SEGMENTS_QUERIES = 8
SEGMENT_QUERIES = 19  # 19 with the shipped items' outcomes (backlog.outcomes)


def test_query_counts(client, rita, silent_world):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(rita)
    pages = {"/triage/": TRIAGE_QUERIES, "/segments/": SEGMENTS_QUERIES, "/segments/public/": SEGMENT_QUERIES}
    for url in pages:
        client.get(url)  # warm the session and permission caches

    def counts():
        done = {}
        for url in pages:
            with CaptureQueriesContext(connection) as queries:
                assert client.get(url).status_code == 200
            done[url] = len(queries)
        return done

    first = counts()
    assert all(first[url] <= pinned for url, pinned in pages.items()), first
    for round_ in range(2):
        # More of everything: a segment, voters, ideas.
        extra = SegmentFactory(market_size=50)
        for member in members(extra, 3):
            vote_cast(member=member, idea_id=make_idea(title=f"More {round_}").pk)
        assert counts() == first
