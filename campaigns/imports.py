"""CSV import of contacts: inspect the upload, preview it, then import it in chunks from a Celery task.

The flow: `inspect_csv` refuses bad files before anything is stored (the upload form shows its
message); `create_import_job` keeps the file as a pending ImportJob; the uploader sees a preview and
`confirm_import` queues `campaigns.tasks.run_import` on commit; the task calls `run_import_job`,
which validates every row, reports bad rows by row number and field, and writes contacts with
one executemany per chunk, updating the job's counters after each chunk so the progress page moves.

All or nothing: every row is checked first (progress counts checked rows), and only when none is bad
are the contacts written, in one transaction. Skip bad rows: each chunk's good rows are written in
their own transaction as soon as the chunk is checked.

A worker killed mid-import leaves its job "running": `fail_stalled_imports` (a beat task) marks a job
failed once its progress has not moved for IMPORT_STALL_SECONDS. Each progress save and the final
write are conditional on the job still running, in the same transaction as the contacts they count,
so a swept job's counts are exactly what was committed, and a late worker cannot write behind it.
"""

from __future__ import annotations

import csv
import io
import logging
import re
import zoneinfo
from dataclasses import dataclass, field
from datetime import timedelta

import phonenumbers
from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import Q
from django.utils import timezone

from .campaign_services import forget_counts
from .models import Campaign, Contact, ImportJob

logger = logging.getLogger(__name__)

CHUNK_ROWS = 2_000
# Kept in ImportJob.errors for the report; error_count still counts every bad row.
MAX_STORED_ERRORS = 10_000
PREVIEW_ROWS = 10

PHONE_HEADERS = ("phone", "phone_number", "phonenumber", "mobile", "mobile_number", "msisdn", "telephone", "tel")
NAME_HEADERS = ("name", "full_name", "fullname", "customer_name", "contact_name", "customer", "contact")
ZONE_HEADERS = ("zone", "time_zone", "timezone", "tz")


def max_upload_bytes() -> int:
    return getattr(settings, "IMPORT_MAX_BYTES", 30 * 1024 * 1024)


def max_rows() -> int:
    return getattr(settings, "IMPORT_MAX_ROWS", 200_000)


def stall_seconds() -> float:
    return float(getattr(settings, "IMPORT_STALL_SECONDS", 300))


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


@dataclass(frozen=True)
class RowError:
    row: int
    field: str
    message: str

    def as_dict(self) -> dict:
        return {"row": self.row, "field": self.field, "message": self.message}


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


def _decode(data: bytes) -> str:
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


def _delimiter(text: str) -> str:
    first_line = text.split("\n", 1)[0]
    # A header with semicolons and no commas is a European Excel export.
    return ";" if first_line.count(";") > first_line.count(",") else ","


def _records(text: str, delimiter: str):
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
    """Check an uploaded file and read its header, row count and first rows.

    Raises CsvRejected with a message for the user when the file is too large, not CSV, not UTF-8,
    empty, without a phone column or with more rows than allowed.
    """
    if name and not name.lower().endswith((".csv", ".txt")):
        raise CsvRejected(f"'{name}' is not a CSV file: upload a .csv file (in Excel: Save As 'CSV UTF-8').")
    limit = max_upload_bytes()
    if upload.size is not None and upload.size > limit:
        raise CsvRejected(f"The file is too large ({upload.size:,} bytes); the limit is {limit:,} bytes.")
    upload.seek(0)
    data = upload.read()
    upload.seek(0)
    if not data.strip():
        raise CsvRejected("The file is empty.")
    text = _decode(data)
    delimiter = _delimiter(text)
    records = _records(text, delimiter)
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
        raise CsvRejected("The file has a header row but no contacts.")
    if total > max_rows():
        raise CsvRejected(f"The file has {total:,} rows; one import takes at most {max_rows():,}. Split the file.")
    return Inspection(columns, delimiter, total, preview)


def inspect_job_file(job: ImportJob) -> Inspection:
    """The stored file's inspection, for the preview page. Raises CsvRejected if it changed since upload."""
    with job.file.open("rb") as handle:
        return inspect_csv(handle, name="")


