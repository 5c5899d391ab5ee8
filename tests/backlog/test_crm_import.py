"""Importing members' CLV from a CRM export: every bad input gets a clear report and nothing is imported."""

from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command

from backlog.crm import CRMFileError, customers_import, decode_csv
from backlog.models import CustomerRecord
from community.models import SegmentMembership

from ..factories import MemberFactory, SegmentFactory

pytestmark = pytest.mark.django_db

HEADER = "email,external id,segment,margin,retention,clv\n"


@pytest.fixture
def crm(db):
    pros = SegmentFactory(
        name="Pros", slug="pros", margin_per_period=100, retention_rate="0.8", discount_rate="0.1"
    )
    casual = SegmentFactory(name="Casual", slug="casual")
    ann = MemberFactory(username="ann", email="ann@example.com")
    ben = MemberFactory(username="ben", email="ben@example.com")
    return {"pros": pros, "casual": casual, "ann": ann, "ben": ben}


def run(text, **kwargs):
    return customers_import(
        text=text, imported_by=kwargs.pop("imported_by", None), source="test.csv", **kwargs
    )


def test_valid_file_imports_every_row(crm):
    report = run(HEADER + "Ann@Example.com,C-1,pros,,,1500\nben@example.com,C-2,Casual,40,0.9,\n")
    assert report.ok and report.imported and (report.created, report.updated) == (2, 0)
    ann = CustomerRecord.objects.get(member=crm["ann"])
    assert (ann.external_id, ann.segment, ann.clv, ann.source) == (
        "C-1",
        crm["pros"],
        Decimal("1500.00"),
        "test.csv",
    )
    # No CLV given: computed from margin and retention with the segment's discount rate 0.1:
    # 40 × 0.9 / (1 + 0.1 − 0.9) = 36 / 0.2 = 180
    assert CustomerRecord.objects.get(member=crm["ben"]).clv == Decimal("180.00")
    assert SegmentMembership.objects.get(member=crm["ben"]).source == SegmentMembership.Source.IMPORT
    # Importing again updates, and a moved customer leaves the old imported segment.
    report = run(HEADER + "ben@example.com,C-2,pros,,,200\n")
    assert (report.created, report.updated) == (0, 1)
    assert list(crm["ben"].segments.all()) == [crm["pros"]]


def test_dry_run_writes_nothing(crm):
    report = run(HEADER + "ann@example.com,C-1,pros,,,1500\n", dry_run=True)
    assert report.ok and not report.imported and len(report.rows) == 1
    assert not CustomerRecord.objects.exists()


@pytest.mark.parametrize(
    "row, reason",
    [
        ("ann@example.com,C-1,pros,-5,0.5,", "margin must not be negative"),
        ("ann@example.com,C-1,pros,100,1,", "retention must be below 1 (got 1)"),
        ("ann@example.com,C-1,pros,100,85,", "a share, e.g. 0.85"),
        ("ann@example.com,C-1,pros,100,-0.2,", "retention must not be negative"),
        ("ann@example.com,C-1,pros,,,-10", "CLV must not be negative"),
        ("ann@example.com,C-1,pros,,,250000000", "implausibly large"),
        ("ann@example.com,C-1,pros,,,1.234,56", "expected 6 values, found 7"),
        ("ann@example.com,C-1,pros,,,12 345", "is not a number"),
        ("ann@example.com,C-1,pros,,,NaN", "is not a number"),
        ("ann@example.com,C-1,Hobbyists,,,100", "unknown segment “Hobbyists”"),
        ("nobody-at-example.com,C-1,pros,,,100", "“nobody-at-example.com” is not an email address"),
        ("ann@example.com,,pros,,,100", "the external id is empty"),
        ("ann@example.com,C-1,pros,,,", "give a CLV, or a margin and a retention rate"),
    ],
)
def test_bad_rows_are_reported_and_nothing_is_imported(crm, row, reason):
    report = run(HEADER + "ben@example.com,C-2,casual,,,100\n" + row + "\n")
    assert not report.ok and not report.imported
    assert [(e.row, reason in e.reason) for e in report.errors] == [(3, True)], report.errors
    assert not CustomerRecord.objects.exists()  # the good row 2 was not imported either


def test_customers_without_an_account_are_kept_unlinked(crm):
    """A CRM customer need not be a member: the record has the email and no member, and no segment
    membership; a later import with a member's email links it."""
    report = run(HEADER + "nobody@example.com,C-7,pros,,,100\n")
    assert report.imported and report.created == 1
    record = CustomerRecord.objects.get(external_id="C-7")
    assert (record.member, record.email, record.segment) == (None, "nobody@example.com", crm["pros"])
    assert not SegmentMembership.objects.exists()
    report = run(HEADER + "ann@example.com,C-7,pros,,,120\n")
    assert (report.created, report.updated) == (0, 1)
    record.refresh_from_db()
    assert (record.member, record.email, record.clv) == (crm["ann"], "ann@example.com", Decimal("120.00"))
    assert list(crm["ann"].segments.all()) == [crm["pros"]]


def test_duplicates_within_the_file_and_external_ids_of_others(crm):
    CustomerRecord.objects.create(
        member=crm["ben"], external_id="TAKEN", clv=1, imported_at="2026-01-01T00:00:00Z"
    )
    report = run(
        HEADER
        + "ann@example.com,C-1,pros,,,1\n"
        + "ANN@example.com,C-9,pros,,,1\n"
        + "ben@example.com,C-1,pros,,,1\n"
        + "ann@example.com,TAKEN,pros,,,1\n"
    )
    reasons = {e.row: e.reason for e in report.errors}
    assert "already on row 2" in reasons[3]
    assert "external id C-1 is already on row 2" in reasons[4]
    assert "TAKEN belongs to another member" in reasons[5]
    assert CustomerRecord.objects.count() == 1


