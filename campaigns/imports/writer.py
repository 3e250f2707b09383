"""Writing checked rows as contacts, a chunk at a time, and keeping count of the errors."""

from __future__ import annotations

from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from campaigns.imports.checks import GoodRow, RowError, existing_phones, taken_errors
from campaigns.models import Campaign, Contact, ImportJob
from campaigns.queries.counts import forget_counts
from campaigns.services import do_not_call

# Kept in ImportJob.errors for the report; error_count still counts every bad row.
MAX_STORED_ERRORS = 10_000


VARYING_FIELDS = ("name", "phone", "zone", "custom_fields")


def insert_contacts(
    campaign: Campaign, rows: list[GoodRow], *, status: str = Contact.PENDING, status_reason: str = ""
) -> None:
    """Insert checked rows as contacts of the campaign (pending unless `status` says otherwise), one
    executemany per call.

    Not bulk_create: Django prepares every value of every row field by field, about 250 µs a row
    (bench/import_contacts.py), while here only four fields differ between rows. The other fields'
    values come from one model instance, through each field's own pre_save and get_db_prep_save, so
    defaults and auto_now stamps are what the ORM would write.
    """
    if not rows:
        return
    template = Contact(campaign=campaign, status=status, status_reason=status_reason)
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
        self.listed = 0
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
                listed_rows=self.listed,
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


def split_listed(
    campaign: Campaign, good: list[GoodRow], job: ImportJob, run: _Run
) -> tuple[list[GoodRow], list[GoodRow]]:
    """(rows to import as usual, rows to import marked do not call) of one checked chunk: rows whose number
    is on a do-not-call list (rule 8, one query) are counted, then skipped or marked as the job says."""
    listed = do_not_call.listed_phones(campaign.pk, [g.phone for g in good])
    if not listed:
        return good, []
    run.listed += sum(1 for g in good if g.phone in listed)
    usual = [g for g in good if g.phone not in listed]
    marked = [g for g in good if g.phone in listed] if job.listed_handling == ImportJob.LISTED_MARK else []
    return usual, marked


def insert_marked(campaign: Campaign, rows: list[GoodRow]) -> None:
    insert_contacts(campaign, rows, status=Contact.DO_NOT_CALL, status_reason=do_not_call.REASON_DO_NOT_CALL)


def insert_skipping_taken(campaign: Campaign, good: list[GoodRow], run: _Run, marked: list[GoodRow] = ()) -> int:
    """Write one chunk's good rows (and its listed rows marked do not call); a number added meanwhile by
    someone else becomes an error row."""
    try:
        with transaction.atomic():
            insert_contacts(campaign, good)
            insert_marked(campaign, list(marked))
        return len(good) + len(marked)
    except IntegrityError:
        everything = [*good, *marked]
        taken = existing_phones(campaign, [g.phone for g in everything])
        run.add_errors(taken_errors(everything, taken))
        rest = [g for g in good if g.phone not in taken]
        rest_marked = [g for g in marked if g.phone not in taken]
        with transaction.atomic():
            insert_contacts(campaign, rest)
            insert_marked(campaign, rest_marked)
        return len(rest) + len(rest_marked)
