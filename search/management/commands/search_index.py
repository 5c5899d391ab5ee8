"""Rebuild or check the search index of whichever backend is configured."""

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

import search
from ideas.models import Idea

SHOW_IDS = 20


class Command(BaseCommand):
    help = (
        "--rebuild: index every idea afresh (Elasticsearch: a new index, then an atomic alias switch; "
        "database: documents rewritten in batches). --check: list ideas missing from or stale in the index."
    )

    def add_arguments(self, parser):
        action = parser.add_mutually_exclusive_group(required=True)
        action.add_argument("--rebuild", action="store_true")
        action.add_argument("--check", action="store_true")
        parser.add_argument("--no-progress", action="store_true", help="No progress bar (logs, CI).")

    def handle(self, *args, **options):
        backend = search.backend()
        total = Idea.objects.count()
        with tqdm(
            total=total,
            unit="ideas",
            disable=options["no_progress"],
            desc=options["rebuild"] and "Indexing" or "Checking",
        ) as progress:
            if options["rebuild"]:
                count = backend.rebuild(progress=progress)
            else:
                result = backend.check(progress=progress)
        if options["rebuild"]:
            self.stdout.write(self.style.SUCCESS(f"Indexed {count} ideas ({backend.name} backend)."))
            return
        self.stdout.write(f"{result.total} ideas checked against the {backend.name} index.")
        for label, ids in (
            ("missing", result.missing),
            ("stale", result.stale),
            ("orphaned", result.orphaned),
        ):
            if ids:
                shown = ", ".join(str(pk) for pk in ids[:SHOW_IDS]) + (" …" if len(ids) > SHOW_IDS else "")
                self.stdout.write(f"{len(ids)} {label}: {shown}")
        if not result.ok:
            raise CommandError("The index is out of date; run `manage.py search_index --rebuild`.")
        self.stdout.write(self.style.SUCCESS("The index is up to date."))
