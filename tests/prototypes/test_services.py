import random
from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from community.models import SegmentMembership
from prototypes import selectors, services
from prototypes.models import BetaSignup, Comparison, Pin, Rating, SurveyAnswer, SurveyQuestion

from ..factories import MemberFactory, SegmentFactory, make_idea
from .helpers import make_prototype, png_upload, publisher

pytestmark = pytest.mark.django_db


def current(prototype, name):
    return prototype.variants.get(name=name).current_version


# --- Publishing --------------------------------------------------------------------------------------


def test_only_rnd_publishes_and_a_prototype_needs_a_variant(alice):
    with pytest.raises(PermissionDenied):
        services.prototype_create(created_by=alice, title="Nope")
    by = publisher()
    draft = make_prototype(by=by, variants=(), publish=False)
    with pytest.raises(ValidationError, match="at least one variant"):
        services.prototype_publish(prototype=draft, by=by)


def test_prototype_links_ideas_and_ideas_show_prototypes(alice, client):
    idea = make_idea(author=alice, title="A quieter shutter")
    prototype = make_prototype(linked_ideas=[idea], title="Silent shutter")
    assert list(idea.prototypes.all()) == [prototype]
    page = client.get(idea.get_absolute_url())
    assert b"Silent shutter" in page.content
    assert b"A quieter shutter" in client.get(prototype.get_absolute_url()).content


def test_new_versions_keep_old_versions_and_their_feedback(alice):
    by = publisher()
    prototype = make_prototype(by=by)
    variant = prototype.variants.get(name="Classic")
    v1 = variant.current_version
    services.rating_save(member=alice, version=v1, score=2, would_use=False)
    services.pin_add(author=alice, screen=v1.screens.get(), x=0.1, y=0.2, body="Too small")
    v2 = services.variant_version_add(
        variant=variant, by=by, notes="Bigger buttons", screen_files=[png_upload()]
    )
    variant.refresh_from_db()
    assert (v2.number, variant.current_version_id) == (2, v2.pk)
    assert Rating.objects.get(version=v1).score == 2
    assert Pin.objects.get(screen__version=v1).body == "Too small"
    # The member may rate the new version separately.
    services.rating_save(member=alice, version=v2, score=5, would_use=True)
    results = selectors.prototype_results(prototype)
    classic = next(r for r in results["variants"] if r.variant.pk == variant.pk)
    assert (classic.count, classic.mean) == (1, 5.0)
    assert [(v.number, n, mean) for v, n, mean in classic.older_versions] == [(1, 1, 2.0)]


# --- Ratings -----------------------------------------------------------------------------------------


def test_rating_is_one_per_member_and_rating_again_updates(alice, bob):
    prototype = make_prototype()
    version = current(prototype, "Classic")
    services.rating_save(member=alice, version=version, score=3, would_use=False)
    services.rating_save(member=alice, version=version, score=5, would_use=True)
    services.rating_save(member=bob, version=version, score=4, would_use=True)
    assert Rating.objects.filter(version=version).count() == 2
    assert Rating.objects.get(member=alice).score == 5
    with pytest.raises(IntegrityError), transaction.atomic():
        Rating.objects.create(member=alice, version=version, score=1, would_use=False)


@pytest.mark.parametrize("score", [0, 6, "5", None])
def test_rating_outside_1_to_5_is_refused(alice, score):
    version = current(make_prototype(), "Classic")
    with pytest.raises(ValidationError, match="1 to 5"):
        services.rating_save(member=alice, version=version, score=score, would_use=True)


def test_closed_or_draft_prototypes_take_no_feedback(alice):
    prototype = make_prototype(closes_at=timezone.now() + timedelta(days=1))
    prototype.closes_at = timezone.now() - timedelta(seconds=1)
    prototype.opens_at = timezone.now() - timedelta(days=2)
    prototype.save()
    with pytest.raises(ValidationError, match="not open"):
        services.rating_save(member=alice, version=current(prototype, "Classic"), score=3, would_use=True)
    draft = make_prototype(publish=False)
    with pytest.raises(ValidationError, match="not open"):
        services.rating_save(member=alice, version=current(draft, "Classic"), score=3, would_use=True)


# --- Comparisons -------------------------------------------------------------------------------------


def test_comparisons_one_per_member_per_pair_and_synthetic_ranking():
    prototype = make_prototype(variants=("A", "B", "C"))
    variants = {v.name: v for v in prototype.variants.all()}
    truth = {"A": 1.0, "B": 4.0, "C": 0.7}  # B is truly better
    rng = random.Random(3)
    members = MemberFactory.create_batch(40)
    for member in members:
        for x, y in (("A", "B"), ("A", "C"), ("B", "C")):
            p = truth[x] / (truth[x] + truth[y])
            winner, loser = (x, y) if rng.random() < p else (y, x)
            services.comparison_record(
                member=member, prototype=prototype, winner=variants[winner], loser=variants[loser]
            )
    # Changing one's mind replaces the earlier choice for that pair.
    services.comparison_record(
        member=members[0], prototype=prototype, winner=variants["A"], loser=variants["B"]
    )
    services.comparison_record(
        member=members[0], prototype=prototype, winner=variants["B"], loser=variants["A"]
    )
    assert Comparison.objects.filter(member=members[0]).count() == 3
    assert Comparison.objects.count() == 120
    results = selectors.prototype_results(prototype)
    ranking = [name for name, _strength in results["ranking"]]
    assert ranking[0] == "B"
    top = results["ranking"][0][1]
    assert top.low > results["ranking"][1][1].high
    ab = next(row for row in results["win_rates"] if {row[0].name, row[1].name} == {"A", "B"})
    assert ab[4] == 40


