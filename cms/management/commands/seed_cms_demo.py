"""manage.py seed_cms_demo: a public roadmap, a first release note and two campaigns (one open, one
closed, each with ideas) for `make run` (after seed_demo)."""

from datetime import timedelta

from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from backlog.models import BacklogItem
from cms.models import (
    CampaignIndexPage,
    CampaignPage,
    HomePage,
    ReleaseNoteIdea,
    ReleaseNotePage,
    ReleaseNotesIndexPage,
    RoadmapPage,
)
from community import permissions
from community.models import Member, Segment
from ideas.models import Idea


class Command(BaseCommand):
    help = (
        "Create /roadmap/, /changelog/ with one release note and /campaigns/ with two campaigns (does "
        "nothing for pages that exist)."
    )

    @transaction.atomic
    def handle(self, *args, **options):
        home = HomePage.objects.first()
        if home is None:
            self.stdout.write("No home page; run migrate first.")
            return
        editor = next(
            (
                m
                for m in Member.objects.filter(is_superuser=True).order_by("pk")
                if permissions.may_change_status(m)
            ),
            None,
        )
        for item in BacklogItem.objects.filter(status__in=["planned", "in_progress"], is_public=False)[:3]:
            BacklogItem.objects.filter(pk=item.pk).update(is_public=True, public_title=item.title)
        if not RoadmapPage.objects.exists():
            roadmap = RoadmapPage(
                title="Roadmap",
                slug="roadmap",
                live=False,
                intro="<p>What we are building, and what shipped.</p>",
            )
            home.add_child(instance=roadmap)
            roadmap.save_revision(user=editor).publish(user=editor)
        changelog = ReleaseNotesIndexPage.objects.first()
        if changelog is None:
            changelog = ReleaseNotesIndexPage(title="Release notes", slug="changelog", live=False)
            home.add_child(instance=changelog)
            changelog.save_revision(user=editor).publish(user=editor)
        if not ReleaseNotePage.objects.exists():
            release = ReleaseNotePage(
                title="Spring release",
                slug="spring-release",
                version="2.4",
                summary="Offline maps that update over Wi-Fi, and a quicker camera.",
                body="<h2>What is new</h2><p>Offline regions now update by themselves, on Wi-Fi only.</p>",
                live=False,
            )
            shipped = (
                Idea.objects.listed()
                .exclude(status__in=["shipped", "declined"])
                .order_by("-upvote_count")[:2]
            )
            release.shipped_ideas = [ReleaseNoteIdea(idea=idea) for idea in shipped]
            changelog.add_child(instance=release)
            # Publishing ships the ideas and notifies their supporters (cms.releases).
            release.save_revision(user=editor).publish(user=editor)
        self.seed_campaigns(home, editor)
        self.stdout.write(
            self.style.SUCCESS(
                "Roadmap, release notes and campaigns ready: /roadmap/, /changelog/, /campaigns/."
            )
        )

    def seed_campaigns(self, home, editor):
        index = CampaignIndexPage.objects.first()
        if index is None:
            index = CampaignIndexPage(
                title="Campaigns",
                slug="campaigns",
                live=False,
                intro="<p>Questions the product teams are asking right now.</p>",
            )
            home.add_child(instance=index)
            index.save_revision(user=editor).publish(user=editor)
        if CampaignPage.objects.exists():
            return
        now = timezone.now()
        campaigns = [
            (
                "Camera for night owls",
                "How should the camera work after dark?",
                "<p>Night mode is our most requested camera topic. Tell us where it lets you down: "
                "concerts, children who will not sit still, city lights.</p>",
                now - timedelta(days=6),
                now + timedelta(days=24),
                "Camera app",
                "Mobile photographers",
            ),
            (
                "Battery life on the road",
                "What would make your battery last a whole travel day?",
                "<p>This campaign is closed: thank you for 40 ideas. The most supported ones are on the "
                "roadmap.</p>",
                now - timedelta(days=75),
                now - timedelta(days=15),
                "Battery and charging",
                "Business travellers",
            ),
        ]
        for title, question, brief, starts, ends, product, segment in campaigns:
            page = CampaignPage(
                title=title, question=question, brief=brief, starts_at=starts, ends_at=ends, live=False
            )
            index.add_child(instance=page)
            page.target_segments.set(Segment.objects.filter(name=segment))
            page.save_revision(user=editor).publish(user=editor)
            ideas = Idea.objects.listed().filter(product__name=product, campaign=None).order_by("pk")[:6]
            Idea.objects.filter(pk__in=[idea.pk for idea in ideas]).update(campaign=page)
