"""What the prototypes app holds about a member, for "download my data" (community.member_data): their
ratings, comparisons, survey answers, pins on screens and beta sign-ups. Nothing is erased with an
account: the rows point at the member's retained (anonymised) row, as their ideas and comments do."""

from community.member_data import MemberData, iso

from .models import BetaSignup, Comparison, Pin, Rating, SurveyAnswer


def export(member) -> dict[str, list]:
    return {
        "ratings": [
            {
                "prototype": r.version.variant.prototype_id,
                "variant": r.version.variant.name,
                "version": r.version.number,
                "score": r.score,
                "would_use": r.would_use,
                "updated_at": iso(r.updated_at),
            }
            for r in Rating.objects.filter(member=member).select_related("version__variant").order_by("pk")
        ],
        "comparisons": [
            {
                "prototype": c.prototype_id,
                "variants": [c.variant_low.name, c.variant_high.name],
                "preferred": c.winner.name,
                "updated_at": iso(c.updated_at),
            }
            for c in Comparison.objects.filter(member=member)
            .select_related("variant_low", "variant_high", "winner")
            .order_by("pk")
        ],
        "survey_answers": [
            {
                "prototype": a.question.prototype_id,
                "question": a.question.text,
                "scale": a.scale_value,
                "choice": a.choice,
                "text": a.text,
                "updated_at": iso(a.updated_at),
            }
            for a in SurveyAnswer.objects.filter(member=member).select_related("question").order_by("pk")
        ],
        "pins": [
            {
                "id": p.pk,
                "screen": p.screen_id,
                "reply_to": p.parent_id,
                "x": p.x,
                "y": p.y,
                "body": p.body,
                "visibility": p.visibility,
                "created_at": iso(p.created_at),
            }
            for p in Pin.objects.filter(author=member).order_by("pk")
        ],
        "beta_signups": [
            {"prototype": b.prototype_id, "state": b.state, "signed_up_at": iso(b.signed_up_at)}
            for b in BetaSignup.objects.filter(member=member).order_by("pk")
        ],
    }


MEMBER_DATA = MemberData(export=export)
