"""The outcome catalog, provider mappings, call results and retry strategies."""

import re

from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models

from .catalog import CATEGORIES, CATEGORY_LABELS, HANDLINGS
from .durations import Delay, describe_delay

OUTCOME_CODE_RE = re.compile(r"^[a-z][a-z0-9_]*\.[a-z0-9_]+$")


class Unit(models.TextChoices):
    """The unit of a retry delay, one letter as the engine's `Delay` reads it."""

    SECONDS = "s", "seconds"
    MINUTES = "m", "minutes"
    HOURS = "h", "hours"
    DAYS = "d", "days"


class Outcome(models.Model):
    """A telephony outcome: what happened on the line, whatever the agent says afterwards."""

    # Built from the catalog's list, which the Django-free catalog loader and `simulate` read too; the
    # labels are the words screens show ("SIP", not "Sip").
    Category = models.TextChoices("Category", [(c.upper(), (c, CATEGORY_LABELS[c])) for c in CATEGORIES])

    code = models.CharField(max_length=100, unique=True, help_text="category.slug, e.g. mapped.network_down")
    name = models.CharField(max_length=200)
    category = models.CharField(max_length=20, choices=Category.choices, db_index=True)
    description = models.TextField(blank=True)
    is_connected = models.BooleanField("connected", default=False, help_text="Agent and customer talked.")
    is_final = models.BooleanField("final", default=False, help_text="The number must never be retried.")
    sip_code = models.PositiveSmallIntegerField("SIP code", null=True, blank=True)
    is_system = models.BooleanField(default=False, editable=False, help_text="Shipped with the product.")
    is_active = models.BooleanField("active", default=True)

    class Meta:
        ordering = ["category", "code"]

    def __str__(self):
        return f"{self.name} ({self.code})"

    def clean(self):
        code = (self.code or "").strip()
        if not code:
            raise ValidationError({"code": "Enter a code such as mapped.customer_network_down."})
        if not OUTCOME_CODE_RE.match(code):
            raise ValidationError({"code": "Use lower-case letters, digits and _ in the form category.slug."})
        if self.category and not code.startswith(f"{self.category}."):
            raise ValidationError({"code": f"A {self.category} outcome's code must start with '{self.category}.'."})
        if self.is_connected and self.is_final:
            raise ValidationError("A connected outcome cannot also be final: the call result decides.")


class ProviderMapping(models.Model):
    """Which raw provider status becomes which outcome."""

    class Provider(models.TextChoices):
        TWILIO = "twilio", "Twilio"
        OZONETEL = "ozonetel", "Ozonetel"
        SIP = "sip", "SIP response code"
        Q850 = "q850", "Q.850 cause"

    # The spelling the campaigns admin still uses.
    PROVIDER_CHOICES = Provider.choices

    provider = models.CharField(max_length=20, choices=Provider.choices, db_index=True)
    raw = models.CharField("raw value", max_length=100)
    outcome = models.ForeignKey(Outcome, on_delete=models.PROTECT, related_name="mappings")
    note = models.CharField(max_length=200, blank=True)
    is_system = models.BooleanField(default=False, editable=False)
    is_active = models.BooleanField("active", default=True)

    class Meta:
        ordering = ["provider", "raw"]
        constraints = [models.UniqueConstraint(fields=["provider", "raw"], name="unique_mapping_per_provider_raw")]

    def __str__(self):
        return f"{self.get_provider_display()} {self.raw} -> {self.outcome.code}"

    def clean(self):
        self.raw = (self.raw or "").strip()
        if not self.raw:
            raise ValidationError({"raw": "Enter the raw value the provider sends."})


class CallResult(models.Model):
    """A business outcome the agent picks in wrap-up, with how it is handled."""

    # Built from the catalog's list, which the Django-free catalog loader reads too.
    Handling = models.TextChoices("Handling", [(h.upper(), (h, h.capitalize())) for h in HANDLINGS])

    code = models.SlugField(max_length=50, unique=True)
    name = models.CharField(max_length=100)
    handling = models.CharField(max_length=10, choices=Handling.choices)
    description = models.TextField(blank=True)
    position = models.PositiveSmallIntegerField(default=0)
    is_system = models.BooleanField(default=False, editable=False)
    is_active = models.BooleanField("active", default=True)

    class Meta:
        ordering = ["position", "code"]

    def __str__(self):
        return self.name


