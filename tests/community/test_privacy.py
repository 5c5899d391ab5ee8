import json

import pytest
from allauth.account.models import EmailAddress
from django.utils import timezone

from community.models import Member
from ideas.models import Comment, Idea
from ideas.services import comment_post, idea_set_status
from voting.models import Vote
from voting.services import vote_cast

from ..factories import MemberFactory, SegmentFactory, make_idea

pytestmark = pytest.mark.django_db


@pytest.fixture
def active_alice(alice, bob, rita):
    """Alice with an idea, a reply, up and down votes, a segment."""
    segment = SegmentFactory(name="Photographers")
    alice.segments.add(segment)
    from backlog.models import CustomerRecord

    CustomerRecord.objects.create(
        member=alice, segment=segment, clv=1234, external_id="CRM-1", imported_at=timezone.now()
    )
    own = make_idea(author=alice, title="Alice's idea", tags=["camera"])
    others = make_idea(author=bob, title="Bob's idea")
    comment_post(author=alice, idea=others, body="Alice's comment")
    vote_cast(member=alice, idea_id=own.pk)
    vote_cast(member=alice, idea_id=others.pk, value=-1)
    vote_cast(member=bob, idea_id=others.pk)
    return alice


def test_download_my_data_contains_everything(client, active_alice):
    client.force_login(active_alice)
    response = client.get("/members/me/export/")
    assert response["Content-Disposition"].startswith("attachment")
    data = json.loads(response.content)
    assert data["profile"]["display_name"] == "Alice A."
    assert data["email_addresses"] == [{"email": "alice@example.com", "verified": True, "primary": True}]
    assert [s["segment"] for s in data["segments"]] == ["Photographers"]
    assert [(r["external_id"], r["clv"]) for r in data["customer_record"]] == [("CRM-1", "1234.00")]
    assert [(i["title"], i["tags"]) for i in data["ideas"]] == [("Alice's idea", ["camera"])]
    assert [c["body"] for c in data["comments"]] == ["Alice's comment"]
    assert sorted((v["idea_title"], v["value"]) for v in data["votes"]) == [
        ("Alice's idea", 1),
        ("Bob's idea", -1),
    ]


def test_export_is_only_ever_your_own(client):
    assert client.get("/members/me/export/").status_code == 302  # log in first


def totals():
    return {i.pk: (i.upvote_count, i.downvote_count, i.comment_count) for i in Idea.objects.all()}


def test_delete_account_keeps_content_and_totals(client, active_alice):
    before = totals()
    client.force_login(active_alice)
    response = client.post("/members/me/delete/", {"password": "correct horse battery", "confirm": "on"})
    assert response.status_code == 302

    former = Member.objects.get(pk=active_alice.pk)
    assert former.public_name == "Former member" and not former.is_active
    assert former.email == "" and former.display_name == "" and not former.segments.exists()
    from backlog.models import CustomerRecord

    assert not CustomerRecord.objects.filter(member=former).exists()
    assert not EmailAddress.objects.filter(user=former).exists()
    assert totals() == before  # every idea, comment and vote total intact
    assert not Vote.objects.filter(member=former).exists()  # no vote traceable to the person
    assert Idea.objects.get(title="Alice's idea").author == former
    page = client.get(Idea.objects.get(title="Bob's idea").get_absolute_url())
    assert b"Alice's comment" in page.content and b"Former member" in page.content
    # Logged out, cannot log in again, and the address is free for a new account.
    assert not client.login(username=former.username, password="correct horse battery")
    assert client.get("/members/me/").status_code == 302
    assert (
        client.post(
            "/accounts/signup/",
            {
                "email": "alice@example.com",
                "display_name": "Alice again",
                "password1": "fresh-tulip-canal-9",
                "password2": "fresh-tulip-canal-9",
            },
        ).status_code
        == 302
    )


def test_votes_after_deletion_still_add_up(client, active_alice):
    idea = Idea.objects.get(title="Bob's idea")
    client.force_login(active_alice)
    client.post("/members/me/delete/", {"password": "correct horse battery", "confirm": "on"})
    newcomer = MemberFactory()
    vote_cast(member=newcomer, idea_id=idea.pk, value=-1)
    idea.refresh_from_db()
    assert (
        idea.downvote_count == Vote.objects.filter(idea=idea, value=-1).count() + idea.retired_downvotes == 2
    )


