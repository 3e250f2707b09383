"""What arrives from outside: contact import jobs and raw telephony webhook events."""

from django.conf import settings
from django.db import models

from strategies.models import Outcome

from .calendars import Campaign
from .contacts import Attempt


class ImportJob(models.Model):
    """A CSV import of contacts, run by a Celery task so large files report progress."""

    class Mode(models.TextChoices):
        ALL_OR_NOTHING = "all_or_nothing", "All or nothing"
        SKIP_BAD_ROWS = "skip_bad_rows", "Skip bad rows"

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        RUNNING = "running", "Running"
        DONE = "done", "Done"
        FAILED = "failed", "Failed"

    class ListedHandling(models.TextChoices):
        """What the import does with a row whose number is on a do-not-call list (rule 8)."""

        SKIP = "skip", "Skip them"
        MARK = "mark", "Import them marked do not call"

    # The spellings the rest of the app still uses.
    ALL_OR_NOTHING, SKIP_BAD_ROWS = Mode.ALL_OR_NOTHING, Mode.SKIP_BAD_ROWS
    LISTED_SKIP, LISTED_MARK = ListedHandling.SKIP, ListedHandling.MARK
    LISTED_CHOICES = ListedHandling.choices
    MODE_CHOICES = Mode.choices
    PENDING, RUNNING, DONE, FAILED = Status.PENDING, Status.RUNNING, Status.DONE, Status.FAILED

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="import_jobs")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    file = models.FileField(upload_to="imports/%Y/%m/")
    original_name = models.CharField(max_length=255, blank=True)
    mode = models.CharField(max_length=16, choices=Mode.choices, default=Mode.ALL_OR_NOTHING)
    listed_handling = models.CharField(
        "numbers on a do-not-call list",
        max_length=4,
        choices=ListedHandling.choices,
        default=ListedHandling.SKIP,
    )
    listed_rows = models.PositiveIntegerField(default=0, help_text="Rows whose number is on a do-not-call list.")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    total_rows = models.PositiveIntegerField(default=0)
    processed_rows = models.PositiveIntegerField(default=0)
    imported_rows = models.PositiveIntegerField(default=0)
    error_count = models.PositiveIntegerField(default=0)
    errors = models.JSONField(default=list, blank=True, help_text="[{row, field, message}], the first ones.")
    message = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    confirmed_at = models.DateTimeField(
        null=True, blank=True, help_text="When the uploader confirmed the preview; empty: not queued yet."
    )
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    progress_at = models.DateTimeField(
        null=True, blank=True, help_text="When the running import last saved progress; a stale one means a dead worker."
    )

    class Meta:
        ordering = ["-created_at"]

    def __str__(self):
        return f"Import {self.original_name or self.pk} into {self.campaign_id} ({self.status})"


class WebhookEvent(models.Model):
    """Every provider callback, stored raw before it is processed, so nothing is lost."""

    class Status(models.TextChoices):
        RECEIVED = "received", "Received"
        PROCESSED = "processed", "Processed"
        DUPLICATE = "duplicate", "Duplicate"
        PROGRESS = "progress", "Progress only"
        UNMAPPED = "unmapped", "Unmapped status"
        UNMATCHED = "unmatched", "Unmatched call"
        REJECTED = "rejected", "Rejected"
        FAILED = "failed", "Failed"

    # The spellings the rest of the app still uses.
    RECEIVED, PROCESSED, DUPLICATE, PROGRESS = Status.RECEIVED, Status.PROCESSED, Status.DUPLICATE, Status.PROGRESS
    UNMAPPED, UNMATCHED, REJECTED, FAILED = Status.UNMAPPED, Status.UNMATCHED, Status.REJECTED, Status.FAILED

    provider = models.CharField(max_length=20, db_index=True)
    call_id = models.CharField(max_length=100, blank=True)
    sequence_number = models.IntegerField(null=True, blank=True)
    raw_status = models.CharField(max_length=100, blank=True)
    headers = models.JSONField(default=dict, blank=True)
    body = models.TextField(blank=True)
    content_type = models.CharField(max_length=100, blank=True)
    remote_addr = models.GenericIPAddressField(null=True, blank=True)
    received_at = models.DateTimeField(auto_now_add=True, db_index=True)
    processed_at = models.DateTimeField(null=True, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.RECEIVED, db_index=True)
    error = models.TextField(blank=True)
    outcome = models.ForeignKey(Outcome, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    attempt = models.ForeignKey(Attempt, on_delete=models.SET_NULL, null=True, blank=True, related_name="events")

    class Meta:
        ordering = ["-received_at", "-id"]
        indexes = [models.Index(fields=["provider", "call_id"], name="event_provider_call")]
        constraints = [
            # A provider's retry of a progress callback repeats its SequenceNumber: at most one copy counts as
            # progress, the others are stored as duplicates (campaigns.telephony.progress inserts ON CONFLICT).
            models.UniqueConstraint(
                fields=["provider", "call_id", "sequence_number"],
                condition=models.Q(status="progress"),
                name="event_one_progress_per_sequence",
            )
        ]

    def __str__(self):
        return f"{self.provider} {self.call_id} {self.raw_status} ({self.status})"
