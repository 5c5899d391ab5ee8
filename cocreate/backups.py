"""Backups of one installation: the database and the uploads (MEDIA_ROOT) in one archive, and back again.

An archive is a plain tar file, `cocreate-<UTC time>.tar`:

    manifest.json        what is inside: the database engine, the number of rows of every table (taken
                         from the very snapshot that was dumped), the number and size of the uploads
    database.pgdump      PostgreSQL: `pg_dump --format=custom` (compressed; read by pg_restore)
    database.sqlite3     SQLite: a copy made with SQLite's online backup API
    media/…              every file under MEDIA_ROOT

PostgreSQL is dumped from one exported snapshot (`pg_export_snapshot()`, `pg_dump --snapshot`), and the
row counts of the manifest are read in that same snapshot, so they say exactly what the dump holds even
while the site takes votes. The uploads are archived after the dump: every file the dumped rows name
already existed. Restoring refuses a database or a media directory that is not empty (unless told to
replace them), then checks every table's row count against the manifest. docs/production.md says how to
run, schedule and verify backups.
"""

import io
import json
import os
import shutil
import sqlite3
import subprocess  # noqa: S404 - runs pg_dump/pg_restore with arguments we build, never user input
import tarfile
import tempfile
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath

from django.conf import settings
from django.db import connection, transaction
from tqdm import tqdm

FORMAT = 1
MANIFEST = "manifest.json"
PG_DUMP = "database.pgdump"
SQLITE_COPY = "database.sqlite3"
MEDIA = "media"


class BackupError(Exception):
    """A backup or restore that cannot go on; the message says why and what to do."""


@dataclass
class Manifest:
    engine: str  # "postgresql" or "sqlite"
    created_at: str
    row_counts: dict[str, int]
    media_files: int = 0
    media_bytes: int = 0
    format: int = FORMAT
    database_file: str = field(default="")

    def to_json(self) -> bytes:
        return json.dumps(asdict(self), indent=2, sort_keys=True).encode()

    @classmethod
    def from_json(cls, data: bytes) -> "Manifest":
        values = json.loads(data)
        if values.get("format") != FORMAT:
            raise BackupError(
                f"archive format {values.get('format')} is not {FORMAT}: made by another version"
            )
        return cls(**values)


Say = Callable[[str], None]


def _quiet(_message: str) -> None:
    pass


def engine() -> str:
    if connection.vendor not in {"postgresql", "sqlite"}:
        raise BackupError(f"backups handle PostgreSQL and SQLite, not {connection.vendor}")
    return connection.vendor


def media_root() -> Path:
    return Path(settings.MEDIA_ROOT)


# --- Backup ---------------------------------------------------------------------------------------


def backup_create(*, directory: Path, progress: bool = True, say: Say = _quiet) -> tuple[Path, Manifest]:
    """Write `cocreate-<UTC time>.tar` into `directory`: the database, then the uploads.

    The archive appears under its final name only when complete (it is written as `….tar.partial` and
    renamed), so a backup that failed half-way is never taken for one.
    """
    directory.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC)
    archive = directory / f"cocreate-{stamp:%Y%m%d-%H%M%S}.tar"
    partial = archive.with_name(archive.name + ".partial")
    with tempfile.TemporaryDirectory(prefix="cocreate-backup-") as scratch:
        started = time.monotonic()
        say(f"Dumping the {engine()} database …")
        if engine() == "postgresql":
            database_file, counts = _dump_postgresql(Path(scratch) / PG_DUMP)
        else:
            database_file, counts = _copy_sqlite(Path(scratch) / SQLITE_COPY)
        say(
            f"  {sum(counts.values()):,} rows in {len(counts)} tables, "
            f"{database_file.stat().st_size / 1e6:.1f} MB, {time.monotonic() - started:.1f} s"
        )
        uploads = (
            sorted(path for path in media_root().rglob("*") if path.is_file())
            if media_root().is_dir()
            else []
        )
        manifest = Manifest(
            engine=engine(),
            created_at=stamp.isoformat(),
            row_counts=counts,
            media_files=len(uploads),
            media_bytes=sum(path.stat().st_size for path in uploads),
            database_file=database_file.name,
        )
        with tarfile.open(partial, "w", format=tarfile.PAX_FORMAT) as tar:
            _add_bytes(tar, MANIFEST, manifest.to_json())
            tar.add(database_file, arcname=database_file.name)
            say(f"Archiving {len(uploads):,} uploads ({manifest.media_bytes / 1e6:.1f} MB) …")
            with tqdm(
                total=manifest.media_bytes, unit="B", unit_scale=True, desc="uploads", disable=not progress
            ) as bar:
                for path in uploads:
                    tar.add(
                        path, arcname=f"{MEDIA}/{path.relative_to(media_root()).as_posix()}", recursive=False
                    )
                    bar.update(path.stat().st_size)
    partial.replace(archive)
    say(f"Wrote {archive} ({archive.stat().st_size / 1e6:.1f} MB)")
    return archive, manifest


