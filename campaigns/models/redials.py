"""Redial requests (callbacks) and the status transitions of their QuerySet."""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone

from .calendars import Campaign
from .contacts import Contact


class RedialRequestQuerySet(models.QuerySet):
    """The status transitions of redial requests, each one UPDATE of the rows in this queryset (filter it
    by the status it must still have: a count of 0 means another process moved the row first).
    Each returns the number of rows moved; `updated_at` is the wall clock of the write."""

    def claim(self, *, token, now, lease_expires_at) -> int:
        """scheduled -> claimed by one dispatcher, counting a dispatch attempt."""
        return self.update(
            status=RedialRequest.CLAIMED,
            claim_token=token,
            claimed_at=now,
            lease_expires_at=lease_expires_at,
            dispatch_attempts=F("dispatch_attempts") + 1,
            updated_at=timezone.now(),
        )

    def make_ready(self) -> int:
        """claimed -> ready for an agent (agent-first campaigns); a ready request has no lease to expire."""
        return self.update(status=RedialRequest.READY, lease_expires_at=None, updated_at=timezone.now())

    def start_dialing(self, *, lease_expires_at=None, **fields) -> int:
        """-> dialing: by the dialer under a lease, or in an agent's hands (no lease)."""
        return self.update(
            status=RedialRequest.DIALING, lease_expires_at=lease_expires_at, updated_at=timezone.now(), **fields
        )

    def release(self, *, undo_dispatch: bool = False, **fields) -> int:
        """Back to scheduled with the claim cleared (token, lease, claimed time); `undo_dispatch` takes back
        the dispatch attempt the claim counted. `fields` adds e.g. due_at or last_error."""
        return self._write(status=RedialRequest.SCHEDULED, undo_dispatch=undo_dispatch, **CLAIM_CLEARED, **fields)

    def close(self, status: str, reason: str, now, *, unclaim: bool = False, undo_dispatch: bool = False, **fields):
        """Close as `status` (done, cancelled, expired, failed) at `now` with `reason`; `unclaim` clears a
        claim the rows hold, `undo_dispatch` takes back the dispatch attempt it counted."""
        if unclaim:
            fields = {**CLAIM_CLEARED, **fields}
        return self._write(status=status, close_reason=reason, closed_at=now, undo_dispatch=undo_dispatch, **fields)

    def _write(self, *, undo_dispatch: bool = False, **fields) -> int:
        if undo_dispatch:
            fields["dispatch_attempts"] = F("dispatch_attempts") - 1
        return self.update(updated_at=timezone.now(), **fields)


# What a released or closed request no longer holds: the claim of a dispatcher.
CLAIM_CLEARED = {"claim_token": None, "lease_expires_at": None, "claimed_at": None}


