"""Contacts, their attempts and the leads that brought them."""

from django.conf import settings
from django.db import models
from django.db.models import Q

from strategies.models import CallResult, Outcome

from .calendars import Campaign, validate_e164, validate_zone


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


class LeadSubmission(models.Model):
    """One lead posted to the intake API; the client's idempotency key makes a double post one lead."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="lead_submissions")
    idempotency_key = models.CharField(max_length=100)
    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="lead_submissions")
    redial_request = models.ForeignKey(
        "RedialRequest", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
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