@transaction.atomic
def create_import_job(*, campaign: Campaign, upload, mode: str, by, inspection: Inspection) -> ImportJob:
    """Store an inspected upload as a pending job; nothing is imported until `confirm_import`."""
    upload.seek(0)
    job = ImportJob(
        campaign=campaign,
        created_by=by,
        original_name=(upload.name or "")[:255],
        mode=mode,
        total_rows=inspection.total_rows,
    )
    job.file.save(f"campaign-{campaign.pk}.csv", upload, save=False)
    job.save()
    return job


def confirm_import(job: ImportJob) -> bool:
    """Queue the import once the preview is confirmed; False when it was already confirmed (a double
    click), in which case nothing more is queued."""
    from .tasks import run_import

    with transaction.atomic():
        confirmed = ImportJob.objects.filter(pk=job.pk, confirmed_at__isnull=True, status=ImportJob.PENDING).update(
            confirmed_at=timezone.now()
        )
        if confirmed:
            transaction.on_commit(lambda: run_import.delay(job.pk))
    job.refresh_from_db()
    return bool(confirmed)


# --- Row checks ----------------------------------------------------------------------------------


def normalize_phone(raw: str) -> tuple[str | None, str | None]:
    """(E.164 number, None) or (None, message). "00" prefixes and spaces, dots, dashes, brackets are fine."""
    text = raw.strip()
    if not text:
        return None, "The phone number is missing."
    compact = re.sub(r"[\s().\-]", "", text)
    if compact.startswith("00"):
        compact = "+" + compact[2:]
    if not compact.startswith("+"):
        return None, f"'{text}' has no country code: write it as +<country code><number>, e.g. +442079460000."
    try:
        number = phonenumbers.parse(compact, None)
    except phonenumbers.NumberParseException:
        return None, f"'{text}' is not a phone number."
    if not phonenumbers.is_valid_number(number):
        return None, f"'{text}' is not a valid phone number."
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164), None


@dataclass(frozen=True)
class GoodRow:
    row: int
    phone: str
    name: str
    zone: str
    custom_fields: dict


class RowChecker:
    """Checks one row at a time and remembers the phones seen earlier in the file."""

    def __init__(self, campaign: Campaign, columns: Columns):
        from .services import derive_contact_zone

        self.campaign = campaign
        self.columns = columns
        self.width = len(columns.headers)
        self.first_row_of_phone: dict[str, int] = {}
        self.zones = set(zoneinfo.available_timezones())
        self._derive_zone = derive_contact_zone

    def derive_zone(self, phone: str) -> str:
        # Not cached by prefix: phonenumbers decides a number's zone from its type (mobile, fixed line)
        # as well as its prefix, so a prefix cache could give a neighbour's zone.
        return self._derive_zone(phone, self.campaign.zone)

    def check(self, row: int, cells: list[str]) -> tuple[GoodRow | None, list[RowError]]:
        columns = self.columns
        if len(cells) > self.width and any(c.strip() for c in cells[self.width :]):
            return None, [
                RowError(row, "row", f"The row has {len(cells)} values but the header has {self.width} columns.")
            ]
        cells = cells + [""] * (self.width - len(cells))
        errors = []
        phone, message = normalize_phone(cells[columns.phone])
        if message:
            errors.append(RowError(row, "phone", message))
        name = cells[columns.name].strip() if columns.name is not None else ""
        if len(name) > 200:
            errors.append(RowError(row, "name", f"The name has {len(name)} characters; at most 200 fit."))
        zone = cells[columns.zone].strip() if columns.zone is not None else ""
        if zone and zone not in self.zones:
            errors.append(RowError(row, "zone", f"'{zone}' is not a known IANA time zone (e.g. Europe/London)."))
        if phone:
            first = self.first_row_of_phone.get(phone)
            if first is not None:
                errors.append(RowError(row, "phone", f"{phone} is already on row {first} of this file."))
            else:
                self.first_row_of_phone[phone] = row
        if errors:
            return None, errors
        if not zone:
            zone = self.derive_zone(phone)
        custom = {key: cells[index].strip() for index, key in columns.custom if cells[index].strip()}
        return GoodRow(row, phone, name, zone, custom), []


def _existing_phones(campaign: Campaign, phones: list[str]) -> set[str]:
    return set(Contact.objects.filter(campaign=campaign, phone__in=phones).values_list("phone", flat=True))