class AutoClassification(models.Model):
    """The call result chosen automatically for a telephony outcome, shown to the agent as a notice."""

    outcome = models.OneToOneField(Outcome, on_delete=models.CASCADE, related_name="auto_classification")
    call_result = models.ForeignKey(CallResult, on_delete=models.PROTECT, related_name="auto_classifications")
    is_system = models.BooleanField(default=False, editable=False)

    class Meta:
        ordering = ["outcome__code"]

    def __str__(self):
        return f"{self.outcome.code} -> {self.call_result.code}"


class Strategy(models.Model):
    """A retry strategy: rules per telephony outcome, per call result, or an attempt ladder."""

    class Kind(models.TextChoices):
        TELEPHONY = "telephony", "Telephony outcome"
        BUSINESS = "business", "Business outcome"
        LADDER = "ladder", "Attempt ladder"

    # The spellings the campaigns app still uses.
    TELEPHONY, BUSINESS, LADDER = Kind.TELEPHONY, Kind.BUSINESS, Kind.LADDER

    name = models.CharField(max_length=120, unique=True)
    description = models.TextField(blank=True)
    kind = models.CharField("type", max_length=10, choices=Kind.choices)
    ladder_outcomes = models.ManyToManyField(
        Outcome,
        blank=True,
        related_name="ladder_strategies",
        help_text="Attempt ladder only: the telephony outcomes it retries.",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "strategies"

    def __str__(self):
        return self.name


class StrategyRule(models.Model):
    """`outcome (or call result) -> retry after amount unit` inside a telephony or business strategy."""

    strategy = models.ForeignKey(Strategy, on_delete=models.CASCADE, related_name="rules")
    outcome = models.ForeignKey(Outcome, on_delete=models.PROTECT, null=True, blank=True, related_name="rules")
    call_result = models.ForeignKey(CallResult, on_delete=models.PROTECT, null=True, blank=True, related_name="rules")
    amount = models.PositiveIntegerField("retry after", validators=[MinValueValidator(0)])
    unit = models.CharField(max_length=1, choices=Unit.choices, default=Unit.HOURS)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(outcome__isnull=False, call_result__isnull=True)
                    | models.Q(outcome__isnull=True, call_result__isnull=False)
                ),
                name="rule_has_outcome_xor_call_result",
            ),
            models.UniqueConstraint(fields=["strategy", "outcome"], name="unique_rule_per_outcome"),
            models.UniqueConstraint(fields=["strategy", "call_result"], name="unique_rule_per_call_result"),
        ]

    def __str__(self):
        key = self.outcome.code if self.outcome_id else self.call_result.code
        return f"{key} -> {self.amount}{self.unit}"

    @property
    def delay_text(self) -> str:
        return f"{self.amount}{self.unit}"

    @property
    def delay_label(self) -> str:
        """The delay for humans: "1 hour", "30 minutes"."""
        return describe_delay(Delay(self.amount, self.unit))


class LadderStep(models.Model):
    """The k-th retry of an attempt ladder; an empty amount means "No retry" and ends the ladder."""

    strategy = models.ForeignKey(Strategy, on_delete=models.CASCADE, related_name="ladder_steps")
    position = models.PositiveSmallIntegerField(validators=[MinValueValidator(1)])
    amount = models.PositiveIntegerField("retry after", null=True, blank=True, help_text="Empty: no retry.")
    unit = models.CharField(max_length=1, choices=Unit.choices, default=Unit.HOURS)

    class Meta:
        ordering = ["strategy", "position"]
        constraints = [models.UniqueConstraint(fields=["strategy", "position"], name="unique_ladder_position")]

    def __str__(self):
        return f"retry {self.position}: " + ("no retry" if self.amount is None else f"{self.amount}{self.unit}")

    @property
    def delay_label(self) -> str:
        """ "1 hour", "2 days"; empty for "No retry"."""
        return "" if self.amount is None else describe_delay(Delay(self.amount, self.unit))