def test_wrong_password_deletes_nothing(client, active_alice):
    client.force_login(active_alice)
    response = client.post("/members/me/delete/", {"password": "guess", "confirm": "on"})
    assert response.status_code == 400 and b"not your password" in response.content
    active_alice.refresh_from_db()
    assert active_alice.is_active and Vote.objects.filter(member=active_alice).count() == 2
    assert Comment.objects.filter(author=active_alice).count() == 1


def test_status_changes_by_staff_survive_their_deletion(rita):
    idea = make_idea()
    idea_set_status(idea=idea, changed_by=rita, status="planned", note="Spring")
    from community.services import member_delete_account

    member_delete_account(member=rita)
    assert idea.status_changes.get().changed_by.public_name == "Former member"


def test_download_my_data_has_prototype_feedback_follows_reports_and_email_choices(client, alice, bob):
    """Everything a member did beyond ideas and votes: ratings, comparisons, survey answers, pins, beta
    seats, follows, flags and email choices (issue 22: a complete export)."""
    from ideas.services import follow_set, follow_topic_set
    from moderation.services import flag_create
    from notifications.models import EmailPreference
    from prototypes import services as prototypes
    from prototypes.models import Variant

    from ..prototypes.helpers import make_prototype

    prototype = make_prototype(beta_seats=5)
    classic, compact = (Variant.objects.get(prototype=prototype, name=n) for n in ("Classic", "Compact"))
    version = classic.current_version
    prototypes.rating_save(member=alice, version=version, score=4, would_use=True)
    prototypes.comparison_record(member=alice, prototype=prototype, winner=compact, loser=classic)
    question = prototypes.survey_question_add(
        prototype=prototype, by=prototype.created_by, text="How easy?", kind="scale"
    )
    prototypes.survey_submit(member=alice, prototype=prototype, answers={question.pk: "5"})
    prototypes.pin_add(author=alice, screen=version.screens.get(), x=0.5, y=0.25, body="Unclear icon")
    prototypes.beta_sign_up(member=alice, prototype=prototype)
    idea = make_idea(author=bob, title="Bob's idea", tags=["camera"])
    follow_set(member=alice, idea=idea, following=True)
    follow_topic_set(member=alice, target=idea.tags.get(), following=True)
    flag_create(reporter=alice, kind="idea", object_id=idea.pk, reason="spam", text="Looks like an ad")
    EmailPreference.objects.create(member=alice, kind="new_idea", cadence="daily")

    client.force_login(alice)
    data = json.loads(client.get("/members/me/export/").content)
    assert [(r["variant"], r["score"], r["would_use"]) for r in data["ratings"]] == [("Classic", 4, True)]
    assert [(c["variants"], c["preferred"]) for c in data["comparisons"]] == [
        (["Classic", "Compact"], "Compact")
    ]
    assert [(a["question"], a["scale"]) for a in data["survey_answers"]] == [("How easy?", 5)]
    assert [(p["body"], p["x"], p["y"]) for p in data["pins"]] == [("Unclear icon", 0.5, 0.25)]
    assert [b["state"] for b in data["beta_signups"]] == ["seated"]
    assert [f["idea"] for f in data["follows"]] == [idea.pk]
    assert [(f["kind"], f["name"]) for f in data["topic_follows"]] == [("tag", "camera")]
    assert [(f["reason"], f["details"]) for f in data["flags"]] == [("spam", "Looks like an ad")]
    assert [(p["kind"], p["cadence"]) for p in data["email_preferences"]] == [("new_idea", "daily")]
    assert "notifications" in data and "sanctions" in data and "appeals" in data
    assert data["customer_record"] == []  # alice has none; active_alice's is in the test above


def test_every_export_section_is_documented(client, alice):
    from pathlib import Path

    client.force_login(alice)
    data = json.loads(client.get("/members/me/export/").content)
    readme = (Path(__file__).resolve().parents[2] / "docs" / "data-export.md").read_text()
    assert [key for key in data if f"| `{key}` |" not in readme] == []