VARYING_FIELDS = ("name", "phone", "zone", "custom_fields")


def insert_contacts(campaign: Campaign, rows: list[GoodRow]) -> None:
    """Insert checked rows as pending contacts of the campaign, one executemany per call.

    Not bulk_create: Django prepares every value of every row field by field, about 250 µs a row
    (bench/import_contacts.py), while here only four fields differ between rows. The other fields'
    values come from one model instance, through each field's own pre_save and get_db_prep_save, so
    defaults and auto_now stamps are what the ORM would write.
    """
    if not rows:
        return
    template = Contact(campaign=campaign, status=Contact.PENDING)
    fields = [f for f in Contact._meta.concrete_fields if not f.primary_key]
    constant = {
        f.attname: f.get_db_prep_save(f.pre_save(template, add=True), connection)
        for f in fields
        if f.name not in VARYING_FIELDS
    }
    json_field = Contact._meta.get_field("custom_fields")
    quote = connection.ops.quote_name
    columns = [f.column for f in fields]
    # Table and column names come from the model, quoted by the backend; values go as parameters.
    sql = (
        f"INSERT INTO {quote(Contact._meta.db_table)} ({', '.join(quote(c) for c in columns)}) "  # noqa: S608
        f"VALUES ({', '.join(['%s'] * len(columns))})"
    )

    def values(row: GoodRow) -> tuple:
        varying = {
            "name": row.name,
            "phone": row.phone,
            "zone": row.zone,
            "custom_fields": json_field.get_db_prep_save(row.custom_fields, connection),
        }
        return tuple(varying[f.name] if f.name in VARYING_FIELDS else constant[f.attname] for f in fields)

    with connection.cursor() as cursor:
        cursor.executemany(sql, [values(row) for row in rows])


class _Run:
    """The counters of one running job, written to its row after every chunk."""

    def __init__(self, job: ImportJob):
        self.job = job
        self.processed = 0
        self.imported = 0
        self.error_count = 0
        self.errors: list[dict] = []

    def add_errors(self, errors: list[RowError]) -> None:
        bad_rows = {e.row for e in errors}
        self.error_count += len(bad_rows)
        room = MAX_STORED_ERRORS - len(self.errors)
        if room > 0:
            self.errors.extend(e.as_dict() for e in errors[:room])

    def _update(self, **extra) -> bool:
        # Only while the job is still running: once the stall sweep has failed it, this run's writes stop.
        return bool(
            ImportJob.objects.filter(pk=self.job.pk, status=ImportJob.RUNNING).update(
                processed_rows=self.processed,
                imported_rows=self.imported,
                error_count=self.error_count,
                progress_at=timezone.now(),
                **extra,
            )
        )

    def save_progress(self, **extra) -> None:
        """Raises ImportStopped when the job is no longer running (the stall sweep failed it)."""
        if not self._update(**extra):
            raise ImportStopped

    def finish(self, status: str, message: str) -> bool:
        """Write the outcome; False when the job was no longer running, and nothing was written."""
        self.errors.sort(key=lambda e: (e["row"], e["field"]))
        finished = self._update(status=status, message=message, errors=self.errors, finished_at=timezone.now())
        if finished and self.imported:
            # The manager looks at the campaign's counts right after an import: no minute-old cache then.
            # On commit: inside the all-or-nothing transaction a reader could otherwise re-cache old counts.
            campaign = self.job.campaign
            transaction.on_commit(lambda: forget_counts(campaign))
        return finished


class ImportStopped(Exception):
    """The job stopped being "running" under this run (the stall sweep failed it): stop and write nothing."""


def _chunks(records, size: int):
    chunk = []
    for record in records:
        chunk.append(record)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _check_chunk(checker: RowChecker, campaign: Campaign, chunk) -> tuple[list[GoodRow], list[RowError]]:
    good, errors = [], []
    for row, cells in chunk:
        checked, row_errors = checker.check(row, cells)
        if checked:
            good.append(checked)
        errors.extend(row_errors)
    taken = _existing_phones(campaign, [g.phone for g in good])
    if taken:
        errors.extend(_taken_errors(good, taken))
        good = [g for g in good if g.phone not in taken]
    errors.sort(key=lambda e: e.row)
    return good, errors


