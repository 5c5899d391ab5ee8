"""manage.py seed_cms_demo: a public roadmap and a first release note for `make run` (after seed_demo)."""

from django.core.management.base import BaseCommand
from django.db import transaction

from backlog.models import BacklogItem
from cms.models import HomePage, ReleaseNoteIdea, ReleaseNotePage, ReleaseNotesIndexPage, RoadmapPage
from community import permissions
from community.models import Member
from ideas.models import Idea


class Command(BaseCommand):
    help = "Create /roadmap/ and /changelog/ with one release note (does nothing for pages that exist)."

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
        self.stdout.write(self.style.SUCCESS("Roadmap and release notes ready: /roadmap/, /changelog/."))
