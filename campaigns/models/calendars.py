"""Calendars: dial plans, campaigns, their business hours, holidays and connect-rate tables, and shared validators."""

import zoneinfo

import phonenumbers
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q

from retryadmin.lib import outbound
from strategies import limits
from strategies.models import Strategy, Unit


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
