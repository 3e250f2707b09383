"""Forms of the attempt rule editors (a campaign's rules and the organisation's required rules). They parse
and validate; `campaigns.services.attempt_rules` saves and records."""

from django import forms

from campaigns.models import MAX_AVOID_REPEAT_HOURS, AttemptRule
from campaigns.services.attempt_rules import RULE_FIELDS, RuleChange
from strategies.engine import ATTEMPT_RULE_PRESETS, COUNT_OUTCOMES
from strategies.models import Outcome


class AttemptRuleForm(forms.ModelForm):
    """One attempt rule: "at most N attempts within P", what it counts, and whose attempts."""

    outcome_codes = forms.MultipleChoiceField(
        label="Outcomes counted",
        required=False,
        choices=(),
        widget=forms.SelectMultiple(attrs={"size": 3}),
        help_text="Only for 'Attempts with given outcomes'.",
    )

    class Meta:
        model = AttemptRule
        fields = list(RULE_FIELDS)
        widgets = {
            "name": forms.TextInput(attrs={"placeholder": "e.g. US Regulation F: 7 calls in 7 days"}),
            "max_attempts": forms.NumberInput(attrs={"min": 1}),
            "within_amount": forms.NumberInput(attrs={"min": 1}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["outcome_codes"].choices = [
            (code, f"{name} ({code})") for code, name in Outcome.objects.order_by("code").values_list("code", "name")
        ]
        for name in ("within_unit", "count", "scope", "outcome_codes"):
            self.fields[name].widget.attrs["class"] = "form-select form-select-sm"

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("count") == COUNT_OUTCOMES and not cleaned.get("outcome_codes"):
            self.add_error("outcome_codes", "Counting given outcomes needs at least one outcome.")
        return cleaned

    def _post_clean(self):
        # The service validates the whole row (and the campaign) when it saves; the form checks fields only.
        pass


class BaseAttemptRuleFormSet(forms.BaseModelFormSet):
    def changes(self) -> list[RuleChange]:
        """What the editor asks for, as the service's RuleChange values; call after is_valid()."""
        changes = []
        for form in self.forms:
            rule = form.instance if form.instance.pk else None
            if self._should_delete_form(form):
                if rule is not None:
                    changes.append(RuleChange(rule, None))
                continue
            if not form.cleaned_data or (rule is None and not form.has_changed()):
                continue
            if rule is not None and not form.has_changed():
                continue
            changes.append(RuleChange(rule, {name: form.cleaned_data.get(name) for name in RULE_FIELDS}))
        return changes


AttemptRuleFormSet = forms.modelformset_factory(
    AttemptRule,
    form=AttemptRuleForm,
    formset=BaseAttemptRuleFormSet,
    extra=0,
    can_delete=True,
    max_num=50,
    validate_max=True,
)


def rule_formset(data=None, *, campaign=None, required=False, prefix="rules"):
    """The editor of a campaign's own rules, or (required=True) of the organisation's required rules."""
    queryset = AttemptRule.objects.filter(campaign__isnull=True) if required else AttemptRule.objects.none()
    if campaign is not None and campaign.pk:
        queryset = AttemptRule.objects.filter(campaign=campaign)
    return AttemptRuleFormSet(data, queryset=queryset.order_by("id"), prefix=prefix)


class AvoidRepeatForm(forms.Form):
    avoid_repeat_hours = forms.IntegerField(
        label="Repeat band (h)",
        min_value=0,
        max_value=MAX_AVOID_REPEAT_HOURS,
        help_text="After an unanswered call at 11:17, avoid this many hours either side of 11:17 for the next "
        "one. 0 = off, at most 11.",
    )


def presets() -> list[tuple[str, object]]:
    """(slug, engine rule) of every preset, for the one-click buttons."""
    return list(ATTEMPT_RULE_PRESETS.items())
