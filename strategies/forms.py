"""Forms of the strategy screens and of the strategy admin.

The supervisor screens and the Django admin share `StrategyForm`, `RuleForm`/`BaseRuleFormSet` and
`LadderStepForm`/`BaseLadderStepFormSet`, whose checks live in `strategies.services` (`check_*`).
"""

from datetime import date, time

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Column, Div, Layout, Row
from django import forms
from django.core.exceptions import ValidationError
from django.db.models.functions import Lower
from django.forms import BaseInlineFormSet, inlineformset_factory

from . import services
from .durations import Delay
from .engine import ATTEMPT_RULE_PRESETS, StrategySpec
from .models import CallResult, LadderStep, Outcome, Strategy, StrategyRule, Unit
from .services import PREVIEW_ROWS, PreviewSample

CATEGORY_LABELS = dict(Outcome.Category.choices)
DELAY_ERRORS = {
    "required": "Enter how long to wait before the retry, e.g. 2 (hours).",
    "invalid": "Enter a whole number.",
    "min_value": "Enter a delay of 0 or more.",
}


MAX_DB_ID = 2**63 - 1


def looks_like_db_id(value) -> bool:
    """Whether `value` can be a primary key; SQLite raises OverflowError on a larger number instead of finding
    nothing, so the fields below refuse it before querying."""
    text = str(value).strip()
    return text.isdigit() and 0 < int(text) <= MAX_DB_ID


class SafeModelChoiceField(forms.ModelChoiceField):
    def to_python(self, value):
        is_key = value not in self.empty_values and not isinstance(value, self.queryset.model)
        if is_key and not looks_like_db_id(value):
            raise ValidationError(self.error_messages["invalid_choice"], code="invalid_choice")
        return super().to_python(value)


class SafeModelMultipleChoiceField(forms.ModelMultipleChoiceField):
    def _check_values(self, value):
        for item in value:
            if not looks_like_db_id(item):
                raise ValidationError(
                    self.error_messages["invalid_choice"], code="invalid_choice", params={"value": item}
                )
        return super()._check_values(value)


def safe_id_fields(form: forms.Form) -> None:
    """Swap the model choice fields of a form (the formset's own `id` field included) for the safe ones."""
    for name, field in list(form.fields.items()):
        if type(field) is forms.ModelChoiceField:
            safe = SafeModelChoiceField(
                field.queryset,
                required=field.required,
                widget=field.widget,
                label=field.label,
                initial=field.initial,
                help_text=field.help_text,
                to_field_name=field.to_field_name,
                empty_label=field.empty_label,
            )
            safe.choices = field.choices
            form.fields[name] = safe
        elif type(field) is forms.ModelMultipleChoiceField:
            safe = SafeModelMultipleChoiceField(
                field.queryset,
                required=field.required,
                widget=field.widget,
                label=field.label,
                help_text=field.help_text,
            )
            safe.choices = field.choices
            form.fields[name] = safe


def style_fields(form: forms.Form, size: str = "sm") -> None:
    """Bootstrap classes on widgets of a form the templates render field by field (not through crispy)."""
    for field in form.fields.values():
        widget = field.widget
        if isinstance(widget, forms.CheckboxSelectMultiple | forms.CheckboxInput | forms.HiddenInput):
            continue
        base = "form-select" if isinstance(widget, forms.Select) else "form-control"
        widget.attrs["class"] = f"{base} {base}-{size}"


def outcome_label(outcome: Outcome) -> str:
    suffix = " (final: never retried)" if outcome.is_final else " (connected)" if outcome.is_connected else ""
    # The list is grouped by category: the name says which outcome, without the internal code.
    return f"{outcome.name}{suffix}"


def grouped_outcome_choices(outcomes=None, blank: str | None = "Choose an outcome…") -> list:
    """<optgroup>s per category (platform, ozonetel, twilio, sip, mapped) of the active outcomes."""
    outcomes = outcomes if outcomes is not None else Outcome.objects.filter(is_active=True).order_by(Lower("name"))
    groups: dict[str, list] = {category: [] for category in CATEGORY_LABELS}
    for outcome in outcomes:
        groups.setdefault(outcome.category, []).append((outcome.pk, outcome_label(outcome)))
    choices = [("", blank)] if blank is not None else []
    choices += [(CATEGORY_LABELS.get(cat, cat), items) for cat, items in groups.items() if items]
    return choices


