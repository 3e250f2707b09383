"""Compliance: attempt rules with their change log, and do-not-call lists with their entries."""

import builtins

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone

from strategies import engine
from strategies.durations import Delay

from .calendars import (
    MAX_RULE_WINDOW_DAYS,
    Campaign,
)
from .intake import ImportJob


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
