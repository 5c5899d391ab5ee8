"""manage.py backup: the database and the uploads in one archive (cocreate/backups.py)."""

import os
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from cocreate.backups import BackupError, backup_create, backups_prune


class Command(BaseCommand):
    help = (
        "Write cocreate-<UTC time>.tar (pg_dump or an SQLite copy, plus MEDIA_ROOT) into --dir "
        "(default $BACKUP_DIR or var/backups); --keep N deletes all but the N newest archives there."
    )

    def add_arguments(self, parser):
        parser.add_argument("--dir", type=Path, default=Path(os.environ.get("BACKUP_DIR", "var/backups")))
        parser.add_argument("--keep", type=int, default=0, help="archives to keep in --dir (0: keep all)")
        parser.add_argument("--no-progress", action="store_true", help="no progress bar (e.g. from a timer)")

    def handle(self, *args, dir, keep, no_progress, **options):  # noqa: A002 - the option's name
        try:
            archive, manifest = backup_create(directory=dir, progress=not no_progress, say=self.stderr.write)
        except BackupError as error:
            raise CommandError(str(error)) from error
        if keep:
            for old in backups_prune(directory=dir, keep=keep):
                self.stderr.write(f"Deleted the old backup {old}")
        self.stdout.write(str(archive))