def call_result_choices(results=None, blank: str | None = "Choose a call result…") -> list:
    results = results if results is not None else CallResult.objects.filter(is_active=True)
    choices = [("", blank)] if blank is not None else []
    for result in results:
        suffix = "" if result.handling == CallResult.Handling.RETRY else f" ({result.get_handling_display().lower()})"
        choices.append((result.pk, f"{result.name}{suffix}"))
    return choices


class StrategyForm(forms.ModelForm):
    """Name, description, type and (ladder only) the outcomes the ladder retries."""

    class Meta:
        model = Strategy
        fields = ["name", "description", "kind", "ladder_outcomes"]
        widgets = {
            "description": forms.Textarea(attrs={"rows": 2}),
            "ladder_outcomes": forms.SelectMultiple(attrs={"size": 8}),
        }
        labels = {"ladder_outcomes": "Outcomes the ladder retries"}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # The admin leaves fields out of a read-only form (a persona with view permission only).
        if "kind" in self.fields:
            self.fields["kind"].choices = Strategy.Kind.choices
        if "ladder_outcomes" in self.fields:
            self.fields["ladder_outcomes"].queryset = Outcome.objects.order_by(Lower("name"))
            self.fields["ladder_outcomes"].choices = grouped_outcome_choices(blank=None)
            self.fields["ladder_outcomes"].help_text = "Attempt ladder only. Hold Ctrl (⌘ on a Mac) to pick several."
        safe_id_fields(self)
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.disable_csrf = True
        self.helper.layout = Layout(
            Row(Column("name", css_class="col-md-7"), Column("kind", css_class="col-md-5")),
            "description",
            Div("ladder_outcomes", css_class="kind-section", data_kinds="ladder"),
        )

    def clean_name(self):
        name = (self.cleaned_data.get("name") or "").strip()
        if not name:
            raise ValidationError("Give the strategy a name.")
        return name

    def clean(self):
        cleaned = super().clean()
        kind = cleaned.get("kind")
        if kind:
            try:
                services.check_kind_change(self.instance, kind)
            except ValidationError as exc:
                self.add_error(None, exc)
        if kind == Strategy.Kind.LADDER:
            outcomes = list(cleaned.get("ladder_outcomes") or [])
            if not outcomes and "ladder_outcomes" not in self.errors:
                self.add_error("ladder_outcomes", "Choose at least one outcome the ladder retries.")
            for outcome in outcomes:
                try:
                    services.check_rule_outcome(outcome)
                except ValidationError as exc:
                    self.add_error("ladder_outcomes", exc.message_dict["outcome"])
        return cleaned


