"""Campaigns, their calendars, contacts, attempts and redial requests.

Instants are stored in UTC; every campaign and contact keeps an IANA zone name, and the scheduling
engine in `strategies.engine` reads local wall-clock time through it.
"""

import builtins
import zoneinfo

import phonenumbers
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils import timezone

from retryadmin.lib import outbound
from strategies import engine, limits
from strategies.durations import Delay
from strategies.models import CallResult, Outcome, Strategy, Unit


class Weekday(models.IntegerChoices):
    """Python's numbering: Monday is 0."""

    MONDAY = 0, "Monday"
    TUESDAY = 1, "Tuesday"
    WEDNESDAY = 2, "Wednesday"
    THURSDAY = 3, "Thursday"
    FRIDAY = 4, "Friday"
    SATURDAY = 5, "Saturday"
    SUNDAY = 6, "Sunday"


WEEKDAY_CHOICES = Weekday.choices
MINUTES_IN_DAY = 24 * 60
# PRODUCT.md rule 10: the repeat band is at most 11 hours either side.
MAX_AVOID_REPEAT_HOURS = 11
MAX_RULE_WINDOW_DAYS = 366


def validate_zone(value: str) -> None:
    try:
        zoneinfo.ZoneInfo(value)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError, TypeError):
        raise ValidationError(f"'{value}' is not a known IANA time zone (e.g. Europe/London).") from None


def validate_e164(value: str) -> None:
    try:
        number = phonenumbers.parse(value, None)
    except phonenumbers.NumberParseException:
        raise ValidationError(f"'{value}' is not a phone number in E.164 form (e.g. +442079460000).") from None
    if (
        not phonenumbers.is_valid_number(number)
        or phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164) != value
    ):
        raise ValidationError(f"'{value}' is not a valid phone number in E.164 form (e.g. +442079460000).")


def minutes_to_hhmm(minutes: int | None) -> str:
    if minutes is None:
        return ""
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


class DialPlan(models.Model):
    """Which telephony strategy and which business strategy a campaign follows."""

    name = models.CharField(max_length=120, unique=True)
    telephony_strategy = models.ForeignKey(
        Strategy,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="telephony_dial_plans",
        limit_choices_to={"kind__in": [Strategy.Kind.TELEPHONY, Strategy.Kind.LADDER]},
        help_text="Decides retries when agent and customer did not connect.",
    )
    business_strategy = models.ForeignKey(
        Strategy,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="business_dial_plans",
        limit_choices_to={"kind": Strategy.Kind.BUSINESS},
        help_text="Decides retries after a connected call, from the agent's call result.",
    )

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name

    def clean(self):
        if self.telephony_strategy_id and self.telephony_strategy.kind == Strategy.Kind.BUSINESS:
            raise ValidationError({"telephony_strategy": "Choose a telephony-outcome or attempt-ladder strategy."})
        if self.business_strategy_id and self.business_strategy.kind != Strategy.Kind.BUSINESS:
            raise ValidationError({"business_strategy": "Choose a business-outcome strategy."})


