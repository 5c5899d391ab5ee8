import pytest
from django.core.management import CommandError, call_command

from community.models import Member, Segment
from ideas.models import Comment, Idea
from ideas.ranking import hot_score, top_score
from voting.models import Vote

pytestmark = pytest.mark.django_db


def test_seed_demo_builds_a_consistent_community(capsys):
    call_command("seed_demo", members=40, ideas=60, votes=900, comments=50, no_progress=True)
    assert Segment.objects.count() == 5
    assert Member.objects.count() == 40
    assert Idea.objects.count() == 60
    assert Vote.objects.count() == 900
    assert Comment.objects.filter(parent=None, is_official=False).count() == 50
    for idea in Idea.objects.all():
        assert idea.upvote_count == Vote.objects.filter(idea=idea, value=1).count()
        assert idea.downvote_count == Vote.objects.filter(idea=idea, value=-1).count()
        assert idea.comment_count == Comment.objects.filter(idea=idea).count()
        # Scores are computed in SQL, with the formulas of ideas.ranking.
        up, down = idea.upvote_count, idea.downvote_count
        hot = hot_score(upvotes=up, downvotes=down, posted_at=idea.created_at)
        assert idea.hot_score == pytest.approx(hot, abs=1e-6)
        assert idea.top_score == pytest.approx(top_score(upvotes=up, downvotes=down), abs=1e-9)
    # The demo log-ins work with the documented password.
    assert Member.objects.get(email="demo@example.com").check_password("cocreate-demo")
    assert "demo@example.com" in capsys.readouterr().out


def test_seed_demo_shows_progress_and_skips_when_asked(capsys):
    call_command("seed_demo", members=5, ideas=5, votes=10, comments=2)
    assert "votes: 100%" in capsys.readouterr().err
    call_command("seed_demo", if_empty=True)
    assert Idea.objects.count() == 5


def test_seed_demo_refuses_impossible_sizes():
    with pytest.raises(CommandError, match="one vote per member per idea"):
        call_command("seed_demo", members=3, ideas=3, votes=10, no_progress=True)


def test_the_demo_customer_posts_with_images_and_links_like_an_established_member():
    from django.core.files.uploadedfile import SimpleUploadedFile
    from PIL import Image

    from cocreate.images import png_file
    from ideas.services import idea_submit

    call_command("seed_demo", members=10, ideas=5, votes=10, comments=2, no_progress=True)
    demo = Member.objects.get(email="demo@example.com")
    image = SimpleUploadedFile("a.png", png_file(Image.new("RGB", (20, 20)), "a.png").read(), "image/png")
    for n in range(3):  # more than a newcomer's two a day
        idea = idea_submit(
            author=demo, title=f"Demo idea {n}", body="See https://a.example and https://b.example",
            images=[image] if n == 0 else [],
        )  # fmt: skip
        assert idea.visibility == "public"
    from voting.management.commands.seed_demo import DEMO_ACCOUNTS

    fixed = [email for email, _name, _role in DEMO_ACCOUNTS]  # established (trust 3): one per role
    assert Member.objects.exclude(email__in=fixed).filter(trust_level=2).count() == 10 - len(fixed)
