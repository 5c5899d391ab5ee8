"""Recompute every member's trust level from their activity (levels also update as members post).

Run it daily: account age and days active change with time, not only with new posts.
"""

from django.core.management.base import BaseCommand
from tqdm import tqdm

from community.models import Member
from moderation.trust import trust_refresh


class Command(BaseCommand):
    help = "Recompute trust levels from activity (locked levels stay)."

    def add_arguments(self, parser):
        parser.add_argument("--no-progress", action="store_true")

    def handle(self, *args, no_progress=False, **options):
        members = Member.objects.filter(deleted_at__isnull=True, trust_locked=False, is_active=True)
        changed = 0
        for member in tqdm(
            members.iterator(chunk_size=500), total=members.count(), desc="members", disable=no_progress,
            file=self.stderr,
        ):  # fmt: skip
            before = member.trust_level
            changed += trust_refresh(member) != before
        self.stdout.write(self.style.SUCCESS(f"{changed} trust level{'' if changed == 1 else 's'} changed."))
