"""manage.py backup, then manage.py restore into an empty, freshly created database and media directory:
every idea, vote, comment, audit entry and upload is there (cocreate/backups.py)."""

import io
import os
import sqlite3
import subprocess
import sys
import tarfile
import uuid
from pathlib import Path

import psycopg
import pytest
from django.core.files.base import ContentFile
from django.core.management import call_command
from django.db import connection
from PIL import Image

from ideas.models import Comment, Idea, IdeaImage
from ideas.services import comment_post
from moderation.audit import audit_record
from moderation.models import AuditEntry
from voting.models import Vote
from voting.services import vote_cast

from ..factories import MemberFactory, make_idea
from ..live_servers import ROOT

pytestmark = pytest.mark.django_db(transaction=True)  # pg_dump and the restore are other processes


def png_bytes() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 6), (200, 40, 90)).save(buffer, "PNG")
    return buffer.getvalue()


@pytest.fixture
def community(settings, tmp_path):
    """Two ideas, votes on them, a comment, an audit entry and an uploaded image (media dir of its own)."""
    settings.MEDIA_ROOT = tmp_path / "media"
    alice, bob = MemberFactory(), MemberFactory()
    ideas = [
        make_idea(author=alice, title="Backed-up idea one"),
        make_idea(author=bob, title="Backed-up idea two"),
    ]
    for idea in ideas:
        vote_cast(member=alice if idea.author_id == bob.pk else bob, idea_id=idea.pk)
    comment = comment_post(author=bob, idea=ideas[0], body="A comment worth keeping")
    entry = audit_record(
        actor=None, action="hide", kind="idea", target_label="Backed-up idea one", reason="test"
    )
    image = IdeaImage.objects.create(
        idea=ideas[0],
        uploaded_by=alice,
        image=ContentFile(png_bytes(), "photo.png"),
        thumbnail=ContentFile(png_bytes(), "thumb.png"),
    )
    return {
        "ideas": {idea.title for idea in ideas},
        "votes": set(Vote.objects.values_list("member_id", "idea_id")),
        "comment": comment.body,
        "audit": entry.target_label,
        "uploads": {image.image.name: png_bytes(), image.thumbnail.name: png_bytes()},
        "tables": {model: model._meta.db_table for model in (Idea, Vote, Comment, AuditEntry, IdeaImage)},
    }


def restore(archive: Path, *, database_url: str, media: Path) -> subprocess.CompletedProcess:
    """manage.py restore in a process of its own, configured for the fresh database and media dir."""
    return subprocess.run(  # noqa: S603 - our own manage.py
        [sys.executable, "manage.py", "restore", str(archive), "--no-progress"],
        cwd=ROOT,
        env={
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "cocreate.settings.test",
            "DATABASE_URL": database_url,
            "MEDIA_ROOT": str(media),
            "REDIS_URL": "",
        },
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def backup(tmp_path: Path) -> Path:
    out = io.StringIO()
    call_command(
        "backup", "--dir", str(tmp_path / "backups"), "--no-progress", stdout=out, stderr=io.StringIO()
    )
    archive = Path(out.getvalue().strip())
    assert archive.is_file()
    with tarfile.open(archive) as tar:
        names = tar.getnames()
    assert "manifest.json" in names
    return archive


def assert_restored(community, query, media: Path):
    """`query(sql)` reads the restored database; every row and upload of the fixture must be there."""
    tables = community["tables"]
    assert {row[0] for row in query(f"SELECT title FROM {tables[Idea]}")} == community["ideas"]  # noqa: S608
    assert set(query(f"SELECT member_id, idea_id FROM {tables[Vote]}")) == community["votes"]  # noqa: S608
    assert community["comment"] in {row[0] for row in query(f"SELECT body FROM {tables[Comment]}")}  # noqa: S608
    assert [row[0] for row in query(f"SELECT target_label FROM {tables[AuditEntry]}")] == [community["audit"]]  # noqa: S608
    assert len(query(f"SELECT id FROM {tables[IdeaImage]}")) == 1  # noqa: S608
    for name, content in community["uploads"].items():
        assert (media / name).read_bytes() == content


@pytest.mark.postgres
def test_a_postgresql_backup_restores_into_a_fresh_database(community, tmp_path):
    if connection.vendor != "postgresql":
        pytest.skip("the PostgreSQL backup (pg_dump/pg_restore) needs DATABASE_URL to point at PostgreSQL")
    archive = backup(tmp_path)
    db = connection.settings_dict
    fresh = f"{db['NAME']}_restore_{uuid.uuid4().hex[:8]}"
    admin = {
        "host": db["HOST"] or "127.0.0.1",
        "port": db["PORT"] or 5432,
        "user": db["USER"],
        "password": db["PASSWORD"],
    }
    with psycopg.connect(dbname="postgres", autocommit=True, **admin) as server:
        server.execute(f'CREATE DATABASE "{fresh}"')
    try:
        password = f":{db['PASSWORD']}" if db["PASSWORD"] else ""
        url = f"postgres://{db['USER']}{password}@{admin['host']}:{admin['port']}/{fresh}"
        media = tmp_path / "restored-media"
        finished = restore(archive, database_url=url, media=media)
        assert finished.returncode == 0, finished.stderr
        assert "Verified" in finished.stderr
        with psycopg.connect(dbname=fresh, **admin) as restored:
            assert_restored(community, lambda sql: restored.execute(sql).fetchall(), media)
        # A second restore into the now full database is refused, not merged.
        again = restore(archive, database_url=url, media=tmp_path / "other-media")
        assert again.returncode != 0
        assert "not empty" in again.stderr
    finally:
        with psycopg.connect(dbname="postgres", autocommit=True, **admin) as server:
            server.execute(f'DROP DATABASE IF EXISTS "{fresh}" WITH (FORCE)')


def test_an_sqlite_backup_restores_into_a_fresh_file(community, tmp_path):
    if connection.vendor != "sqlite":
        pytest.skip("the SQLite backup runs when the suite runs on SQLite (no DATABASE_URL)")
    archive = backup(tmp_path)
    fresh = tmp_path / "restored.sqlite3"
    media = tmp_path / "restored-media"
    finished = restore(archive, database_url=f"sqlite:///{fresh}", media=media)
    assert finished.returncode == 0, finished.stderr
    assert "Verified" in finished.stderr
    restored = sqlite3.connect(fresh)
    try:
        assert_restored(community, lambda sql: restored.execute(sql).fetchall(), media)
    finally:
        restored.close()


def test_an_archive_member_outside_the_media_directory_is_refused(settings, tmp_path):
    """A tampered archive cannot write outside MEDIA_ROOT."""
    from cocreate.backups import BackupError, extract_upload

    settings.MEDIA_ROOT = tmp_path / "media"
    archive = tmp_path / "evil.tar"
    with tarfile.open(archive, "w") as tar:
        info = tarfile.TarInfo("media/../../escaped.txt")
        info.size = 4
        tar.addfile(info, io.BytesIO(b"evil"))
    with tarfile.open(archive) as tar, pytest.raises(BackupError):
        extract_upload(tar, tar.getmember("media/../../escaped.txt"))
    assert not (tmp_path / "escaped.txt").exists()