@pytest.mark.parametrize(
    "text, message",
    [
        ("", "The file is empty."),
        ("email,segment\nann@example.com,pros\n", "Missing columns: external_id, margin, retention, clv"),
        (HEADER, "a header but no customer rows"),
        (HEADER + 'ann@example.com,"C-1,pros,,,1\n', "not valid CSV"),
        (HEADER + "ann@example.com,C-1,pros,,,1\0\n", "not valid CSV"),
    ],
)
def test_malformed_files(crm, text, message):
    report = run(text)
    assert not report.ok and any(message in e for e in report.file_errors), report.file_errors
    assert not CustomerRecord.objects.exists()


def test_encodings():
    # A byte-order mark (Excel's “CSV UTF-8”) is fine; Latin-1 is refused with where and what to do.
    assert decode_csv("\ufeffemail\n".encode()) == "email\n"
    # UTF-16 without a byte-order mark decodes as UTF-8 full of NULs: refused by the reader.
    report = customers_import(text=decode_csv(HEADER.encode("utf-16-le")), imported_by=None)
    assert "UTF-16" in report.file_errors[0]
    with pytest.raises(CRMFileError, match=r"not UTF-8 text \(byte 0xe9 on line 2\).*CSV UTF-8"):
        decode_csv("email\nrené@example.com\n".encode("latin-1"))


def test_semicolon_separated_files_and_extra_columns(crm):
    text = "Email;External-ID;Segment;Margin;Retention;CLV;Notes\nann@example.com;C-1;pros;;;10;vip\n"
    report = run(text)
    assert report.imported and report.ignored_columns == ["notes"]


def test_customer_managers_import_only_their_segments(crm, carl, adam):
    crm["pros"].managers.add(carl)
    text = HEADER + "ann@example.com,C-1,pros,,,1\nben@example.com,C-2,casual,,,1\n"
    report = run(text, imported_by=carl)
    assert [(e.row, e.reason) for e in report.errors] == [(3, "you do not manage the segment “Casual”")]
    assert not CustomerRecord.objects.exists()
    assert run(text, imported_by=adam).imported
    assert CustomerRecord.objects.get(member=crm["ann"]).imported_by == adam


def test_command(crm, tmp_path, capsys):
    path = tmp_path / "customers.csv"
    path.write_text(HEADER + "ann@example.com,C-1,pros,,,1500\nben@example.com,C-2,pros,,,oops\n")
    with pytest.raises(CommandError, match="1 invalid row; nothing was imported"):
        call_command("import_customers", str(path))
    assert "Row 3: CLV “oops” is not a number" in capsys.readouterr().err
    path.write_text(HEADER + "ann@example.com,C-1,pros,,,1500\nben@example.com,C-2,pros,,,15\n")
    call_command("import_customers", str(path), "--dry-run")
    assert "all 2 rows are valid" in capsys.readouterr().out and not CustomerRecord.objects.exists()
    call_command("import_customers", str(path))
    assert "Imported 2 customers: 2 created, 0 updated." in capsys.readouterr().out
    assert CustomerRecord.objects.count() == 2
    path.write_bytes("email\nrené@example.com\n".encode("latin-1"))
    with pytest.raises(CommandError, match="not UTF-8"):
        call_command("import_customers", str(path))
    with pytest.raises(CommandError, match="Cannot read"):
        call_command("import_customers", str(tmp_path / "missing.csv"))


def test_upload_page_dry_run_then_confirm(client, crm, carl):
    crm["pros"].managers.add(carl)
    client.force_login(carl)
    bad = HEADER + "ann@example.com,C-1,pros,,,1500\nben@example.com,C-2,casual,,,15\n"
    response = client.post("/customers/import/", {"file": SimpleUploadedFile("crm.csv", bad.encode())})
    assert response.status_code == 400
    assert "you do not manage the segment “Casual”" in response.content.decode()
    assert not CustomerRecord.objects.exists()

    good = HEADER + "ann@example.com,C-1,pros,,,1500\n"
    response = client.post("/customers/import/", {"file": SimpleUploadedFile("crm.csv", good.encode())})
    assert response.status_code == 200 and "Import 1 customer" in response.content.decode()
    assert not CustomerRecord.objects.exists()  # a dry run first
    response = client.post("/customers/import/", {"csv_text": good, "source": "crm.csv", "confirm": "on"})
    assert response.status_code == 200 and "1 customer records created" in response.content.decode()
    assert CustomerRecord.objects.get().clv == Decimal("1500.00")

    latin = SimpleUploadedFile("crm.csv", "email\nrené@example.com\n".encode("latin-1"))
    response = client.post("/customers/import/", {"file": latin})
    assert response.status_code == 400 and "not UTF-8 text" in response.content.decode()


def test_confirmed_text_is_validated_again(client, crm, carl):
    """The confirm step re-validates the posted text with the poster's rights: no smuggling rows in."""
    crm["pros"].managers.add(carl)
    client.force_login(carl)
    forged = HEADER + "ben@example.com,C-2,casual,,,15\n"
    response = client.post("/customers/import/", {"csv_text": forged, "confirm": "on"})
    assert response.status_code == 400 and not CustomerRecord.objects.exists()
