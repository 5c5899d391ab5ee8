"""Reads for the prototype pages and the R&D results, each with a fixed number of queries."""

from collections import Counter, defaultdict
from dataclasses import dataclass, field

from django.db.models import F, Prefetch, Q
from django.utils import timezone

from community.models import SegmentMembership

from . import ranking
from .models import (
    BetaQuota,
    BetaSignup,
    Comparison,
    Pin,
    Prototype,
    Rating,
    Screen,
    SurveyAnswer,
    SurveyQuestion,
    Variant,
    VariantVersion,
)

NO_SEGMENT = "No segment"


def prototype_list(*, user):
    """Every prototype the viewer may see, newest first, as cards (`prototype_cards`)."""
    prototypes = list(
        Prototype.objects.visible_to(user)
        .select_related("product")
        .prefetch_related("variants")
        .order_by("-opens_at", "-id")
    )
    return prototype_cards(prototypes, user=user)


def prototypes_open_for_testing(*, user, limit: int = 3) -> list[Prototype]:
    """Published prototypes taking feedback now (the home page), soonest to close first, as cards."""
    now = timezone.now()
    prototypes = list(
        Prototype.objects.filter(status=Prototype.Status.PUBLISHED, opens_at__lte=now)
        .filter(Q(closes_at__isnull=True) | Q(closes_at__gt=now))
        .select_related("product")
        .prefetch_related("variants")
        .order_by(F("closes_at").asc(nulls_last=True), "-opens_at", "-id")[:limit]
    )
    return prototype_cards(prototypes, user=user)


def prototype_cards(prototypes: list[Prototype], *, user) -> list[Prototype]:
    """Give each prototype (with its variants prefetched) what its card shows: `cover`, the first ready
    screen of its first variant with screens, and `taken_part`, whether the viewer already rated,
    compared, pinned or signed up for its beta. Four queries for any number of prototypes (one for a
    visitor)."""
    versions = [v.current_version_id for p in prototypes for v in p.variants.all() if v.current_version_id]
    first_screens = {}
    for screen in Screen.objects.filter(version_id__in=versions, status=Screen.Status.READY).order_by(
        "-position", "-id"
    ):
        first_screens[screen.version_id] = screen  # the lowest position wins: it comes last
    taken = set()
    if user.is_authenticated and prototypes:
        ids = [p.pk for p in prototypes]
        taken |= set(
            Rating.objects.filter(member=user, version__variant__prototype_id__in=ids).values_list(
                "version__variant__prototype_id", flat=True
            )
        )
        taken |= set(
            Comparison.objects.filter(member=user, prototype_id__in=ids).values_list(
                "prototype_id", flat=True
            )
        )
        taken |= set(
            Pin.objects.filter(author=user, screen__version__variant__prototype_id__in=ids).values_list(
                "screen__version__variant__prototype_id", flat=True
            )
        )
        taken |= set(
            BetaSignup.objects.filter(member=user, prototype_id__in=ids).values_list(
                "prototype_id", flat=True
            )
        )
    for prototype in prototypes:
        prototype.cover = next(
            (
                first_screens[v.current_version_id]
                for v in prototype.variants.all()
                if v.current_version_id in first_screens
            ),
            None,
        )
        prototype.taken_part = prototype.pk in taken
    return prototypes


def prototype_for_page(*, user, pk) -> Prototype:
    """The prototype with its variants, their current version's screens and pins (with replies), and its
    survey and linked ideas, in a fixed number of queries."""
    replies = Pin.objects.filter(visibility="public").select_related("author").order_by("created_at", "id")
    pins = (
        Pin.objects.filter(parent__isnull=True, visibility="public")
        .select_related("author")
        .prefetch_related(Prefetch("replies", queryset=replies))
    )
    screens = Screen.objects.order_by("position", "id").prefetch_related(Prefetch("pins", queryset=pins))
    return (
        Prototype.objects.visible_to(user)
        .select_related("product")
        .prefetch_related(
            Prefetch(
                "variants",
                queryset=Variant.objects.select_related("current_version").prefetch_related(
                    Prefetch("current_version__screens", queryset=screens)
                ),
            ),
            "questions",
            "target_segments",
            "linked_ideas",
        )
        .get(pk=pk)
    )


@dataclass
class MemberState:
    ratings: dict = field(default_factory=dict)  # version id → Rating
    answers: dict = field(default_factory=dict)  # question id → SurveyAnswer
    beta: BetaSignup | None = None
    next_pair: tuple | None = None
    compared: int = 0