def backups_prune(*, directory: Path, keep: int) -> list[Path]:
    """Delete all but the `keep` newest archives in `directory`; returns the deleted ones."""
    archives = sorted(directory.glob("cocreate-*.tar"))
    old = archives[: max(0, len(archives) - keep)]
    for path in old:
        path.unlink()
    return old


def _add_bytes(tar: tarfile.TarFile, name: str, data: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.size, info.mtime, info.mode = len(data), int(time.time()), 0o640
    tar.addfile(info, io.BytesIO(data))


def _dump_postgresql(target: Path) -> tuple[Path, dict[str, int]]:
    """pg_dump of one exported snapshot, and every table's row count read in that snapshot."""
    if connection.in_atomic_block:
        raise BackupError("run the backup outside a transaction (it opens its own snapshot)")
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        cursor.execute("SELECT pg_export_snapshot()")
        snapshot = cursor.fetchone()[0]
        _run(["pg_dump", "--format=custom", f"--snapshot={snapshot}", f"--file={target}"])
        counts = _row_counts(cursor, connection.introspection.table_names(cursor))
    return target, counts


def _copy_sqlite(target: Path) -> tuple[Path, dict[str, int]]:
    """A consistent copy through SQLite's online backup API (safe while the site writes), and its counts."""
    source = sqlite3.connect(settings.DATABASES["default"]["NAME"])
    copy = sqlite3.connect(target)
    try:
        source.backup(copy)
        return target, _sqlite_row_counts(copy)
    finally:
        copy.close()
        source.close()


def _row_counts(cursor, tables: list[str]) -> dict[str, int]:
    counts = {}
    for table in sorted(tables):
        cursor.execute(f"SELECT COUNT(*) FROM {connection.ops.quote_name(table)}")  # noqa: S608 - our tables
        counts[table] = cursor.fetchone()[0]
    return counts


def _sqlite_row_counts(db: sqlite3.Connection) -> dict[str, int]:
    tables = [
        name
        for (name,) in db.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
        )
    ]
    return {
        table: db.execute(f'SELECT COUNT(*) FROM "{table}"').fetchone()[0]  # noqa: S608 - our own tables
        for table in sorted(tables)
    }


def _pg_environment() -> dict[str, str]:
    """libpq's environment for the default database (the password never appears on a command line)."""
    db = settings.DATABASES["default"]
    env = {
        **os.environ,
        "PGDATABASE": db["NAME"],
        "PGHOST": db.get("HOST") or "",
        "PGPORT": str(db.get("PORT") or ""),
    }
    if db.get("USER"):
        env["PGUSER"] = db["USER"]
    if db.get("PASSWORD"):
        env["PGPASSWORD"] = db["PASSWORD"]
    if sslmode := db.get("OPTIONS", {}).get("sslmode"):
        env["PGSSLMODE"] = sslmode
    return {name: value for name, value in env.items() if value}


def _run(command: list[str]) -> None:
    if shutil.which(command[0]) is None:
        raise BackupError(f"{command[0]} is not installed (Debian: apt-get install postgresql-client)")
    finished = subprocess.run(command, env=_pg_environment(), capture_output=True, text=True, check=False)  # noqa: S603
    if finished.returncode != 0:
        raise BackupError(f"{command[0]} failed ({finished.returncode}): {finished.stderr.strip()}")


# --- Restore --------------------------------------------------------------------------------------


