"""manage.py restore ARCHIVE: a backup back into the database and MEDIA_ROOT, checked (cocreate/backups.py)"""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from cocreate.backups import BackupError, backup_restore


class Command(BaseCommand):
    help = (
        "Restore an archive of manage.py backup into the configured database and MEDIA_ROOT (both must be "
        "empty unless --replace), then check every table's row count against the archive."
    )

    def add_arguments(self, parser):
        parser.add_argument("archive", type=Path)
        parser.add_argument(
            "--replace", action="store_true", help="drop the database's objects and overwrite uploads first"
        )
        parser.add_argument("--no-progress", action="store_true")

    def handle(self, *args, archive, replace, no_progress, **options):
        if not archive.is_file():
            raise CommandError(f"No archive at {archive}.")
        try:
            backup_restore(archive=archive, replace=replace, progress=not no_progress, say=self.stderr.write)
        except BackupError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(
            self.style.SUCCESS(f"Restored {archive}. Next: manage.py migrate (if the code is newer).")
        )