class RuleForm(forms.ModelForm):
    """One rule: an outcome (telephony) or a call result (business), then the delay."""

    class Meta:
        model = StrategyRule
        fields = ["outcome", "call_result", "amount", "unit"]
        labels = {"amount": "Retry after"}
        widgets = {"amount": forms.NumberInput(attrs={"min": 0, "step": 1})}

    def __init__(self, *args, outcome_choices=None, result_choices=None, kind="", drop_other_key=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.kind = kind
        self.drop_other_key = drop_other_key
        # Read-only admin forms (view permission only) have none of these fields.
        if "amount" in self.fields:
            amount = forms.IntegerField(label="Retry after", min_value=0, error_messages=DELAY_ERRORS)
            amount.widget.attrs.update({"min": 0, "step": 1, "class": "form-control"})
            self.fields["amount"] = amount
        if "unit" in self.fields:
            self.fields["unit"].choices = Unit.choices
        if outcome_choices is not None and "outcome" in self.fields:
            self.fields["outcome"].choices = outcome_choices
        if result_choices is not None and "call_result" in self.fields:
            self.fields["call_result"].choices = result_choices
        style_fields(self)

    def clean(self):
        """The key fits the strategy's type and may be retried, and the delay fits the engine. Runs before the
        model's own checks, so a key of the wrong type gets this message instead of a constraint's."""
        cleaned = super().clean()
        key_field = services.RULE_KEY_FIELDS.get(self.kind)
        if key_field is None:
            return cleaned
        if self.drop_other_key:
            cleaned["call_result" if key_field == "outcome" else "outcome"] = None
        if "outcome" in self.errors or "call_result" in self.errors:
            return cleaned
        try:
            services.check_rule_key(self.kind, cleaned.get("outcome"), cleaned.get("call_result"))
        except ValidationError as exc:
            self.add_error(None, exc)
        if cleaned.get("amount") is not None:
            try:
                services.check_delay(cleaned["amount"], cleaned.get("unit") or Unit.HOURS)
            except ValidationError as exc:
                self.add_error(None, exc)
        return cleaned


class _StrategyPartsFormSet(BaseInlineFormSet):
    """What the rule and ladder-step formsets share: the strategy's type and the rows to be saved."""

    def add_fields(self, form, index):
        super().add_fields(form, index)
        safe_id_fields(form)

    @property
    def kind(self) -> str:
        return getattr(self.instance, "kind", "") or ""

    def live_forms(self) -> list:
        """The rows that will be saved: valid so far, not deleted, not an untouched extra row."""
        rows = []
        for form in self.forms:
            if self.can_delete and self._should_delete_form(form):
                continue
            if not form.has_changed() and form.empty_permitted:
                continue
            if not hasattr(form, "cleaned_data"):
                continue
            rows.append(form)
        return rows


class BaseRuleFormSet(_StrategyPartsFormSet):
    """The rules of a telephony or business strategy, checked with the services' `check_*`.

    The strategy's type is `self.instance.kind` (the parent form has put the submitted type there when it
    was valid). `strict_kind` (the admin) refuses a key of the other type; the supervisor screen shows only
    the picker of the chosen type, so a value left in the hidden one is dropped instead.
    """

    strict_kind = True
    # The screens show grouped <select>s; the admin keeps its autocomplete widget, which needs the queryset.
    grouped_pickers = True

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Built once for every row, instead of one query per row and field.
        self._choices = (
            {"outcome_choices": grouped_outcome_choices(), "result_choices": call_result_choices()}
            if self.grouped_pickers
            else {}
        )

    def get_form_kwargs(self, index):
        return {**super().get_form_kwargs(index), **self._row_kwargs()}

    def _row_kwargs(self) -> dict:
        return {**self._choices, "kind": self.kind, "drop_other_key": not self.strict_kind}

    @property
    def empty_form(self):
        form = self.form(
            auto_id=self.auto_id,
            prefix=self.add_prefix("__prefix__"),
            empty_permitted=True,
            use_required_attribute=False,
            **self._row_kwargs(),
        )
        self.add_fields(form, None)
        return form

    def clean(self):
        super().clean()
        kind = self.kind
        forms_ = self.live_forms()
        if kind == Strategy.Kind.LADDER:
            if self.strict_kind and forms_:
                raise ValidationError("An attempt ladder has steps, not rules: remove the rules or change the type.")
            return
        if not kind:
            return
        key_field = services.RULE_KEY_FIELDS[kind]
        keys = [form.cleaned_data.get(key_field) if hasattr(form, "cleaned_data") else None for form in forms_]
        for index, field, message in services.duplicate_rule_rows(kind, keys):
            forms_[index].add_error(field, message)

    def validate_unique(self):
        """Duplicate keys are reported by `clean` with a message naming the row; the model formset's generic
        "Please correct the duplicate data" would come first and hide it."""

    def rows(self) -> list[dict]:
        """The cleaned rules, for services.replace_rules (call after is_valid())."""
        return [
            {k: form.cleaned_data.get(k) for k in ("outcome", "call_result", "amount", "unit")}
            for form in self.live_forms()
        ]

    def save(self, commit=True):
        """Replace the strategy's rules with the rows (see services.replace_rules); sets the lists the admin
        builds its change message from."""
        added, removed = services.replace_rules(self.instance, self.rows())
        self.new_objects, self.changed_objects, self.deleted_objects = added, [], removed
        return added


class LadderStepForm(forms.ModelForm):
    """One step of a ladder: retry after amount unit, or (amount blank) "No retry"."""

    class Meta:
        model = LadderStep
        fields = ["amount", "unit"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "amount" in self.fields:
            amount = forms.IntegerField(label="Retry after", min_value=0, required=False, error_messages=DELAY_ERRORS)
            amount.widget.attrs.update({"min": 0, "step": 1, "placeholder": "No retry", "class": "form-control"})
            self.fields["amount"] = amount
        if "unit" in self.fields:
            self.fields["unit"].choices = Unit.choices
        style_fields(self)

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("amount") is not None:
            try:
                services.check_delay(cleaned["amount"], cleaned.get("unit") or Unit.HOURS)
            except ValidationError as exc:
                self.add_error(None, exc)
        return cleaned

    def has_changed(self):
        # A row on the screen is a step even when left blank: blank is "No retry", the way a ladder ends.
        # Rows the supervisor removes come back with DELETE ticked instead.
        return self.is_bound or super().has_changed()


class AdminLadderStepForm(LadderStepForm):
    class Meta(LadderStepForm.Meta):
        fields = ["position", "amount", "unit"]

    def has_changed(self):
        # In the admin a step needs its position, so an untouched extra row is just an unused row.
        return forms.ModelForm.has_changed(self)


class BaseLadderStepFormSet(_StrategyPartsFormSet):
    """The steps of a ladder, in row order (the supervisor screen) or by position (the admin)."""

    strict_kind = True

    def ordered_forms(self) -> list:
        """live_forms() in step order: row order on the screen, by position in the admin."""
        forms_ = self.live_forms()
        if "position" in self.form.base_fields:
            forms_.sort(key=lambda f: f.cleaned_data.get("position") or 0)
        return forms_

    def clean(self):
        super().clean()
        forms_ = self.ordered_forms()
        if self.kind != Strategy.Kind.LADDER:
            if self.strict_kind and forms_ and self.kind:
                raise ValidationError("Only an attempt ladder has steps: remove them or change the type.")
            return
        if "position" in self.form.base_fields:
            positions = [f.cleaned_data.get("position") for f in forms_]
            if len(set(positions)) != len(positions):
                raise ValidationError("Two steps have the same position: number them 1, 2, 3 …")
        if not forms_:
            raise ValidationError('Add at least one step: "1st retry after …", or "No retry".')
        for index, message in services.check_ladder_steps([f.cleaned_data.get("amount") for f in forms_]):
            forms_[index].add_error("amount", message)

    def validate_unique(self):
        """Positions are checked by `clean` (and renumbered on save), with a clearer message."""

    def rows(self) -> list[dict]:
        """The cleaned steps in order, for services.replace_ladder_steps (call after is_valid())."""
        return [
            {"amount": f.cleaned_data.get("amount"), "unit": f.cleaned_data.get("unit")} for f in self.ordered_forms()
        ]

    def save(self, commit=True):
        """Replace the ladder's steps, renumbered 1.. in order (see services.replace_ladder_steps)."""
        added, removed = services.replace_ladder_steps(self.instance, self.rows())
        self.new_objects, self.changed_objects, self.deleted_objects = added, [], removed
        return added


class ScreenRuleFormSet(BaseRuleFormSet):
    strict_kind = False


class ScreenLadderStepFormSet(BaseLadderStepFormSet):
    strict_kind = False


RuleFormSet = inlineformset_factory(
    Strategy, StrategyRule, form=RuleForm, formset=ScreenRuleFormSet, extra=0, can_delete=True
)
LadderStepFormSet = inlineformset_factory(
    Strategy, LadderStep, form=LadderStepForm, formset=ScreenLadderStepFormSet, extra=0, can_delete=True
)


class StrategyForms:
    """The strategy form with its rule and step formsets, bound together: what the create/edit view saves and
    what the preview reads."""

    def __init__(self, data=None, instance: Strategy | None = None):
        instance = instance if instance is not None else Strategy()
        self.form = StrategyForm(data, instance=instance)
        if data is not None:
            # Validating the form puts the submitted type on the instance, which the formsets check rows against.
            self.form.is_valid()
        self.rules = RuleFormSet(data, instance=self.form.instance, prefix="rules")
        self.steps = LadderStepFormSet(data, instance=self.form.instance, prefix="steps")
        if data is None and instance.pk is None:
            # A new strategy starts with one empty row of each, ready to fill in.
            self.rules.extra = 1
            self.steps.extra = 1

    @property
    def kind(self) -> str:
        return self.form.instance.kind or ""

    def active_formset(self):
        return self.steps if self.kind == Strategy.Kind.LADDER else self.rules

    def is_valid(self) -> bool:
        form_ok = self.form.is_valid()
        return form_ok and bool(self.kind) and self.active_formset().is_valid()

    def save(self) -> Strategy:
        return services.save_strategy(
            self.form.save(commit=False),
            self.form.cleaned_data.get("ladder_outcomes") or [],
            self.rules.rows() if self.kind != Strategy.Kind.LADDER else [],
            self.steps.rows() if self.kind == Strategy.Kind.LADDER else [],
        )

    def draft_spec(self) -> tuple[StrategySpec | None, list[str]]:
        """The strategy as far as it is filled in, and what is missing or wrong, for the preview.

        Returns (None, problems) when there is no valid type yet. Rows with errors are left out of the spec.
        """
        problems: list[str] = []
        kind = self.form.cleaned_data.get("kind") if hasattr(self.form, "cleaned_data") else None
        if not kind:
            return None, ["Choose the strategy's type."]
        if kind == Strategy.Kind.LADDER:
            formset, noun = self.steps, "Step"
        else:
            formset, noun = self.rules, "Rule"
        formset.is_valid()
        problems += [str(e) for e in formset.non_form_errors()]
        for number, form in enumerate(formset.forms, start=1):
            if formset._should_delete_form(form) or not form.errors:
                continue
            for field, errors in form.errors.items():
                label = form.fields[field].label if field in form.fields else ""
                for error in errors:
                    problems.append(f"{noun} {number}: {label + ': ' if label else ''}{error}")
        if kind == Strategy.Kind.LADDER:
            problems += [f"Outcomes the ladder retries: {e}" for e in self.form.errors.get("ladder_outcomes", [])]
            outcomes = self.form.cleaned_data.get("ladder_outcomes") or []
            steps = []
            for form in formset.ordered_forms():
                if form.errors:
                    break  # later steps would shift places; the problem is listed above
                amount = form.cleaned_data.get("amount")
                steps.append(None if amount is None else Delay(amount, form.cleaned_data.get("unit") or Unit.HOURS))
            spec = StrategySpec(
                kind, ladder_keys=frozenset(o.code for o in outcomes if not o.is_final), ladder_steps=tuple(steps)
            )
            return spec, problems
        rules = {}
        key_field = services.RULE_KEY_FIELDS[kind]
        for form in formset.live_forms():
            if form.errors:
                continue
            key = form.cleaned_data.get(key_field)
            if key is not None and key.code not in rules:
                rules[key.code] = Delay(form.cleaned_data["amount"], form.cleaned_data.get("unit") or Unit.HOURS)
        if not rules and not problems:
            problems.append("Add a rule to see retries.")
        return StrategySpec(kind, rules), problems


# --------------------------------------------------------------------------------------------------
# The preview's sample campaign

PREVIEW_ZONES = [
    "Asia/Kolkata",
    "Europe/London",
    "Europe/Berlin",
    "America/New_York",
    "America/Chicago",
    "America/Los_Angeles",
    "America/Sao_Paulo",
    "Asia/Dubai",
    "Asia/Singapore",
    "Australia/Sydney",
    "UTC",
]
WEEKDAY_CHOICES = [("0", "Mon"), ("1", "Tue"), ("2", "Wed"), ("3", "Thu"), ("4", "Fri"), ("5", "Sat"), ("6", "Sun")]


class PreviewSampleForm(forms.Form):
    """The preview's sample campaign and attempts (prefix "sample"). Never saved."""

    zone = forms.ChoiceField(label="Zone", choices=[(z, z) for z in PREVIEW_ZONES], initial="Asia/Kolkata")
    weekdays = forms.MultipleChoiceField(
        label="Open on",
        choices=WEEKDAY_CHOICES,
        initial=["0", "1", "2", "3", "4"],
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "Open the sample campaign on at least one day."},
    )
    opens = forms.TimeField(label="Opens", initial=time(9, 0), widget=forms.TimeInput(attrs={"type": "time"}))
    closes = forms.TimeField(label="Closes", initial=time(17, 0), widget=forms.TimeInput(attrs={"type": "time"}))
    max_attempts = forms.IntegerField(label="Max attempts", min_value=1, max_value=50, initial=5)
    daily_attempts = forms.IntegerField(
        label="Daily attempts", min_value=1, max_value=50, initial=2, required=False, help_text="Empty: no limit."
    )
    rules = forms.MultipleChoiceField(
        label="Attempt rules",
        choices=[(slug, rule.name) for slug, rule in ATTEMPT_RULE_PRESETS.items()],
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    avoid_repeat = forms.IntegerField(
        label="Repeat band (h)", min_value=0, max_value=11, initial=0, required=False, help_text="0 = off."
    )
    start = forms.DateTimeField(
        label="First attempt (local)",
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S"],
    )

    def __init__(self, *args, spec: StrategySpec | None = None, today: date | None = None, **kwargs):
        super().__init__(*args, prefix="sample", **kwargs)
        self.fields["start"].initial = services.next_monday_at_ten(today or date.today())
        outcomes, results = services.default_preview_keys(spec)
        outcome_choices = [
            (group, [(code, label) for code, label in items])
            for group, items in _outcome_code_groups(grouped_outcome_choices(blank=None))
        ]
        result_choices = [(r.code, r.name) for r in CallResult.objects.filter(is_active=True)]
        for i in range(PREVIEW_ROWS):
            self.fields[f"outcome_{i + 1}"] = forms.ChoiceField(
                label=f"Attempt {i + 1}", choices=outcome_choices, initial=outcomes[i], required=False
            )
            self.fields[f"result_{i + 1}"] = forms.ChoiceField(
                label=f"Attempt {i + 1}", choices=result_choices, initial=results[i], required=False
            )
        style_fields(self)

    def clean(self):
        cleaned = super().clean()
        opens, closes = cleaned.get("opens"), cleaned.get("closes")
        if opens and closes and closes <= opens:
            self.add_error("closes", "Closing time must be after opening time.")
        daily, most = cleaned.get("daily_attempts"), cleaned.get("max_attempts")
        if daily and most and daily > most:
            self.add_error("daily_attempts", "Daily attempts cannot exceed the maximum attempts.")
        return cleaned

    def outcome_fields(self):
        return [self[f"outcome_{i + 1}"] for i in range(PREVIEW_ROWS)]

    def result_fields(self):
        return [self[f"result_{i + 1}"] for i in range(PREVIEW_ROWS)]

    def sample(self) -> PreviewSample | None:
        """The sample from valid data, or from the initial values when unbound. None when the data is invalid
        (the errors name the fields)."""
        if self.is_bound:
            if not self.is_valid():
                return None
            values = self.cleaned_data
        else:
            values = {name: self.get_initial_for_field(field, name) for name, field in self.fields.items()}
        opens, closes = values["opens"], values["closes"]
        blank_outcomes, blank_results = services.default_preview_keys(None)
        return PreviewSample(
            zone=values["zone"],
            weekdays=tuple(int(d) for d in values["weekdays"]),
            opens_minute=opens.hour * 60 + opens.minute,
            closes_minute=closes.hour * 60 + closes.minute,
            max_attempts=values["max_attempts"],
            daily_attempts=values.get("daily_attempts"),
            start=values["start"].replace(tzinfo=None, second=0, microsecond=0),
            outcomes=tuple(values.get(f"outcome_{i + 1}") or blank_outcomes[i] for i in range(PREVIEW_ROWS)),
            results=tuple(values.get(f"result_{i + 1}") or blank_results[i] for i in range(PREVIEW_ROWS)),
            rules=tuple(values.get("rules") or ()),
            avoid_repeat_hours=values.get("avoid_repeat") or 0,
        )

    def problems(self) -> list[str]:
        found = []
        for field, errors in self.errors.items():
            label = self.fields[field].label if field in self.fields else "Sample"
            found += [f"Sample {label.lower()}: {error}" for error in errors]
        return found


def _outcome_code_groups(choices):
    """Grouped outcome choices keyed by code instead of primary key (the preview does not touch the rows)."""
    by_pk = dict(Outcome.objects.values_list("pk", "code"))
    for group, items in choices:
        yield group, [(by_pk[pk], label) for pk, label in items]