def backup_restore(
    *, archive: Path, replace: bool = False, progress: bool = True, say: Say = _quiet
) -> Manifest:
    """Restore `archive` into the configured database and MEDIA_ROOT, then check every table's rows.

    Both must be empty (a freshly created database, a new or empty media directory) unless `replace`:
    then the database's objects are dropped first and uploads of the same name overwritten.
    """
    with tarfile.open(archive, "r") as tar:
        manifest = Manifest.from_json(tar.extractfile(MANIFEST).read())
        if manifest.engine != engine():
            raise BackupError(f"the archive holds a {manifest.engine} database; this site uses {engine()}")
        media_members = [member for member in tar.getmembers() if member.name.startswith(f"{MEDIA}/")]
        if not replace:
            _refuse_unless_empty()
        with tempfile.TemporaryDirectory(prefix="cocreate-restore-") as scratch:
            database_file = Path(scratch) / manifest.database_file
            with tar.extractfile(manifest.database_file) as source, database_file.open("wb") as target:
                shutil.copyfileobj(source, target)
            started = time.monotonic()
            say(f"Restoring the {manifest.engine} database …")
            if manifest.engine == "postgresql":
                _restore_postgresql(database_file, replace=replace)
            else:
                _restore_sqlite(database_file)
            say(f"  done in {time.monotonic() - started:.1f} s")
        say(f"Restoring {len(media_members):,} uploads ({manifest.media_bytes / 1e6:.1f} MB) …")
        with tqdm(
            total=manifest.media_bytes, unit="B", unit_scale=True, desc="uploads", disable=not progress
        ) as bar:
            for member in media_members:
                extract_upload(tar, member)
                bar.update(member.size)
    backup_verify(manifest)
    say(
        f"Verified: {sum(manifest.row_counts.values()):,} rows in {len(manifest.row_counts)} tables, "
        f"{manifest.media_files:,} uploads, as in the archive"
    )
    return manifest


def backup_verify(manifest: Manifest) -> None:
    """Raise BackupError unless the database and MEDIA_ROOT hold at least what `manifest` lists."""
    connection.close()  # the restore replaced what an open connection may have seen
    with connection.cursor() as cursor:
        counts = _row_counts(cursor, list(manifest.row_counts))
    wrong = {
        table: (expected, counts[table])
        for table, expected in manifest.row_counts.items()
        if counts[table] != expected
    }
    if wrong:
        raise BackupError(f"restored row counts differ (table: archive, database): {wrong}")
    present = sum(1 for path in media_root().rglob("*") if path.is_file()) if media_root().is_dir() else 0
    if present < manifest.media_files:
        raise BackupError(f"{present} uploads in {media_root()}, the archive has {manifest.media_files}")


def _refuse_unless_empty() -> None:
    tables = connection.introspection.table_names()
    if tables:
        raise BackupError(
            f"the database {settings.DATABASES['default']['NAME']} is not empty ({len(tables)} tables): "
            "restore into a freshly created database, or pass --replace to drop what is there"
        )
    if media_root().is_dir() and any(media_root().iterdir()):
        raise BackupError(f"{media_root()} is not empty: restore into a new directory, or pass --replace")


def _restore_postgresql(dump: Path, *, replace: bool) -> None:
    connection.close()
    command = ["pg_restore", "--no-owner", "--no-privileges", "--exit-on-error", "--single-transaction"]
    if replace:
        command += ["--clean", "--if-exists"]
    _run([*command, f"--dbname={settings.DATABASES['default']['NAME']}", str(dump)])


def _restore_sqlite(copy: Path) -> None:
    connection.close()
    target_name = settings.DATABASES["default"]["NAME"]
    Path(target_name).parent.mkdir(parents=True, exist_ok=True)
    source, target = sqlite3.connect(copy), sqlite3.connect(target_name)
    try:
        source.backup(target)  # page by page into the live file: WAL and open readers stay consistent
    finally:
        target.close()
        source.close()


def extract_upload(tar: tarfile.TarFile, member: tarfile.TarInfo) -> None:
    """One upload, only as a regular file strictly inside MEDIA_ROOT (never a link, never `..`)."""
    relative = PurePosixPath(member.name).relative_to(MEDIA)
    if not member.isfile() or relative.is_absolute() or ".." in relative.parts:
        raise BackupError(f"refusing the archive member {member.name!r}")
    target = media_root().joinpath(*relative.parts)
    target.parent.mkdir(parents=True, exist_ok=True)
    with tar.extractfile(member) as source, target.open("wb") as copy:
        shutil.copyfileobj(source, copy)
