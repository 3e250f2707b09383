"""Forms of the do-not-call screens: search, add one number, remove one, upload a list."""

from django import forms
from django.core.exceptions import ValidationError

from campaigns.imports.do_not_call import inspect_dnc_csv
from campaigns.imports.reading import CsvRejected


class SearchForm(forms.Form):
    q = forms.CharField(label="Number", required=False, max_length=40)


class AddNumberForm(forms.Form):
    phone = forms.CharField(max_length=40, help_text="With the country code, e.g. +442079460000.")
    reason = forms.CharField(max_length=200, required=False)
    expires_on = forms.DateField(
        label="Listed until",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text="Empty: until someone removes it.",
    )


class RemoveNumberForm(forms.Form):
    why = forms.CharField(label="Why it comes off", max_length=200)


class DncUploadForm(forms.Form):
    file = forms.FileField(
        label="CSV file", help_text="UTF-8, a header row, a phone column. Other columns are ignored."
    )
    reason = forms.CharField(max_length=200, required=False, help_text="Given to every number the file adds.")
    expires_on = forms.DateField(
        label="Listed until", required=False, widget=forms.DateInput(attrs={"type": "date"}), help_text="Empty: no end."
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        try:
            self.inspection = inspect_dnc_csv(upload, name=upload.name)
        except CsvRejected as error:
            raise ValidationError(str(error), code="bad_file") from None
        return upload
