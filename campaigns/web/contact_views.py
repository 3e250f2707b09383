"""Contact screens: the list, adding one by hand, the detail page, notes and do-not-call."""

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from campaigns.models import Campaign, Contact
from campaigns.queries import contacts as contact_queries
from campaigns.queries import counts
from campaigns.queries import do_not_call as dnc_queries
from campaigns.services import best_time as best_time_services
from campaigns.services import contacts as contact_services
from campaigns.services import do_not_call
from campaigns.web.contact_forms import ContactCreateForm, ContactFilterForm, ContactNotesForm, DoNotCallForm
from campaigns.web.forms import zone_names

VIEW_CONTACT = ("campaigns.view_campaign", "campaigns.view_contact")


def _int_or_none(value):
    try:
        return int(value) if value not in (None, "") else None
    except (TypeError, ValueError):
        return None


@permission_required(VIEW_CONTACT, raise_exception=True)
def contact_list(request, pk: int):
    campaign = get_object_or_404(Campaign, pk=pk)
    form = ContactFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    contacts = contact_queries.filter_contacts(
        campaign,
        q=filters.get("q", ""),
        status=filters.get("status", ""),
        zone=filters.get("zone", ""),
        callback=filters.get("callback", ""),
    )
    page = contact_queries.contact_page(
        contacts, after=_int_or_none(request.GET.get("after")), before=_int_or_none(request.GET.get("before"))
    )
    return render(
        request,
        "campaigns/contact_list.html",
        {
            "campaign": campaign,
            "form": form,
            "page": page,
            "zones": zone_names(),
            "can_add": request.user.has_perm("campaigns.add_contact"),
        },
    )


@permission_required("campaigns.add_contact", raise_exception=True)
def contact_create(request, pk: int):
    campaign = get_object_or_404(Campaign, pk=pk)
    form = ContactCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            contact = contact_services.create_contact(campaign=campaign, **form.cleaned_data)
        except ValidationError as error:
            _add_service_errors(form, error)
        else:
            # Whoever adds a contact by hand looks for it in the counts next.
            counts.forget_counts(campaign)
            messages.success(request, f"{contact.name or contact.phone} added.")
            return redirect("campaigns:contact_detail", pk=pk, contact_pk=contact.pk)
    return render(request, "campaigns/contact_form.html", {"campaign": campaign, "form": form})


def _add_service_errors(form, error: ValidationError) -> None:
    """Put a service's ValidationError on the form's fields (unknown fields become form-wide errors)."""
    if hasattr(error, "error_dict"):
        for field, field_errors in error.message_dict.items():
            form.add_error(field if field in form.fields else None, field_errors)
    else:
        form.add_error(None, error.messages)


def _contact_or_404(pk: int, contact_pk: int) -> Contact:
    return get_object_or_404(Contact.objects.select_related("campaign"), pk=contact_pk, campaign_id=pk)


@permission_required(VIEW_CONTACT, raise_exception=True)
def contact_detail(request, pk: int, contact_pk: int):
    contact = _contact_or_404(pk, contact_pk)
    return _contact_detail_page(request, contact)


def _contact_detail_page(request, contact, notes_form=None, dnc_form=None, status=200):
    return render(
        request,
        "campaigns/contact_detail.html",
        {
            "campaign": contact.campaign,
            "contact": contact,
            "attempts": contact_queries.contact_timeline(contact),
            "open_request": contact_queries.open_redial_request(contact),
            "last_closed_request": dnc_queries.last_closed_request(contact),
            "dnc_entry": do_not_call.listed_entry(contact.campaign_id, contact.phone),
            "answered_hours": best_time_services.contact_answered_hours(contact),
            "notes_form": notes_form or ContactNotesForm(instance=contact),
            "dnc_form": dnc_form or DoNotCallForm(),
            "can_change": request.user.has_perm("campaigns.change_contact"),
        },
        status=status,
    )


@require_POST
@permission_required("campaigns.change_contact", raise_exception=True)
def contact_notes(request, pk: int, contact_pk: int):
    contact = _contact_or_404(pk, contact_pk)
    form = ContactNotesForm(request.POST, instance=contact)
    if not form.is_valid():
        return _contact_detail_page(request, contact, notes_form=form, status=400)
    form.save()
    messages.success(request, "Notes saved.")
    return redirect("campaigns:contact_detail", pk=pk, contact_pk=contact_pk)


@require_POST
@permission_required("campaigns.change_contact", raise_exception=True)
def contact_do_not_call(request, pk: int, contact_pk: int):
    contact = _contact_or_404(pk, contact_pk)
    form = DoNotCallForm(request.POST)
    if not form.is_valid():
        return _contact_detail_page(request, contact, dnc_form=form, status=400)
    contact_services.set_do_not_call(contact, by=request.user, reason=form.cleaned_data["reason"])
    counts.forget_counts(contact.campaign)
    messages.success(request, f"{contact.name or contact.phone} will not be called again; open callbacks cancelled.")
    return redirect("campaigns:contact_detail", pk=pk, contact_pk=contact_pk)
