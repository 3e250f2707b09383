"""The callbacks screen: open redial requests by tab, and the supervisor's cancel, reschedule, reassign.

Every change goes through `campaigns.services`; these views parse, check access and report back.
"""

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods

from campaigns.models import Campaign, RedialRequest
from campaigns.queries import callback_list
from campaigns.services.contacts import RedialRefused
from campaigns.services.redials import CHANGEABLE_REQUEST_STATUSES, cancel_redial, reassign_redial, reschedule_redial
from campaigns.web.callback_forms import CallbackFilterForm, CancelForm, ReassignForm, RescheduleForm
from retryadmin.lib.localtime import local

VIEW_PERMISSION = "campaigns.view_redialrequest"
CHANGE_PERMISSION = "campaigns.change_redialrequest"


@permission_required(VIEW_PERMISSION, raise_exception=True)
def callback_list_view(request):
    now = timezone.now()
    form = CallbackFilterForm(request.GET)
    context = {
        "form": form,
        "tab_items": _tab_items(None),
        "tab": request.GET.get("tab") if request.GET.get("tab") in dict(callback_list.TABS) else "upcoming",
        "can_change": request.user.has_perm(CHANGE_PERMISSION),
        "changeable_statuses": CHANGEABLE_REQUEST_STATUSES,
        "now": now,
        "blocked_campaigns": Campaign.objects.exclude(dispatch_blocked_reason="").only(
            "name", "dispatch_blocked_reason", "dispatch_blocked_at"
        ),
    }
    if not form.is_valid():
        return render(request, "campaigns/callback_list.html", context, status=200)
    data = form.cleaned_data
    tab, campaign, agent = data["tab"], data.get("campaign"), data.get("agent")
    qs = callback_list.tab_queryset(tab, now, campaign=campaign, agent=agent)
    requests, next_cursor = callback_list.page_of(qs, tab, data.get("after"))
    context.update(
        tab=tab,
        rows=callback_list.rows_for(requests, now),
        tab_items=_tab_items(callback_list.tab_counts(now, campaign=campaign, agent=agent)),
        next_cursor=callback_list.next_cursor_value(next_cursor),
        is_first_page=data.get("after") is None,
        list_url=request.get_full_path(),
    )
    return render(request, "campaigns/callback_list.html", context)


def _tab_items(counts: dict | None) -> list[dict]:
    """The tabs with their capped counts; counts None (filters refused) shows no badges."""
    items = []
    for key, label in callback_list.TABS:
        count, more = counts[key] if counts is not None else (None, False)
        items.append({"key": key, "label": label, "count": count, "more": more})
    return items


def _back_url(request) -> str:
    """Where to go after an action: the list page it came from, or the callbacks list."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    # A path of this site only: redirect() would read anything else ("-1") as a view name to reverse.
    if target.startswith("/") and url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        return target
    return reverse("campaigns:callbacks")


def _request_for(pk: int) -> RedialRequest:
    return get_object_or_404(RedialRequest.objects.select_related("contact", "campaign", "owner"), pk=pk)


def _render_action(request, redial: RedialRequest, action: str, form, status: int = 200):
    context = {
        "redial": redial,
        "action": action,
        "form": form,
        "due_local": local(redial.due_at, redial.campaign.zone),
        "owner": callback_list.owner_name(redial.owner),
        "relative": callback_list.relative(redial.due_at, timezone.now()),
        "next": _back_url(request),
        "is_changeable": redial.status in CHANGEABLE_REQUEST_STATUSES,
    }
    return render(request, "campaigns/callback_action.html", context, status=status)


def _error_text(error: ValidationError) -> str:
    return " ".join(error.messages)


@permission_required(CHANGE_PERMISSION, raise_exception=True)
@require_http_methods(["GET", "POST"])
def callback_cancel(request, pk: int):
    redial = _request_for(pk)
    form = CancelForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            cancel_redial(redial, by=request.user, reason=form.cleaned_data["reason"])
        except ValidationError as error:
            messages.error(request, f"Not cancelled: {_error_text(error)}")
            return redirect(_back_url(request))
        messages.success(request, f"Callback to {redial.contact} cancelled.")
        return redirect(_back_url(request))
    return _render_action(request, redial, "cancel", form, status=400 if form.errors else 200)


@permission_required(CHANGE_PERMISSION, raise_exception=True)
@require_http_methods(["GET", "POST"])
def callback_reschedule(request, pk: int):
    redial = _request_for(pk)
    zone = redial.campaign.zone
    if request.method != "POST":
        form = RescheduleForm(initial=RescheduleForm.initial_for(redial.due_at, zone), zone=zone)
        return _render_action(request, redial, "reschedule", form)
    form = RescheduleForm(request.POST, zone=zone)
    if not form.is_valid():
        return _render_action(request, redial, "reschedule", form, status=400)
    try:
        updated = reschedule_redial(redial, due_at=form.cleaned_data["due_at"], by=request.user)
    except RedialRefused as refusal:
        form.add_error(None, _error_text(refusal))
        if refusal.next_allowed_at is not None:
            # Offer the next allowed time in the inputs, so one click accepts it.
            suggestion = RescheduleForm.initial_for(refusal.next_allowed_at, zone)
            form = _with_suggestion(form, suggestion, zone)
        return _render_action(request, redial, "reschedule", form, status=400)
    except ValidationError as error:
        messages.error(request, f"Not rescheduled: {_error_text(error)}")
        return redirect(_back_url(request))
    due_local = local(updated.due_at, zone)
    messages.success(request, f"Callback to {redial.contact} moved to {due_local:%a %d %b %Y %H:%M} ({zone}).")
    return redirect(_back_url(request))


def _with_suggestion(form: RescheduleForm, suggestion: dict, zone: str) -> RescheduleForm:
    """A copy of the refused form whose inputs hold the suggested time and which keeps the refusal."""
    data = form.data.copy()
    data["date"] = suggestion["date"].isoformat()
    data["time"] = suggestion["time"].strftime("%H:%M")
    suggested = RescheduleForm(data, zone=zone)
    suggested.is_valid()
    for message in form.non_field_errors():
        suggested.add_error(None, message)
    suggested.suggested = True
    return suggested


@permission_required(CHANGE_PERMISSION, raise_exception=True)
@require_http_methods(["GET", "POST"])
def callback_reassign(request, pk: int):
    redial = _request_for(pk)
    if request.method != "POST":
        return _render_action(request, redial, "reassign", ReassignForm(initial={"owner": redial.owner_id}))
    form = ReassignForm(request.POST)
    if not form.is_valid():
        return _render_action(request, redial, "reassign", form, status=400)
    owner = form.cleaned_data["owner"]
    try:
        reassign_redial(redial, owner=owner, by=request.user)
    except ValidationError as error:
        messages.error(request, f"Not reassigned: {_error_text(error)}")
        return redirect(_back_url(request))
    target = f"personal to {callback_list.owner_name(owner)}" if owner is not None else "common (any free agent)"
    messages.success(request, f"Callback to {redial.contact} is now {target}.")
    return redirect(_back_url(request))