def test_comparison_needs_two_variants_of_this_prototype(alice):
    prototype = make_prototype()
    other = make_prototype(title="Other")
    a, b = prototype.variants.all()
    with pytest.raises(ValidationError, match="two different"):
        services.comparison_record(member=alice, prototype=prototype, winner=a, loser=a)
    with pytest.raises(ValidationError, match="belong to this prototype"):
        services.comparison_record(member=alice, prototype=prototype, winner=a, loser=other.variants.first())


def test_next_pair_is_one_the_member_has_not_judged(alice):
    prototype = make_prototype(variants=("A", "B", "C"))
    seen = set()
    for _ in range(3):
        state = selectors.member_state(user=alice, prototype=prototype)
        a, b = state.next_pair
        assert frozenset((a.pk, b.pk)) not in seen
        seen.add(frozenset((a.pk, b.pk)))
        services.comparison_record(member=alice, prototype=prototype, winner=a, loser=b)
    assert selectors.member_state(user=alice, prototype=prototype).next_pair is None


# --- Survey ------------------------------------------------------------------------------------------


@pytest.fixture
def surveyed():
    by = publisher()
    prototype = make_prototype(by=by)
    scale = services.survey_question_add(prototype=prototype, by=by, text="How easy?", kind="scale")
    choice = services.survey_question_add(
        prototype=prototype, by=by, text="Where?", kind="choice", choices="Home\nWork\nTravel"
    )
    text = services.survey_question_add(prototype=prototype, by=by, text="Anything else?", kind="text")
    return prototype, scale, choice, text


def test_survey_answers_are_validated_and_replaced(alice, bob, surveyed):
    prototype, scale, choice, text = surveyed
    services.survey_submit(member=alice, prototype=prototype, answers={scale.pk: "4", choice.pk: "Work"})
    services.survey_submit(
        member=alice, prototype=prototype, answers={scale.pk: "5", choice.pk: "Home", text.pk: "Love it"}
    )
    services.survey_submit(member=bob, prototype=prototype, answers={scale.pk: "2", choice.pk: "Home"})
    mine = {a.question_id: a for a in SurveyAnswer.objects.filter(member=alice)}
    assert (mine[scale.pk].scale_value, mine[choice.pk].choice, mine[text.pk].text) == (5, "Home", "Love it")
    results = selectors.prototype_results(prototype)["survey"]
    assert [b[:2] for b in results[0]["bars"]] == [("1", 0), ("2", 1), ("3", 0), ("4", 0), ("5", 1)]
    assert [b[:2] for b in results[1]["bars"]] == [("Home", 2), ("Work", 0), ("Travel", 0)]
    assert results[2]["texts"] == ["Love it"]


@pytest.mark.parametrize(
    "which, raw, message",
    [("scale", "6", "scale from 1 to 5"), ("scale", "x", "scale from 1 to 5"),
     ("choice", "Moon", "offered choices"), ("text", "x" * 2001, "under 2,000")],
)  # fmt: skip
def test_bad_survey_answers_store_nothing(alice, surveyed, which, raw, message):
    prototype, scale, choice, text = surveyed
    question = {"scale": scale, "choice": choice, "text": text}[which]
    with pytest.raises(ValidationError, match=message):
        services.survey_submit(member=alice, prototype=prototype, answers={scale.pk: "3", question.pk: raw})
    assert not SurveyAnswer.objects.exists()


def test_a_choice_question_needs_choices(surveyed):
    prototype = surveyed[0]
    with pytest.raises(ValidationError):
        services.survey_question_add(
            prototype=prototype, by=publisher(), text="Q", kind="choice", choices="One"
        )
    assert SurveyQuestion.objects.filter(prototype=prototype).count() == 3


# --- Pins --------------------------------------------------------------------------------------------


def test_pins_store_relative_coordinates_and_take_replies(alice, bob):
    prototype = make_prototype()
    screen = current(prototype, "Classic").screens.get()
    pin = services.pin_add(author=alice, screen=screen, x="0.25", y=0.75, body="This icon is unclear")
    reply = services.pin_add(author=bob, screen=screen, parent=pin, body="Agreed")
    deeper = services.pin_add(author=alice, screen=screen, parent=reply, body="Thanks")
    pin.refresh_from_db()
    assert (pin.x, pin.y) == (0.25, 0.75)
    assert reply.x is None and deeper.parent_id == pin.pk  # replies stay under the pin
    results = selectors.prototype_results(prototype)
    classic = next(r for r in results["variants"] if r.variant.name == "Classic")
    (_version, _screen, cells, pins) = classic.screens[0]
    assert [(p.x, p.y) for p in pins] == [(0.25, 0.75)]
    assert cells and max(c[4] for c in cells) == 0.75  # the hottest cell is the pinned one


