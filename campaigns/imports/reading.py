"""Reading an uploaded CSV: size and row limits, encoding, delimiter, the phone/name/zone columns, a preview."""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field

from django.conf import settings

from campaigns.models import ImportJob

PREVIEW_ROWS = 10


PHONE_HEADERS = ("phone", "phone_number", "phonenumber", "mobile", "mobile_number", "msisdn", "telephone", "tel")


NAME_HEADERS = ("name", "full_name", "fullname", "customer_name", "contact_name", "customer", "contact")


ZONE_HEADERS = ("zone", "time_zone", "timezone", "tz")


class CsvRejected(Exception):
    """The whole file is unusable; the message says why, for the upload form."""


@dataclass(frozen=True)
class Columns:
    """What each CSV column holds: the phone, the name, the zone, or a custom field (by header)."""

    headers: tuple[str, ...]
    phone: int
    name: int | None
    zone: int | None
    custom: tuple[tuple[int, str], ...]

    def role(self, index: int) -> str:
        """How the preview labels column `index`."""
        if index == self.phone:
            return "Phone"
        if index == self.name:
            return "Name"
        if index == self.zone:
            return "Time zone"
        return "Custom field"


@dataclass
class Inspection:
    columns: Columns
    delimiter: str
    total_rows: int
    preview: list[tuple[int, list[str]]] = field(default_factory=list)


def _normalize_header(text: str) -> str:
    return re.sub(r"[\s\-./]+", "_", text.strip().lower()).strip("_")


def detect_columns(header: list[str]) -> Columns:
    """The role of each header cell; raises CsvRejected without a phone column or with a repeated header."""
    normalized = [_normalize_header(h) for h in header]

    def first_of(aliases: tuple[str, ...]) -> int | None:
        for alias in aliases:
            if alias in normalized:
                return normalized.index(alias)
        return None

    phone = first_of(PHONE_HEADERS)
    if phone is None:
        shown = ", ".join(f"'{h}'" for h in header[:8]) or "none"
        raise CsvRejected(f"No phone column: the header row must have a column named 'phone' (found {shown}).")
    name, zone = first_of(NAME_HEADERS), first_of(ZONE_HEADERS)
    custom, seen = [], {}
    for index, raw in enumerate(header):
        if index in (phone, name, zone):
            continue
        key = raw.strip() or f"column_{index + 1}"
        if key in seen:
            raise CsvRejected(f"The column '{key}' appears twice in the header row; give each column its own name.")
        seen[key] = index
        custom.append((index, key))
    return Columns(tuple(header), phone, name, zone, tuple(custom))


def decode_upload(data: bytes) -> str:
    if b"\x00" in data[:8192] or data[:4] in (b"PK\x03\x04", b"%PDF", b"\xd0\xcf\x11\xe0"):
        raise CsvRejected(
            "This is not a CSV file (it looks like a spreadsheet or other binary file). Save it as 'CSV UTF-8'."
        )
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise CsvRejected(
            f"The file is not UTF-8 text (line {line} has a byte UTF-8 does not allow). "
            "Save it as 'CSV UTF-8' and upload it again."
        ) from None


def detect_delimiter(text: str) -> str:
    first_line = text.split("\n", 1)[0]
    # A header with semicolons and no commas is a European Excel export.
    return ";" if first_line.count(";") > first_line.count(",") else ","


def csv_records(text: str, delimiter: str):
    """(row number, cells) of every non-blank record; row 1 is the header, as in a spreadsheet.

    Raises CsvRejected when the text is not parseable CSV.
    """
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    previous_line = 0
    try:
        for cells in reader:
            start = previous_line + 1
            previous_line = reader.line_num
            if not cells or all(not c.strip() for c in cells):
                continue
            yield start, cells
    except csv.Error as error:
        raise CsvRejected(f"Line {previous_line + 1} is not valid CSV: {error}.") from None


def inspect_csv(upload, *, name: str = "") -> Inspection:
    """Check an uploaded contact file and read its header, row count and first rows.

    Raises CsvRejected with a message for the user when the file is too large, not CSV, not UTF-8,
    empty, without a phone column or with more rows than allowed.
    """
    return inspect_upload(
        upload,
        name=name,
        max_bytes=settings.IMPORT_MAX_BYTES,
        max_rows=settings.IMPORT_MAX_ROWS,
        read_records=csv_records,
        rows_are="contacts",
    )


def inspect_upload(upload, *, name: str, max_bytes: int, max_rows: int, read_records, rows_are: str) -> Inspection:
    """The checks every CSV import makes before anything is stored: `read_records(text, delimiter)` yields
    (row number, cells), `rows_are` names the rows for the user ("contacts"). Raises CsvRejected as
    inspect_csv does."""
    if name and not name.lower().endswith((".csv", ".txt")):
        raise CsvRejected(f"'{name}' is not a CSV file: upload a .csv file (in Excel: Save As 'CSV UTF-8').")
    if upload.size is not None and upload.size > max_bytes:
        raise CsvRejected(f"The file is too large ({upload.size:,} bytes); the limit is {max_bytes:,} bytes.")
    upload.seek(0)
    data = upload.read()
    upload.seek(0)
    if not data.strip():
        raise CsvRejected("The file is empty.")
    text = decode_upload(data)
    delimiter = detect_delimiter(text)
    records = read_records(text, delimiter)
    first = next(records, None)
    if first is None:
        raise CsvRejected("The file is empty.")
    columns = detect_columns(first[1])
    preview, total = [], 0
    for row, cells in records:
        total += 1
        if len(preview) < PREVIEW_ROWS:
            preview.append((row, cells))
    if total == 0:
        raise CsvRejected(f"The file has a header row but no {rows_are}.")
    if total > max_rows:
        raise CsvRejected(f"The file has {total:,} rows; one import takes at most {max_rows:,}. Split the file.")
    return Inspection(columns, delimiter, total, preview)


def inspect_job_file(job: ImportJob) -> Inspection:
    """The stored file's inspection, for the preview page. Raises CsvRejected if it changed since upload."""
    with job.file.open("rb") as handle:
        return inspect_csv(handle, name="")