def member_state(*, user, prototype: Prototype) -> MemberState:
    """What this member already said about the prototype, and the pair of variants to ask them next."""
    variants = list(prototype.variants.all())
    state = MemberState()
    outcomes = [
        (c.winner_id, c.loser_id)
        for c in Comparison.objects.filter(prototype=prototype).only(
            "winner_id", "variant_low_id", "variant_high_id"
        )
    ]
    mine = set()
    if user.is_authenticated:
        version_ids = [v.current_version_id for v in variants if v.current_version_id]
        state.ratings = {
            r.version_id: r for r in Rating.objects.filter(member=user, version_id__in=version_ids)
        }
        state.answers = {
            a.question_id: a for a in SurveyAnswer.objects.filter(member=user, question__prototype=prototype)
        }
        state.beta = BetaSignup.objects.filter(member=user, prototype=prototype).first()
        mine = set(
            Comparison.objects.filter(member=user, prototype=prototype).values_list(
                "variant_low_id", "variant_high_id"
            )
        )
        state.compared = len(mine)
    pair = ranking.most_informative_pair([v.pk for v in variants], outcomes, exclude=mine)
    if pair:
        by_id = {v.pk: v for v in variants}
        state.next_pair = (by_id[pair[0]], by_id[pair[1]])
    return state


def beta_summary(prototype: Prototype) -> dict:
    counts = Counter(BetaSignup.objects.filter(prototype=prototype).values_list("state", flat=True))
    seated = counts[BetaSignup.State.SEATED]
    return {
        "seats": prototype.beta_seats,
        "seated": seated,
        "free": max(prototype.beta_seats - seated, 0),
        "waiting": counts[BetaSignup.State.WAITING],
    }


# --- Results -----------------------------------------------------------------------------------------


@dataclass
class VariantResult:
    variant: Variant
    version: VariantVersion | None
    count: int = 0
    mean: float | None = None
    would_use_share: float | None = None
    distribution: list = field(default_factory=list)  # [(score, count)] for 1..5, a bar chart's rows
    by_segment: list = field(default_factory=list)  # [(segment name, count, mean, would-use share)]
    older_versions: list = field(default_factory=list)  # [(version, count, mean)]
    screens: list = field(default_factory=list)  # [(screen, heat cells, pins)]


def _segments_of(member_ids) -> dict:
    names = defaultdict(list)
    for member_id, name in SegmentMembership.objects.filter(member_id__in=member_ids).values_list(
        "member_id", "segment__name"
    ):
        names[member_id].append(name)
    return names


def _summary(ratings):
    count = len(ratings)
    if not count:
        return 0, None, None
    mean = sum(r.score for r in ratings) / count
    return count, mean, sum(1 for r in ratings if r.would_use) / count


HEAT_GRID = 12


def heat_cells(points, *, grid: int = HEAT_GRID) -> list[tuple[int, int, float]]:
    """Pins smoothed over a grid×grid raster: [(column, row, intensity 0..1)] for non-empty cells."""
    raw = [[0.0] * grid for _ in range(grid)]
    for x, y in points:
        col, row = min(int(x * grid), grid - 1), min(int(y * grid), grid - 1)
        for dc in (-1, 0, 1):
            for dr in (-1, 0, 1):
                c, r = col + dc, row + dr
                if 0 <= c < grid and 0 <= r < grid:
                    raw[r][c] += 1.0 if dc == dr == 0 else 0.35
    peak = max((max(row) for row in raw), default=0)
    if not peak:
        return []
    return [(c, r, raw[r][c] / peak) for r in range(grid) for c in range(grid) if raw[r][c]]