def _taken_errors(rows: list[GoodRow], taken: set[str]) -> list[RowError]:
    message = "{} is already a contact in this campaign."
    return [RowError(g.row, "phone", message.format(g.phone)) for g in rows if g.phone in taken]


@dataclass
class PreviewCheck:
    """The row checks of the preview rows only: `errors` maps a row number to its RowErrors."""

    checked: int
    errors: dict[int, list[RowError]]

    @property
    def bad_rows(self) -> int:
        return len(self.errors)


def check_preview(campaign: Campaign, inspection: Inspection) -> PreviewCheck:
    """Run the import's own row checks on the rows the preview shows, not on the whole file: the page
    must stay quick for a 100,000-row file. A number repeated later in the file is not seen here."""
    checker = RowChecker(campaign, inspection.columns)
    _good, errors = _check_chunk(checker, campaign, inspection.preview)
    by_row: dict[int, list[RowError]] = {}
    for error in errors:
        by_row.setdefault(error.row, []).append(error)
    return PreviewCheck(len(inspection.preview), by_row)


def _insert_skipping_taken(campaign: Campaign, good: list[GoodRow], run: _Run) -> int:
    """Write one chunk's good rows; a number added meanwhile by someone else becomes an error row."""
    try:
        with transaction.atomic():
            insert_contacts(campaign, good)
        return len(good)
    except IntegrityError:
        taken = _existing_phones(campaign, [g.phone for g in good])
        run.add_errors(_taken_errors(good, taken))
        rest = [g for g in good if g.phone not in taken]
        with transaction.atomic():
            insert_contacts(campaign, rest)
        return len(rest)


def run_import_job(job_id: int) -> ImportJob | None:
    """Import a confirmed job's file. Returns the finished job, or None when the job is missing,
    unconfirmed or already taken by another run (a duplicate delivery of the task)."""
    now = timezone.now()
    claimed = ImportJob.objects.filter(pk=job_id, status=ImportJob.PENDING, confirmed_at__isnull=False).update(
        status=ImportJob.RUNNING, started_at=now, progress_at=now, message="Checking rows"
    )
    if not claimed:
        return None
    job = ImportJob.objects.select_related("campaign").get(pk=job_id)
    run = _Run(job)
    keep_all = job.mode == ImportJob.ALL_OR_NOTHING
    try:
        _run(job, run)
    except ImportStopped:
        logger.warning("Import job %s was failed by the stall sweep while still running; stopped", job_id)
    except CsvRejected as error:
        run.finish(ImportJob.FAILED, f"Nothing was imported: {error}")
    except Exception:
        logger.exception("Import job %s failed", job_id)
        if keep_all:
            run.imported = 0
        run.finish(
            ImportJob.FAILED,
            "The import stopped on an unexpected error"
            + (" and nothing was imported." if keep_all else f" after {run.imported:,} contacts.")
            + " The error was logged; try again or contact support.",
        )
    job.refresh_from_db()
    return job


def _run(job: ImportJob, run: _Run) -> None:
    campaign = job.campaign
    with job.file.open("rb") as handle:
        text = _decode(handle.read())
    delimiter = _delimiter(text)
    records = _records(text, delimiter)
    header = next(records, None)
    if header is None:
        raise CsvRejected("The file is empty.")
    checker = RowChecker(campaign, detect_columns(header[1]))
    keep_all = job.mode == ImportJob.ALL_OR_NOTHING
    pending: list[GoodRow] = []
    for chunk in _chunks(records, CHUNK_ROWS):
        good, errors = _check_chunk(checker, campaign, chunk)
        run.add_errors(errors)
        run.processed += len(chunk)
        if keep_all:
            pending.extend(good)
            run.save_progress(total_rows=max(job.total_rows, run.processed))
            continue
        # The chunk's contacts and the count that reports them commit together (or not at all when the
        # job was swept meanwhile), so imported_rows is always what the campaign holds.
        with transaction.atomic():
            if good:
                run.imported += _insert_skipping_taken(campaign, good, run)
            run.save_progress(total_rows=max(job.total_rows, run.processed))

    if not keep_all:
        message = f"Imported {run.imported:,} contacts"
        message += f"; skipped {run.error_count:,} bad rows." if run.error_count else "."
        run.finish(ImportJob.DONE, message)
        return
    if run.error_count:
        run.finish(
            ImportJob.FAILED,
            f"Nothing was imported: {run.error_count:,} rows have errors. Fix them and import the file again.",
        )
        return
    run.save_progress(message=f"Saving {len(pending):,} contacts")
    try:
        with transaction.atomic():
            for start in range(0, len(pending), CHUNK_ROWS):
                insert_contacts(campaign, pending[start : start + CHUNK_ROWS])
            run.imported = len(pending)
            # "Done" commits with the contacts: swept meanwhile, the job stays failed and they roll back.
            if not run.finish(ImportJob.DONE, f"Imported {run.imported:,} contacts."):
                raise ImportStopped
    except IntegrityError:
        # Someone added one of these numbers between the check and the write: the transaction is gone.
        taken = set()
        for start in range(0, len(pending), CHUNK_ROWS):
            taken |= _existing_phones(campaign, [g.phone for g in pending[start : start + CHUNK_ROWS]])
        run.add_errors(_taken_errors(pending, taken))
        run.imported = 0
        run.finish(ImportJob.FAILED, "Nothing was imported: some numbers were added to the campaign meanwhile.")


