"""Forms of the contact screens: filter, create, notes, do-not-call, CSV upload."""

from django import forms
from django.core.exceptions import ValidationError

from campaigns.imports.reading import CsvRejected, inspect_csv
from campaigns.models import Contact, ImportJob
from campaigns.web.forms import DatalistInput, clean_zone_name, zone_names


class ContactFilterForm(forms.Form):
    """The contact list's filters; an invalid value is ignored rather than failing the page."""

    YES_NO = [("", "Any"), ("yes", "Yes"), ("no", "No")]

    q = forms.CharField(label="Search", required=False, max_length=100)
    status = forms.ChoiceField(choices=[("", "Any status"), *Contact.STATUS_CHOICES], required=False)
    zone = forms.CharField(label="Zone", required=False, max_length=64)
    callback = forms.ChoiceField(label="Open callback", choices=YES_NO, required=False)


def parse_custom_fields(text: str) -> dict[str, str]:
    """`key: value` lines into a dict; raises ValidationError naming the first bad line."""
    fields = {}
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        key, sep, value = line.partition(":")
        if not sep or not key.strip():
            raise ValidationError(f"Line {number}: write each field as 'name: value'.")
        fields[key.strip()] = value.strip()
    return fields


class ContactCreateForm(forms.Form):
    name = forms.CharField(max_length=200, required=False)
    phone = forms.CharField(max_length=32, help_text="E.164 with the country code, e.g. +442079460000.")
    zone = forms.CharField(
        label="Time zone",
        required=False,
        widget=DatalistInput(zone_names()),
        help_text="Empty: derived from the number when it has one zone, else the campaign's.",
    )
    custom_fields = forms.CharField(
        label="Custom fields",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "placeholder": "plan: Gold\ncity: Leeds"}),
        help_text="One 'name: value' per line.",
    )

    def clean_zone(self):
        value = self.cleaned_data["zone"].strip()
        return clean_zone_name(value) if value else ""

    def clean_custom_fields(self):
        return parse_custom_fields(self.cleaned_data["custom_fields"])


class ContactNotesForm(forms.ModelForm):
    class Meta:
        model = Contact
        fields = ["notes"]
        widgets = {"notes": forms.Textarea(attrs={"rows": 4, "aria-label": "Notes"})}
        labels = {"notes": ""}


class DoNotCallForm(forms.Form):
    reason = forms.CharField(max_length=200, required=False, help_text="Why the customer must not be called.")


class ImportUploadForm(forms.Form):
    """The CSV upload; the file's checks live in campaigns.imports.inspect_csv."""

    file = forms.FileField(label="CSV file", help_text="UTF-8, a header row, a phone column. Other columns are kept.")
    mode = forms.ChoiceField(
        choices=ImportJob.MODE_CHOICES,
        initial=ImportJob.ALL_OR_NOTHING,
        widget=forms.RadioSelect,
        help_text="All or nothing: one bad row imports nothing. Skip bad rows: the good rows are imported.",
    )
    listed_handling = forms.ChoiceField(
        label="Numbers on a do-not-call list",
        choices=ImportJob.LISTED_CHOICES,
        initial=ImportJob.LISTED_SKIP,
        required=False,
        widget=forms.RadioSelect,
        help_text="Either way they are never called, and the summary counts them.",
    )

    def clean_listed_handling(self):
        return self.cleaned_data["listed_handling"] or ImportJob.LISTED_SKIP

    def clean_file(self):
        upload = self.cleaned_data["file"]
        try:
            self.inspection = inspect_csv(upload, name=upload.name)
        except CsvRejected as error:
            raise ValidationError(str(error), code="bad_file") from None
        return upload