def prototype_results(prototype: Prototype) -> dict:
    """Everything the results page and CSV show, in a fixed number of queries."""
    variants = list(
        prototype.variants.select_related("current_version").prefetch_related(
            Prefetch("versions", queryset=VariantVersion.objects.order_by("number"))
        )
    )
    ratings = list(Rating.objects.filter(version__variant__prototype=prototype).select_related("version"))
    comparisons = list(Comparison.objects.filter(prototype=prototype))
    questions = list(prototype.questions.all())
    answers = list(SurveyAnswer.objects.filter(question__prototype=prototype))
    pins = list(
        Pin.objects.filter(
            screen__version__variant__prototype=prototype, parent__isnull=True, visibility="public"
        )
        .select_related("author", "screen__version")
        .prefetch_related(Prefetch("replies", queryset=Pin.objects.filter(visibility="public")))
    )
    screens = list(
        Screen.objects.filter(version__variant__prototype=prototype).order_by("version_id", "position", "id")
    )
    member_ids = (
        {r.member_id for r in ratings}
        | {a.member_id for a in answers}
        | {c.member_id for c in comparisons}
        | {p.author_id for p in pins}
    )
    segments = _segments_of(member_ids)

    by_version = defaultdict(list)
    for rating in ratings:
        by_version[rating.version_id].append(rating)
    pins_by_screen = defaultdict(list)
    for pin in pins:
        pins_by_screen[pin.screen_id].append(pin)
    screens_by_version = defaultdict(list)
    for screen in screens:
        screens_by_version[screen.version_id].append(screen)

    variant_results = []
    for variant in variants:
        current = variant.current_version
        result = VariantResult(variant=variant, version=current)
        current_ratings = by_version.get(current.pk, []) if current else []
        result.count, result.mean, result.would_use_share = _summary(current_ratings)
        scores = Counter(r.score for r in current_ratings)
        result.distribution = [(score, scores[score]) for score in range(1, 6)]
        per_segment = defaultdict(list)
        for rating in current_ratings:
            for name in segments.get(rating.member_id) or [NO_SEGMENT]:
                per_segment[name].append(rating)
        result.by_segment = [(name, *_summary(rows)) for name, rows in sorted(per_segment.items())]
        result.older_versions = [
            (version, *_summary(by_version.get(version.pk, []))[:2])
            for version in variant.versions.all()
            if current is None or version.pk != current.pk
        ]
        for version in variant.versions.all():
            for screen in screens_by_version.get(version.pk, []):
                screen_pins = pins_by_screen.get(screen.pk, [])
                cell_w, cell_h = screen.width / HEAT_GRID, screen.height / HEAT_GRID
                rects = [
                    (round(col * cell_w, 2), round(row * cell_h, 2), round(cell_w, 2), round(cell_h, 2),
                     round(0.15 + 0.6 * level, 2))
                    for col, row, level in heat_cells([(p.x, p.y) for p in screen_pins])
                ]  # fmt: skip
                result.screens.append((version, screen, rects, screen_pins))
        variant_results.append(result)

    names = {v.pk: v.name for v in variants}
    outcomes = [(c.winner_id, c.loser_id) for c in comparisons]
    strengths = ranking.rank([v.pk for v in variants], outcomes)
    pair_wins = Counter(outcomes)
    win_rates = []
    for a in variants:
        for b in variants:
            if a.pk < b.pk:
                total = pair_wins[(a.pk, b.pk)] + pair_wins[(b.pk, a.pk)]
                if total:
                    win_rates.append((a, b, pair_wins[(a.pk, b.pk)], pair_wins[(b.pk, a.pk)], total))

    answers_by_question = defaultdict(list)
    for answer in answers:
        answers_by_question[answer.question_id].append(answer)
    survey = []
    for question in questions:
        rows = answers_by_question.get(question.pk, [])
        if question.kind == SurveyQuestion.Kind.SCALE:
            counts = Counter(a.scale_value for a in rows)
            bars = [(str(v), counts[v]) for v in range(1, 6)]
        elif question.kind == SurveyQuestion.Kind.CHOICE:
            counts = Counter(a.choice for a in rows)
            bars = [(choice, counts[choice]) for choice in question.choice_list]
        else:
            bars = []
        survey.append(
            {
                "question": question,
                "count": len(rows),
                "bars": bars,  # [(label, count)]: a bar chart's rows (cocreate.charts)
                "texts": [a.text for a in rows if a.text],
            }
        )

    return {
        "variants": variant_results,
        "ranking": [(names[s.item], s) for s in strengths],
        "comparison_count": len(comparisons),
        "win_rates": win_rates,
        "survey": survey,
        "beta": beta_summary(prototype),
        "quotas": list(BetaQuota.objects.filter(prototype=prototype).select_related("segment")),
        # for the CSV
        "_rows": {
            "ratings": ratings,
            "comparisons": comparisons,
            "answers": answers,
            "pins": pins,
            "segments": segments,
            "names": names,
            "questions": {q.pk: q for q in questions},
        },
    }