# --- Stalled jobs --------------------------------------------------------------------------------


def _stalled(cutoff) -> Q:
    # progress_at is empty for jobs started before it existed: their start time stands in.
    return Q(status=ImportJob.RUNNING) & (
        Q(progress_at__lt=cutoff) | Q(progress_at__isnull=True, started_at__lt=cutoff)
    )


def stalled_message(job: ImportJob) -> str:
    """What the progress page says about a job whose worker stopped, from its last saved counts."""
    stopped = f"The import stopped (the worker was restarted) after {job.processed_rows:,} of {job.total_rows:,} rows"
    if job.mode == ImportJob.ALL_OR_NOTHING or not job.imported_rows:
        # All or nothing writes only in its final transaction, which a dead worker never committed.
        done = "nothing was imported"
    else:
        done = f"{job.imported_rows:,} rows were imported"
    if job.mode == ImportJob.ALL_OR_NOTHING:
        return f"{stopped}; {done}. Import the file again."
    return (
        f"{stopped}; {done}, run the file again with skip-bad-rows to add the rest "
        "(rows already imported are reported as duplicates)."
    )


def fail_stalled_imports(now=None) -> list[int]:
    """Fail every running job whose progress has not moved for IMPORT_STALL_SECONDS; returns their ids
    (empty when none). A job that saves progress meanwhile no longer matches the conditional update and
    is left running; a job already failed is not touched again."""
    now = now or timezone.now()
    cutoff = now - timedelta(seconds=stall_seconds())
    failed = []
    for job in ImportJob.objects.filter(_stalled(cutoff)).select_related("campaign"):
        updated = ImportJob.objects.filter(_stalled(cutoff), pk=job.pk).update(
            status=ImportJob.FAILED, message=stalled_message(job), finished_at=now
        )
        if updated:
            failed.append(job.pk)
            logger.warning("Import job %s had no progress since %s; marked failed", job.pk, job.progress_at)
            if job.imported_rows:
                forget_counts(job.campaign)
    return failed


# --- Reports -------------------------------------------------------------------------------------


def job_status(job: ImportJob) -> dict:
    """The JSON the progress page polls."""
    total = job.total_rows or 0
    percent = (
        100
        if job.status in (ImportJob.DONE, ImportJob.FAILED)
        else (min(100, int(job.processed_rows * 100 / total)) if total else 0)
    )
    return {
        "id": job.pk,
        "status": job.status,
        "status_display": job.get_status_display(),
        "confirmed": job.confirmed_at is not None,
        "total_rows": total,
        "processed_rows": job.processed_rows,
        "imported_rows": job.imported_rows,
        "error_count": job.error_count,
        "percent": percent,
        "message": job.message,
        "finished": job.status in (ImportJob.DONE, ImportJob.FAILED),
    }


def write_error_report(job: ImportJob, out) -> None:
    """The job's row errors as CSV (row, field, message) into the text stream `out`."""
    writer = csv.writer(out)
    writer.writerow(["row", "field", "message"])
    for error in job.errors:
        writer.writerow([error.get("row"), error.get("field"), error.get("message")])