class RedialRequest(models.Model):
    """A callback: the contact is called again at `due_at`, by its owner (personal) or anyone (common)."""

    class Status(models.TextChoices):
        SCHEDULED = "scheduled", "Scheduled"
        CLAIMED = "claimed", "Claimed"
        READY = "ready", "Ready for an agent"
        DIALING = "dialing", "Dialing"
        DONE = "done", "Done"
        CANCELLED = "cancelled", "Cancelled"
        EXPIRED = "expired", "Expired"
        FAILED = "failed", "Failed"

    class Source(models.TextChoices):
        AUTO = "auto", "Automatic retry"
        AGENT = "agent", "Agent redial"
        INSTANT = "instant", "Instant retry"
        SUPERVISOR = "supervisor", "Supervisor"
        LEAD = "lead", "Lead"

    # The spellings the rest of the app still uses.
    SCHEDULED, CLAIMED, READY, DIALING = Status.SCHEDULED, Status.CLAIMED, Status.READY, Status.DIALING
    DONE, CANCELLED, EXPIRED, FAILED = Status.DONE, Status.CANCELLED, Status.EXPIRED, Status.FAILED
    OPEN_STATUSES = (Status.SCHEDULED, Status.CLAIMED, Status.READY, Status.DIALING)
    SOURCE_AUTO, SOURCE_AGENT, SOURCE_INSTANT = Source.AUTO, Source.AGENT, Source.INSTANT
    SOURCE_SUPERVISOR, SOURCE_LEAD = Source.SUPERVISOR, Source.LEAD

    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="redial_requests")
    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="redial_requests")
    due_at = models.DateTimeField()
    source = models.CharField(max_length=10, choices=Source.choices, default=Source.AUTO)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="personal_redials",
        help_text="Empty: a common redial offered to any free agent.",
    )
    remarks = models.TextField(blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.SCHEDULED)
    explanation = models.TextField(blank=True)
    queue_opening_at = models.DateTimeField(
        null=True, blank=True, help_text="The opening this request was queued for when it arrived out of hours."
    )
    claim_token = models.UUIDField(null=True, blank=True)
    dial_key = models.UUIDField(
        null=True,
        blank=True,
        db_index=True,
        help_text="The hand-off's idempotency key: kept across re-claims until the dialer has answered.",
    )
    dialed_at = models.DateTimeField(
        null=True, blank=True, help_text="When the dialer accepted the call; the telephony result is due after it."
    )
    lease_expires_at = models.DateTimeField(null=True, blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    dispatch_attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.TextField(blank=True)
    provider_call_id = models.CharField(max_length=100, blank=True, db_index=True)
    close_reason = models.CharField(max_length=200, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = RedialRequestQuerySet.as_manager()

    class Meta:
        ordering = ["due_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["contact", "campaign"],
                condition=Q(status__in=["scheduled", "claimed", "ready", "dialing"]),
                name="one_open_redial_per_contact",
            ),
        ]
        indexes = [
            models.Index(fields=["due_at"], condition=Q(status="scheduled"), name="redial_due_scheduled"),
            models.Index(
                fields=["lease_expires_at"], condition=Q(status__in=["claimed", "dialing"]), name="redial_lease_open"
            ),
            # The out-of-hours queue of one opening (queue_lead): its last slot and length, from the index alone.
            models.Index(
                fields=["campaign", "queue_opening_at", "due_at"],
                condition=Q(queue_opening_at__isnull=False),
                name="redial_queue_opening",
            ),
            # The dialer-result deadline: accepted calls, oldest first.
            models.Index(fields=["dialed_at"], condition=Q(status="dialing"), name="redial_dialing_since"),
            # The dispatch claim, per active campaign: its earliest scheduled requests. A claimed row leaves
            # this index, so batch after batch the claim does not walk over the rows it already took.
            models.Index(
                fields=["campaign", "due_at"], condition=Q(status="scheduled"), name="redial_scheduled_campaign_due"
            ),
            models.Index(fields=["campaign", "status", "due_at"], name="redial_campaign_status_due"),
            models.Index(fields=["owner", "status", "due_at"], name="redial_owner_status_due"),
            # The callbacks screen: open requests in due order (keyset on due_at, id), and failed ones.
            models.Index(
                fields=["due_at", "id"],
                condition=Q(status__in=["scheduled", "claimed", "ready", "dialing"]),
                name="redial_open_due",
            ),
            models.Index(
                fields=["campaign", "due_at", "id"],
                condition=Q(status__in=["scheduled", "claimed", "ready", "dialing"]),
                name="redial_open_campaign_due",
            ),
            models.Index(fields=["-due_at", "-id"], condition=Q(status="failed"), name="redial_failed_due"),
            # The admin's list of every status in due order, and its date hierarchy's first and last due time.
            models.Index(fields=["due_at", "id"], name="redial_due"),
        ]

    def __str__(self):
        return f"Redial {self.contact_id} at {self.due_at:%Y-%m-%d %H:%M} ({self.status})"

    @property
    def is_personal(self) -> bool:
        return self.owner_id is not None

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN_STATUSES