@pytest.mark.parametrize(
    "x, y", [(-0.01, 0.5), (1.01, 0.5), (0.5, 2), ("nan", 0.5), ("abc", 0.5), (None, 0.5), ("inf", 0)]
)
def test_pins_outside_the_screen_are_refused(alice, x, y):
    screen = current(make_prototype(), "Classic").screens.get()
    with pytest.raises(ValidationError, match="0 to 1|from 0 to 1"):
        services.pin_add(author=alice, screen=screen, x=x, y=y, body="Here")
    assert not Pin.objects.exists()


def test_pin_coordinates_are_a_database_constraint(alice):
    screen = current(make_prototype(), "Classic").screens.get()
    with pytest.raises(IntegrityError), transaction.atomic():
        Pin.objects.create(screen=screen, author=alice, x=1.5, y=0.5, body="x")


# --- Betas -------------------------------------------------------------------------------------------


def test_beta_seats_waiting_list_and_promotion_on_withdraw():
    prototype = make_prototype(beta_seats=2)
    first, second, third, fourth = MemberFactory.create_batch(4)
    states = [
        services.beta_sign_up(member=m, prototype=prototype).state for m in (first, second, third, fourth)
    ]
    assert states == ["seated", "seated", "waiting", "waiting"]
    # Signing up twice changes nothing.
    assert services.beta_sign_up(member=first, prototype=prototype).state == "seated"
    promoted = services.beta_withdraw(member=first, prototype=prototype)
    assert promoted.member == third
    assert services.beta_withdraw(member=fourth, prototype=prototype) is None  # waiting: frees nothing
    seated = BetaSignup.objects.filter(prototype=prototype, state="seated").values_list("member", flat=True)
    assert set(seated) == {second.pk, third.pk}
    with pytest.raises(ValidationError, match="not signed up"):
        services.beta_withdraw(member=first, prototype=prototype)


def test_beta_quotas_cap_a_segment_and_promotion_respects_them():
    students, pros = SegmentFactory(name="Students"), SegmentFactory(name="Pros")
    by = publisher()
    prototype = make_prototype(by=by, beta_seats=3)
    services.beta_quota_set(prototype=prototype, by=by, segment=students, seats=1)

    def member_of(segment):
        member = MemberFactory()
        SegmentMembership.objects.create(member=member, segment=segment)
        return member

    s1, s2, p1, p2, p3 = (
        member_of(students),
        member_of(students),
        member_of(pros),
        member_of(pros),
        member_of(pros),
    )
    assert services.beta_sign_up(member=s1, prototype=prototype).state == "seated"
    assert services.beta_sign_up(member=s2, prototype=prototype).state == "waiting"  # students' quota is 1
    assert services.beta_sign_up(member=p1, prototype=prototype).state == "seated"
    assert services.beta_sign_up(member=p2, prototype=prototype).state == "seated"
    assert services.beta_sign_up(member=p3, prototype=prototype).state == "waiting"
    # A pro leaves: the first waiting member is a student over quota, so the seat goes to p3.
    assert services.beta_withdraw(member=p1, prototype=prototype).member == p3
    # The student leaves: now s2 fits.
    services.beta_withdraw(
        member=p2, prototype=prototype
    )  # frees a seat nobody waiting fits? s2 is over quota
    assert BetaSignup.objects.get(member=s2).state == "waiting"
    assert services.beta_withdraw(member=s1, prototype=prototype).member == s2


def test_beta_for_target_segments_only(alice):
    segment = SegmentFactory()
    prototype = make_prototype(beta_seats=5, target_segments=[segment])
    with pytest.raises(ValidationError, match="target segments"):
        services.beta_sign_up(member=alice, prototype=prototype)
    SegmentMembership.objects.create(member=alice, segment=segment)
    assert services.beta_sign_up(member=alice, prototype=prototype).state == "seated"


def test_results_break_ratings_down_by_segment():
    segment = SegmentFactory(name="Photographers")
    prototype = make_prototype()
    version = current(prototype, "Classic")
    fan, critic = MemberFactory(), MemberFactory()
    SegmentMembership.objects.create(member=fan, segment=segment)
    services.rating_save(member=fan, version=version, score=5, would_use=True)
    services.rating_save(member=critic, version=version, score=1, would_use=False)
    classic = next(
        r for r in selectors.prototype_results(prototype)["variants"] if r.variant.name == "Classic"
    )
    assert classic.distribution[0][:2] == (1, 1) and classic.distribution[4][:2] == (5, 1)
    assert classic.by_segment == [("No segment", 1, 1.0, 0.0), ("Photographers", 1, 5.0, 1.0)]
