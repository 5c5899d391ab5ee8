"""One CSV-safety rule (cocreate.spreadsheets), and every CSV export goes through it."""

import csv
import io
import re
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from cocreate.spreadsheets import SafeCSVWriter, csv_download, spreadsheet_safe

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("text", ["=1+1", "+1", "-2+3", "@SUM(A1)", "\t=1", "\r=1", '=HYPERLINK("x")'])
def test_text_that_would_start_a_formula_is_quoted(text):
    assert spreadsheet_safe(text) == "'" + text


@pytest.mark.parametrize(
    "value", ["plain", "", "a=b", " 1", 3, -3, Decimal("-1.5"), 0.5, None, date(2026, 1, 2)]
)
def test_everything_else_is_written_as_it_is(value):
    assert spreadsheet_safe(value) == value


def test_the_writer_quotes_every_cell_headers_included():
    out = io.StringIO()
    writer = SafeCSVWriter(out)
    writer.writerow(["=title", "n"])
    writer.writerows([["@x", -4], ["ok", Decimal("2.50")]])
    assert list(csv.reader(io.StringIO(out.getvalue()))) == [["'=title", "n"], ["'@x", "-4"], ["ok", "2.50"]]


def test_the_download_is_an_attachment():
    response, writer = csv_download("report.csv")
    writer.writerow(["=x"])
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="report.csv"'
    assert response.content.decode() == "'=x\r\n"


def test_no_other_module_writes_csv_itself():
    """A new export that calls csv.writer directly would skip the quoting: use csv_download instead."""
    writers = re.compile(r"csv\.(writer|DictWriter)\(")
    offenders = [
        str(path.relative_to(ROOT))
        for path in ROOT.glob("*/**/*.py")
        if path.parts[len(ROOT.parts)] not in {"tests", ".venv", "bench"}
        and path.name != "spreadsheets.py"
        and writers.search(path.read_text(encoding="utf-8"))
    ]
    assert offenders == []