class Campaign(models.Model):
    class Status(models.TextChoices):
        ACTIVE = "active", "Active"
        PAUSED = "paused", "Paused"
        ENDED = "ended", "Ended"

    class DialingMode(models.TextChoices):
        AGENT_FIRST = "agent_first", "Agent first"
        AUTO_DIAL = "auto_dial", "Auto-dial"

    class DialerBackend(models.TextChoices):
        LOG = "log", "Log only (demo)"
        WEBHOOK = "webhook", "Webhook"

    # The spellings the rest of the app still uses.
    ACTIVE, PAUSED, ENDED = Status.ACTIVE, Status.PAUSED, Status.ENDED
    AGENT_FIRST, AUTO_DIAL = DialingMode.AGENT_FIRST, DialingMode.AUTO_DIAL
    DIALER_LOG, DIALER_WEBHOOK = DialerBackend.LOG, DialerBackend.WEBHOOK

    name = models.CharField(max_length=120, unique=True)
    zone = models.CharField("time zone", max_length=64, default="UTC", validators=[validate_zone])
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.ACTIVE, db_index=True)
    starts_at = models.DateTimeField("start", null=True, blank=True)
    ends_at = models.DateTimeField("end", null=True, blank=True)
    max_attempts = models.PositiveSmallIntegerField(default=5, validators=[MinValueValidator(1)])
    daily_attempts = models.PositiveSmallIntegerField(
        null=True, blank=True, validators=[MinValueValidator(1)], help_text="Empty: no daily limit."
    )
    dialing_mode = models.CharField(max_length=12, choices=DialingMode.choices, default=DialingMode.AGENT_FIRST)
    dial_plan = models.ForeignKey(DialPlan, on_delete=models.PROTECT, null=True, blank=True, related_name="campaigns")
    contact_window_start = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        validators=[MaxValueValidator(MINUTES_IN_DAY - 1)],
        help_text="Minutes after local midnight, read in the contact's own zone.",
    )
    contact_window_end = models.PositiveSmallIntegerField(
        null=True, blank=True, validators=[MinValueValidator(1), MaxValueValidator(MINUTES_IN_DAY)]
    )
    redial_delay_amount = models.PositiveIntegerField("redial delay", default=30)
    redial_delay_unit = models.CharField(max_length=1, choices=Unit.choices, default=Unit.MINUTES)
    short_call_seconds = models.PositiveIntegerField("short-call threshold (s)", default=0)
    opening_delay_minutes = models.PositiveIntegerField("opening delay (min)", default=0)
    queue_spacing_seconds = models.PositiveIntegerField(
        "queue spacing (s)", default=0, help_text="Time between calls queued for the same opening."
    )
    acw_timeout_seconds = models.PositiveIntegerField("after-call-work timeout (s)", default=120)
    requires_end_wrap_up = models.BooleanField(
        "agent presses End Wrap-Up", default=False, help_text="Off: choosing a call result ends wrap-up."
    )
    personal_redial_grace_minutes = models.PositiveIntegerField(
        "personal redial grace (min)", default=30, help_text="0 keeps personal redials personal."
    )
    dialer_backend = models.CharField(max_length=10, choices=DialerBackend.choices, default=DialerBackend.LOG)
    dialer_url = models.URLField(blank=True)
    dialer_secret = models.CharField(max_length=128, blank=True)
    lead_api_key = models.CharField(max_length=64, blank=True, db_index=True)
    avoid_repeat_hours = models.PositiveSmallIntegerField(
        "repeat band (h)",
        default=0,
        db_default=0,
        validators=[MaxValueValidator(MAX_AVOID_REPEAT_HOURS)],
        help_text="After an unanswered call at 11:17, avoid this many hours either side of 11:17 for the next one. "
        "0 = off, at most 11.",
    )
    best_time_enabled = models.BooleanField(
        "best time to call",
        default=False,
        db_default=False,
        help_text="Move a retry later, to an hour when this campaign's contacts answer more often.",
    )
    best_time_max_shift_hours = models.PositiveSmallIntegerField(
        "best time: latest move (h)",
        default=6,
        db_default=6,
        validators=[MinValueValidator(1), MaxValueValidator(limits.MAX_BEST_TIME_SHIFT_HOURS)],
        help_text="A retry moves at most this many hours later than its rule says; 24 = the same hour tomorrow.",
    )
    best_time_min_gain_percent = models.PositiveSmallIntegerField(
        "best time: least gain (%)",
        default=30,
        db_default=30,
        validators=[MaxValueValidator(limits.MAX_BEST_TIME_GAIN_PERCENT)],
        help_text="Move only when contacts answer at least this much more often then (30 = 30% higher).",
    )
    best_time_capacity_per_hour = models.PositiveIntegerField(
        "best time: calls per hour",
        default=60,
        db_default=60,
        validators=[MinValueValidator(1), MaxValueValidator(limits.MAX_BEST_TIME_CAPACITY_PER_HOUR)],
        help_text="The campaign's capacity: no 15-minute slot gets more moved retries than a quarter of this.",
    )
    dispatch_blocked_reason = models.TextField(
        blank=True, help_text="Why the scheduler could not handle this campaign's calls; empty: it can."
    )
    dispatch_blocked_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        permissions = [("view_report", "Can view call reports")]

    def __str__(self):
        return self.name

    def clean(self):
        errors = {}
        if (self.contact_window_start is None) != (self.contact_window_end is None):
            errors["contact_window_end"] = "Give both ends of the contact window, or neither."
        elif self.contact_window_start is not None and self.contact_window_end <= self.contact_window_start:
            errors["contact_window_end"] = "The contact window must end after it starts."
        if self.starts_at and self.ends_at and self.ends_at <= self.starts_at:
            errors["ends_at"] = "The campaign must end after it starts."
        if self.daily_attempts and self.max_attempts and self.daily_attempts > self.max_attempts:
            errors["daily_attempts"] = "Daily attempts cannot exceed the maximum attempts."
        errors.update(self._limit_errors())
        if (
            self.dialing_mode == self.DialingMode.AUTO_DIAL
            and self.dialer_backend == self.DialerBackend.WEBHOOK
            and not self.dialer_url
        ):
            errors["dialer_url"] = "A webhook dialer needs the dialer's URL."
        elif self.dialer_url:
            try:
                outbound.check_url(self.dialer_url)
            except outbound.OutboundURLRefused as refusal:
                errors["dialer_url"] = str(refusal)
        if errors:
            raise ValidationError(errors)

    def _limit_errors(self) -> dict[str, str]:
        """{field: message} for every setting past what the scheduling engine accepts (strategies.limits)."""
        errors = {}
        for name, (largest, what) in limits.CAMPAIGN_LIMITS.items():
            value = getattr(self, name)
            if value is not None and value > largest:
                label = self._meta.get_field(name).verbose_name
                errors[name] = f"The {label} may be at most {largest:,} {what}."
        amount, unit = self.redial_delay_amount, self.redial_delay_unit
        if amount is not None and limits.delay_too_long(amount, unit):
            errors["redial_delay_amount"] = f"The redial delay may be at most {limits.MAX_DELAY_TEXT}."
        return errors


