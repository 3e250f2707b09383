"""The admin's query-string input checked before it reaches a query: a bad value is Django's own
"?e=1" (the filter is dropped, with its message) or is left out of a form's initial data, never a 500.

Django builds changelist filters and add-form initial values straight from the query string: a foreign
key of ":" or a number past the column's range fails only when the query runs (ValueError, OverflowError
on SQLite, DataError on PostgreSQL). Every registered ModelAdmin gets these checks (`guard_admin_site`).
"""

from __future__ import annotations

from django.contrib.admin.options import IS_POPUP_VAR, TO_FIELD_VAR
from django.contrib.admin.views.main import ERROR_FLAG, IGNORED_PARAMS
from django.contrib.admin.widgets import AutocompleteMixin
from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.db import connection, models
from django.http import HttpResponseRedirect


def _target(opts, name: str):
    """(model field, lookup) that the changelist parameter `name` filters on; (None, "") when it names none."""
    parts = name.split("__")
    field = None
    for index, part in enumerate(parts):
        try:
            field = opts.get_field(part)
        except FieldDoesNotExist:
            return (field, "__".join(parts[index:])) if field is not None else (None, "")
        if field.is_relation and field.related_model is not None:
            opts = field.related_model._meta
            if index == len(parts) - 1:
                return field, "exact"
    return field, "exact"


def value_fits(field, value: str) -> bool:
    """Whether `value` is one the field's column can be compared with (whole numbers within its range)."""
    if field.is_relation:
        field = field.target_field
    if not isinstance(field, models.IntegerField | models.AutoField):
        return True
    try:
        number = field.to_python(value)
    except ValidationError:
        return False
    if number is None:
        return True
    low, high = connection.ops.integer_field_range(field.get_internal_type())
    return (low is None or number >= low) and (high is None or number <= high)


def bad_filter(opts, params) -> str | None:
    """The first query-string parameter whose value the field it filters on cannot hold; None when all can."""
    ignored = set(IGNORED_PARAMS) | {ERROR_FLAG, "p", "o", "q", "_facets"}
    for name, values in params.lists():
        if name in ignored:
            continue
        field, lookup = _target(opts, name)
        if field is None or lookup.endswith(("isnull", "regex", "contains", "startswith", "endswith")):
            continue
        for value in values:
            pieces = value.split(",") if lookup.endswith("in") else [value]
            if not all(value_fits(field, piece) for piece in pieces if piece != ""):
                return name
    return None


class GuardedAdminInput:
    """Mixed into every registered ModelAdmin by guard_admin_site."""

    def changelist_view(self, request, extra_context=None):
        # ERROR_FLAG beside a bad filter is checked too: Django keeps applying the other parameters. `?e=1`
        # alone has no filter to refuse, so the redirect cannot loop.
        if bad_filter(self.model._meta, request.GET):
            # What Django answers for a filter it cannot apply: the unfiltered list, with its error notice.
            return HttpResponseRedirect(f"{request.path}?{ERROR_FLAG}=1")
        return super().changelist_view(request, extra_context)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        return _guard_autocomplete(super().formfield_for_foreignkey(db_field, request, **kwargs))

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        return _guard_autocomplete(super().formfield_for_manytomany(db_field, request, **kwargs))

    def get_changeform_initial_data(self, request):
        initial = super().get_changeform_initial_data(request)
        for name in list(initial):
            if name in (IS_POPUP_VAR, TO_FIELD_VAR):
                continue
            try:
                field = self.model._meta.get_field(name)
            except FieldDoesNotExist:
                continue
            values = initial[name] if isinstance(initial[name], list) else [initial[name]]
            if not all(value_fits(field, str(value)) for value in values):
                del initial[name]
        return initial


class _GuardedAutocomplete:
    """An autocomplete widget that leaves out selected values its field cannot hold: Django looks them up
    to show their labels, and a posted "\r" for a foreign key would fail that query."""

    def optgroups(self, name, value, attr=None):
        target = self.field.target_field
        value = [item for item in value if item in ("", None) or value_fits(target, str(item))]
        return super().optgroups(name, value, attr)


def _guard_autocomplete(formfield):
    widget = getattr(formfield, "widget", None) if formfield is not None else None
    if isinstance(widget, AutocompleteMixin) and not isinstance(widget, _GuardedAutocomplete):
        widget.__class__ = type(type(widget).__name__, (_GuardedAutocomplete, type(widget)), {})
    return formfield


def guard_admin_site(site) -> None:
    """Give every ModelAdmin registered on `site` the checks of GuardedAdminInput."""
    for model_admin in site._registry.values():
        cls = type(model_admin)
        if not issubclass(cls, GuardedAdminInput):
            model_admin.__class__ = type(cls.__name__, (GuardedAdminInput, cls), {"__module__": cls.__module__})
