"""CSV exports that a spreadsheet opens safely: the one place that knows about formula injection.

Excel, LibreOffice and Google Sheets run a cell as a formula when it starts with = + - or @ (and, after
they trim, a tab or carriage return), so text a member wrote such as `=HYPERLINK(...)` could run on a
staff member's machine. Every text cell that starts with one of those gets a leading apostrophe, which the
spreadsheet shows as plain text (OWASP "CSV Injection"). Numbers, dates and None are written as they are:
they cannot hold a formula, and quoting them would turn a negative number into text.
"""

import csv

from django.http import HttpResponse

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_safe(value):
    """The cell as a spreadsheet should read it: text that would start a formula is quoted."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


class SafeCSVWriter:
    """`csv.writer` that passes every cell through `spreadsheet_safe` (headers included)."""

    def __init__(self, stream, **fmtparams):
        self._writer = csv.writer(stream, **fmtparams)

    def writerow(self, row):
        return self._writer.writerow([spreadsheet_safe(cell) for cell in row])

    def writerows(self, rows):
        for row in rows:
            self.writerow(row)


def csv_download(filename: str) -> tuple[HttpResponse, SafeCSVWriter]:
    """A response that downloads as `filename`, and the only writer a view should write it with."""
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response, SafeCSVWriter(response)