class ConnectRateTable(models.Model):
    """A campaign's learned connect rate by the contact's local hour of the week (best time to call),
    recomputed by beat: `cells` holds 168 [rate, attempts, connects], Monday 00:00 first."""

    campaign = models.OneToOneField(Campaign, on_delete=models.CASCADE, related_name="connect_rate_table")
    cells = models.JSONField(default=list)
    base_rate = models.FloatField(default=0.0)
    computed_at = models.DateTimeField()

    def __str__(self):
        return f"Connect rates of {self.campaign}"


class BusinessHourWindow(models.Model):
    """One window of a weekday's business hours, local to the campaign; end exclusive, 1440 = 24:00."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="business_hours")
    weekday = models.PositiveSmallIntegerField(choices=Weekday.choices)
    start_minute = models.PositiveSmallIntegerField(validators=[MaxValueValidator(MINUTES_IN_DAY - 1)])
    end_minute = models.PositiveSmallIntegerField(validators=[MinValueValidator(1), MaxValueValidator(MINUTES_IN_DAY)])

    class Meta:
        ordering = ["campaign", "weekday", "start_minute"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_minute__gt=models.F("start_minute")), name="window_ends_after_start"
            ),
        ]

    def __str__(self):
        return f"{self.get_weekday_display()} {minutes_to_hhmm(self.start_minute)}-{minutes_to_hhmm(self.end_minute)}"

    def clean(self):
        if self.start_minute is not None and self.end_minute is not None and self.end_minute <= self.start_minute:
            raise ValidationError({"end_minute": "The window must end after it starts."})


class Holiday(models.Model):
    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="holidays")
    date = models.DateField()
    name = models.CharField(max_length=100, blank=True)

    class Meta:
        ordering = ["campaign", "date"]
        constraints = [models.UniqueConstraint(fields=["campaign", "date"], name="unique_holiday_per_campaign")]

    def __str__(self):
        return f"{self.date} {self.name}".strip()


class Contact(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        SCHEDULED = "scheduled", "Scheduled"
        # Called before, nothing planned now (its callback was cancelled): open to a new redial by hand.
        IDLE = "idle", "Not scheduled"
        IN_CALL = "in_call", "In call"
        WRAP_UP = "wrap_up", "Wrap-up"
        DONE = "done", "Done"
        EXHAUSTED = "exhausted", "Exhausted"
        DO_NOT_CALL = "do_not_call", "Do not call"

    # The spellings the rest of the app still uses.
    PENDING, SCHEDULED, IDLE = Status.PENDING, Status.SCHEDULED, Status.IDLE
    IN_CALL, WRAP_UP = Status.IN_CALL, Status.WRAP_UP
    DONE, EXHAUSTED, DO_NOT_CALL = Status.DONE, Status.EXHAUSTED, Status.DO_NOT_CALL
    STATUS_CHOICES = Status.choices
    OPEN_STATUSES = (Status.PENDING, Status.SCHEDULED, Status.IDLE, Status.IN_CALL, Status.WRAP_UP)

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="contacts")
    name = models.CharField(max_length=200, blank=True)
    phone = models.CharField(max_length=20, validators=[validate_e164], help_text="E.164, e.g. +442079460000")
    zone = models.CharField(
        "time zone",
        max_length=64,
        blank=True,
        validators=[validate_zone],
        help_text="Empty: derived from the number when it has one zone, else the campaign's.",
    )
    custom_fields = models.JSONField(default=dict, blank=True)
    notes = models.TextField(blank=True)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.PENDING)
    status_reason = models.CharField(max_length=40, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["id"]
        constraints = [models.UniqueConstraint(fields=["campaign", "phone"], name="unique_phone_per_campaign")]
        indexes = [
            models.Index(fields=["campaign", "status"], name="contact_campaign_status"),
            models.Index(fields=["phone"], name="contact_phone"),
        ]

    def __str__(self):
        return f"{self.name or 'Contact'} {self.phone}"

    @property
    def effective_zone(self) -> str:
        return self.zone or self.campaign.zone


class Attempt(models.Model):
    """One call to a contact: history, never edited once the call and its wrap-up are over."""

    class Source(models.TextChoices):
        AUTO = "auto", "Auto"
        MANUAL = "manual", "Manual"
        CALLBACK = "callback", "Callback"
        LEAD = "lead", "Lead"

    # The spellings the rest of the app still uses.
    SOURCE_AUTO, SOURCE_MANUAL, SOURCE_CALLBACK, SOURCE_LEAD = Source.AUTO, Source.MANUAL, Source.CALLBACK, Source.LEAD
    SOURCE_CHOICES = Source.choices

    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="attempts")
    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="attempts")
    number = models.PositiveSmallIntegerField(help_text="1-based count of this contact's attempts in the campaign.")
    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="attempts"
    )
    started_at = models.DateTimeField()
    ended_at = models.DateTimeField(null=True, blank=True)
    duration_seconds = models.PositiveIntegerField(null=True, blank=True)
    outcome = models.ForeignKey(Outcome, on_delete=models.PROTECT, related_name="attempts")
    call_result = models.ForeignKey(
        CallResult, on_delete=models.PROTECT, null=True, blank=True, related_name="attempts"
    )
    # The number dialled, copied from the contact when the attempt is saved: attempt rules with scope "number"
    # count this number's attempts across campaigns through the (phone, started_at) index.
    phone = models.CharField(max_length=20, blank=True, default="", db_default="")
    provider = models.CharField(max_length=20, blank=True)
    provider_call_id = models.CharField(max_length=100, blank=True)
    source = models.CharField(max_length=10, choices=Source.choices, default=Source.AUTO)
    redial_request = models.ForeignKey(
        "RedialRequest", on_delete=models.SET_NULL, null=True, blank=True, related_name="attempts"
    )
    decision_reason = models.CharField(max_length=30, blank=True)
    decision_explanation = models.TextField(blank=True)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    wrap_up_ended_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-started_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["provider", "provider_call_id"],
                condition=~Q(provider_call_id=""),
                name="unique_provider_call_id",
            ),
            models.UniqueConstraint(fields=["contact", "campaign", "number"], name="unique_attempt_number"),
        ]
        indexes = [
            models.Index(fields=["campaign", "-started_at"], name="attempt_campaign_started"),
            models.Index(fields=["contact", "started_at"], name="attempt_contact_started"),
            models.Index(fields=["agent", "-started_at"], name="attempt_agent_started"),
            # Attempt rules per number: one query per dispatch batch reads these phones' recent attempts.
            models.Index(fields=["phone", "started_at"], name="attempt_phone_started"),
            # The call report: newest first, its filters and summary read from the index alone.
            models.Index(
                fields=["-started_at", "-id"],
                include=["campaign", "outcome", "agent", "call_result", "source", "duration_seconds"],
                name="attempt_started_report",
            ),
            models.Index(
                fields=["campaign", "-started_at", "-id"],
                include=["outcome", "agent", "call_result", "source", "duration_seconds"],
                name="attempt_campaign_report",
            ),
            # The admin's search by call id, whatever the provider (the unique constraint leads with the provider).
            models.Index(fields=["provider_call_id"], condition=~Q(provider_call_id=""), name="attempt_provider_call"),
        ]

    def __str__(self):
        return f"Attempt {self.number} to {self.contact_id} at {self.started_at:%Y-%m-%d %H:%M}"

    def save(self, *args, **kwargs):
        if not self.phone and self.contact_id:
            self.phone = self.contact.phone
        super().save(*args, **kwargs)

    @property
    def is_connected(self) -> bool:
        return self.outcome.is_connected


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

    def __str__(self):
        return f"{self.provider} {self.call_id} {self.raw_status} ({self.status})"


class LeadSubmission(models.Model):
    """One lead posted to the intake API; the client's idempotency key makes a double post one lead."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="lead_submissions")
    idempotency_key = models.CharField(max_length=100)
    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="lead_submissions")
    redial_request = models.ForeignKey(
        RedialRequest, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    payload = models.JSONField(default=dict)
    received_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["received_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["campaign", "idempotency_key"], name="unique_lead_key_per_campaign")
        ]

    def __str__(self):
        return f"Lead {self.idempotency_key} for {self.campaign_id}"


class AttemptRule(models.Model):
    """PRODUCT.md rule 9: at most `max_attempts` counted attempts within a rolling window. A rule with a
    campaign is that campaign's own; a rule without one is an organisation-wide required rule, applied to
    every campaign, which no campaign can remove."""

    COUNT_CHOICES = [
        (engine.COUNT_ALL, "All attempts"),
        (engine.COUNT_CONNECTED, "Connected calls"),
        (engine.COUNT_OUTCOMES, "Attempts with given outcomes"),
    ]
    SCOPE_CHOICES = [
        (engine.SCOPE_CONTACT, "This contact in this campaign"),
        (engine.SCOPE_NUMBER, "This phone number in any campaign"),
    ]
    WITHIN_UNIT_CHOICES = [("h", "hours"), ("d", "days")]

    campaign = models.ForeignKey(
        Campaign, on_delete=models.CASCADE, null=True, blank=True, related_name="attempt_rules"
    )
    name = models.CharField(max_length=120, blank=True, help_text="Shown in explanations; empty: described.")
    max_attempts = models.PositiveSmallIntegerField("at most", validators=[MinValueValidator(1)])
    within_amount = models.PositiveIntegerField("within", validators=[MinValueValidator(1)])
    within_unit = models.CharField(max_length=1, choices=WITHIN_UNIT_CHOICES, default="d")
    count = models.CharField(max_length=10, choices=COUNT_CHOICES, default=engine.COUNT_ALL)
    outcome_codes = models.JSONField(default=list, blank=True, help_text="Outcome codes counted by 'given outcomes'.")
    scope = models.CharField(max_length=10, choices=SCOPE_CHOICES, default=engine.SCOPE_CONTACT)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["campaign_id", "id"]
        indexes = [models.Index(fields=["campaign", "id"], name="attempt_rule_campaign")]
        permissions = [("manage_required_rules", "Can change the organisation's required attempt rules")]

    def __str__(self):
        return self.to_engine().label

    @property
    def is_required(self) -> bool:
        return self.campaign_id is None

    def to_engine(self) -> engine.AttemptRule:
        """The rule as the engine reads it; raises ValueError when the row is not a valid rule."""
        return engine.AttemptRule(
            self.name,
            self.max_attempts,
            Delay(self.within_amount, self.within_unit),
            self.count,
            frozenset(self.outcome_codes or ()) if self.count == engine.COUNT_OUTCOMES else frozenset(),
            self.scope,
        )

    def snapshot(self) -> dict:
        """The rule's settings as the change log keeps them."""
        return {
            "name": self.name,
            "max_attempts": self.max_attempts,
            "within": f"{self.within_amount}{self.within_unit}",
            "count": self.count,
            "outcomes": sorted(self.outcome_codes or []) if self.count == engine.COUNT_OUTCOMES else [],
            "scope": self.scope,
        }

    def clean(self):
        errors = {}
        if self.count == engine.COUNT_OUTCOMES and not self.outcome_codes:
            errors["outcome_codes"] = "Counting given outcomes needs at least one outcome."
        hours = (self.within_amount or 0) * (24 if self.within_unit == "d" else 1)
        if hours > MAX_RULE_WINDOW_DAYS * 24:
            # Every call loads the number's history over the longest window: keep it to a year.
            errors["within_amount"] = f"The window can be at most {MAX_RULE_WINDOW_DAYS} days."
        if errors:
            raise ValidationError(errors)


class AttemptRuleChange(models.Model):
    """One change to an attempt rule: who, when, and the rule's settings before and after (None when it was
    added or removed). Kept when the rule is deleted; a campaign's log goes with the campaign."""

    ADDED, CHANGED, REMOVED = "added", "changed", "removed"
    ACTION_CHOICES = [(ADDED, "Added"), (CHANGED, "Changed"), (REMOVED, "Removed")]

    rule = models.ForeignKey(AttemptRule, on_delete=models.SET_NULL, null=True, blank=True, related_name="changes")
    campaign = models.ForeignKey(
        Campaign, on_delete=models.CASCADE, null=True, blank=True, related_name="attempt_rule_changes"
    )
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    changed_at = models.DateTimeField(default=timezone.now)
    action = models.CharField(max_length=10, choices=ACTION_CHOICES)
    before = models.JSONField(null=True, blank=True)
    after = models.JSONField(null=True, blank=True)

    class Meta:
        ordering = ["-changed_at", "-id"]
        indexes = [models.Index(fields=["campaign", "-changed_at"], name="attempt_rule_change_campaign")]

    def __str__(self):
        return f"{self.get_action_display()} {self.changed_at:%Y-%m-%d %H:%M}"


class SchedulingConfigVersion(models.Model):
    """One row (id 1) whose token changes whenever the configuration the scheduling engine reads changes: the
    outcome catalog, call results, strategies with their rules, ladder steps and ladder outcomes, and campaigns'
    business hours and holidays.

    Database triggers (migration 0005) set a new random token on every insert, update, delete or truncate of
    those tables, in the writer's own transaction, so the token commits (or rolls back) together with the change,
    whatever made it: a form, the admin, `bulk_create`, `QuerySet.update()`, a data migration or psql. Processes
    cache that configuration under the token (`campaigns.scheduling`) and read the token with the contact's lock.
    A random token, not a counter: a rolled-back bump must never come back as the token of another state.
    """

    SINGLETON_ID = 1

    token = models.CharField(max_length=32)

    class Meta:
        verbose_name = "scheduling configuration version"

    def __str__(self):
        return self.token


class DoNotCallList(models.Model):
    """Rule 8: the organisation's do-not-call list (campaign empty; there is exactly one) or a campaign's own.

    A campaign's numbers are checked against both the organisation list and its own."""

    campaign = models.OneToOneField(
        Campaign, on_delete=models.CASCADE, null=True, blank=True, related_name="do_not_call_list"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["campaign__name"]
        verbose_name = "do-not-call list"
        constraints = [
            # NULLs are distinct in a unique index, so the organisation list's uniqueness needs its own one.
            models.UniqueConstraint(
                models.Value(1), condition=Q(campaign__isnull=True), name="one_organisation_dnc_list"
            ),
        ]

    def __str__(self):
        return f"Do-not-call list of {self.campaign.name}" if self.campaign_id else "Organisation do-not-call list"

    @property
    def is_organisation(self) -> bool:
        return self.campaign_id is None


class DoNotCallEntry(models.Model):
    """One number on a do-not-call list, with where it came from; removing it leaves a DoNotCallRemoval."""

    class Source(models.TextChoices):
        IMPORT = "import", "Import"
        AGENT = "agent", "Agent call result"
        API = "api", "API"
        SUPERVISOR = "supervisor", "Supervisor"

    list = models.ForeignKey(DoNotCallList, on_delete=models.CASCADE, related_name="entries")
    phone = models.CharField(max_length=20, help_text="E.164, e.g. +442079460000")
    source = models.CharField(max_length=10, choices=Source.choices)
    reason = models.CharField(max_length=200, blank=True)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    added_at = models.DateTimeField()
    expires_on = models.DateField(
        null=True, blank=True, help_text="Listed up to and including this date; empty: listed until removed."
    )

    class Meta:
        ordering = ["-added_at", "-id"]
        verbose_name = "do-not-call entry"
        verbose_name_plural = "do-not-call entries"
        constraints = [
            # Number first: the same index answers "is this number on list A or B" and "where is it listed".
            models.UniqueConstraint(fields=["phone", "list"], name="unique_dnc_number_per_list"),
        ]
        indexes = [models.Index(fields=["list", "source"], name="dnc_entry_list_source")]

    def __str__(self):
        return self.phone


class DoNotCallRemoval(models.Model):
    """A number taken off a do-not-call list: who, when and why, with what the entry said."""

    list = models.ForeignKey(DoNotCallList, on_delete=models.CASCADE, related_name="removals")
    phone = models.CharField(max_length=20)
    source = models.CharField(max_length=10, choices=DoNotCallEntry.Source.choices)
    reason = models.CharField(max_length=200, blank=True)
    added_at = models.DateTimeField()
    removed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    removed_at = models.DateTimeField()
    why = models.CharField(max_length=200)

    class Meta:
        ordering = ["-removed_at", "-id"]
        indexes = [models.Index(fields=["list", "phone"], name="dnc_removal_list_phone")]

    def __str__(self):
        return f"{self.phone} removed {self.removed_at:%Y-%m-%d}"


class DoNotCallImport(models.Model):
    """A CSV import of numbers into a do-not-call list, run by a Celery task; statuses as ImportJob's."""

    PENDING, RUNNING, DONE, FAILED = ImportJob.PENDING, ImportJob.RUNNING, ImportJob.DONE, ImportJob.FAILED

    list = models.ForeignKey(DoNotCallList, on_delete=models.CASCADE, related_name="imports")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    file = models.FileField(upload_to="dnc-imports/%Y/%m/")
    original_name = models.CharField(max_length=255, blank=True)
    reason = models.CharField(max_length=200, blank=True, help_text="Given to every number the file adds.")
    expires_on = models.DateField(null=True, blank=True)
    status = models.CharField(max_length=10, choices=ImportJob.Status.choices, default=PENDING)
    total_rows = models.PositiveIntegerField(default=0)
    processed_rows = models.PositiveIntegerField(default=0)
    imported_rows = models.PositiveIntegerField(default=0)
    already_listed = models.PositiveIntegerField(default=0)
    error_count = models.PositiveIntegerField(default=0)
    errors = models.JSONField(default=builtins.list, blank=True, help_text="[{row, field, message}], the first ones.")
    message = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    progress_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self):
        return f"Do-not-call import {self.original_name or self.pk} ({self.status})"
