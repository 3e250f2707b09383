"""The agent workspace: parse a form, call one service, redirect or re-render with the form's errors."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from campaigns.models import Attempt, Contact, RedialRequest
from campaigns.queries.dashboard import calling_now
from campaigns.services import do_not_call
from retryadmin.lib.localtime import local
from strategies.wording import reason_label
from wrapup.services import allocation, presence, sessions, wrap_up

from .forms import AddRedialForm, CallEndForm, CallResultForm, EndWrapUpForm, JoinForm, NotesForm
from .models import AgentSession

workspace_required = permission_required("wrapup.use_workspace", raise_exception=True)
RECENT_CALLS = 10


def _contact_message(contact: Contact | None) -> str:
    if contact is None:
        return "No call is due right now; you will get one as soon as there is."
    return f"Next call: {contact.name or 'Contact'} {contact.phone}."


def _call_request(session: AgentSession, attempt: Attempt | None) -> RedialRequest | None:
    """The redial request the current call came from, with its remarks and who made it: the session's while
    the call is on, the attempt's in wrap-up. None for a fresh contact's first call."""
    request_id = session.current_redial_id or (attempt.redial_request_id if attempt is not None else None)
    if request_id is None:
        return None
    return RedialRequest.objects.select_related("created_by", "owner").filter(pk=request_id).first()


def _workspace_context(request, session: AgentSession, **forms) -> dict:
    agent = request.user
    campaign = session.campaign
    contact = session.current_contact
    attempt = session.current_attempt
    context = {
        "session": session,
        "campaign": campaign,
        "contact": contact,
        "attempt": attempt,
        "is_busy": session.state in (AgentSession.IN_CALL, AgentSession.WRAP_UP),
        "join_form": forms.get("join_form") or JoinForm(initial={"campaign": campaign}),
        "my_redials": RedialRequest.objects.filter(owner=agent, status__in=RedialRequest.OPEN_STATUSES)
        .select_related("contact", "campaign")
        .order_by("due_at")[:20],
        "my_calls": Attempt.objects.filter(agent=agent)
        .select_related("contact", "campaign", "outcome", "call_result")
        .order_by("-started_at", "-id")[:RECENT_CALLS],
    }
    if contact is not None:
        context["history"] = (
            Attempt.objects.filter(contact=contact, campaign_id=contact.campaign_id)
            .select_related("outcome", "call_result", "agent")
            .order_by("-number")
        )
        context["open_redial"] = wrap_up.open_redial_for(contact)
        context["dnc_entry"] = do_not_call.listed_entry(contact.campaign_id, contact.phone)
        context["contact_local_time"] = local(session.state_changed_at, contact.effective_zone)
        context["notes_form"] = forms.get("notes_form") or NotesForm(initial={"notes": contact.notes})
        context["call_request"] = _call_request(session, attempt)
    if session.state == AgentSession.READY and campaign is not None:
        # "Closed now, opens Tue 09:00": why no call comes, rather than a page that just waits.
        context["calling_now"] = calling_now(campaign)
    if session.state == AgentSession.IN_CALL:
        context["call_end_form"] = forms.get("call_end_form") or CallEndForm()
    if session.state == AgentSession.WRAP_UP and attempt is not None:
        auto = wrap_up.auto_classification_for(attempt.outcome)
        selected = attempt.call_result or auto
        context["auto_result"] = auto
        context["result_form"] = forms.get("result_form") or CallResultForm(initial={"call_result": selected})
        context["end_form"] = forms.get("end_form") or EndWrapUpForm()
        context["redial_form"] = forms.get("redial_form") or AddRedialForm(zone=campaign.zone)
        context["deadline_local"] = local(session.wrap_up_deadline_at, campaign.zone)
    return context


def _render(request, session: AgentSession, status: int = 200, **forms):
    return render(request, "wrapup/workspace.html", _workspace_context(request, session, **forms), status=status)


def _refused(request, error: ValidationError):
    for message in error.messages:
        messages.error(request, message)
    return redirect("wrapup:workspace")


@workspace_required
def workspace(request):
    session = sessions.get_session(request.user)
    if session.state == AgentSession.READY:
        # The page opens with the allocation's answer: a callback due now is on screen at once, not after
        # the next 15-second poll. Allocation leaves the session alone when nothing may be called.
        allocation.allocate_next_call(request.user)
    session = AgentSession.objects.select_related(
        "campaign", "current_contact", "current_attempt__outcome", "current_attempt__call_result"
    ).get(pk=session.pk)
    return _render(request, session)


@workspace_required
@require_POST
def join(request):
    form = JoinForm(request.POST)
    if not form.is_valid():
        return _render(request, sessions.get_session(request.user), status=400, join_form=form)
    try:
        contact = presence.join_campaign(request.user, form.cleaned_data["campaign"])
    except ValidationError as error:
        return _refused(request, error)
    messages.success(request, f"You joined {form.cleaned_data['campaign'].name}. {_contact_message(contact)}")
    return redirect("wrapup:workspace")


def _presence_action(request, action, done: str, allocates: bool = False):
    try:
        result = action(request.user)
    except ValidationError as error:
        return _refused(request, error)
    messages.success(request, f"{done} {_contact_message(result)}" if allocates else done)
    return redirect("wrapup:workspace")


@workspace_required
@require_POST
def leave(request):
    return _presence_action(request, presence.leave_campaign, "You left the campaign.")


@workspace_required
@require_POST
def pause(request):
    return _presence_action(request, presence.pause, "You are paused.")


@workspace_required
@require_POST
def resume(request):
    return _presence_action(request, presence.resume, "You are ready again.", allocates=True)


@workspace_required
@require_POST
def next_call(request):
    """Ask for a call while ready. The page polls this with htmx; then a found call reloads the page."""
    contact = allocation.allocate_next_call(request.user)
    if request.headers.get("HX-Request"):
        response = HttpResponse(status=204)
        if contact is not None:
            response["HX-Redirect"] = reverse("wrapup:workspace")
        return response
    if contact is None:
        messages.info(request, _contact_message(None))
    return redirect("wrapup:workspace")


@workspace_required
@require_POST
def call_end(request):
    session = sessions.get_session(request.user)
    form = CallEndForm(request.POST)
    if not form.is_valid():
        return _render(request, session, status=400, call_end_form=form)
    try:
        ended = wrap_up.simulate_call_end(
            session, outcome=form.cleaned_data["outcome"], duration_seconds=form.cleaned_data["duration_seconds"]
        )
    except ValidationError as error:
        if hasattr(error, "error_dict"):
            for field, errors in error.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
            return _render(request, session, status=400, call_end_form=form)
        return _refused(request, error)
    attempt = ended.attempt
    if ended.in_wrap_up:
        messages.info(request, f"Call with {attempt.contact} ended: {attempt.outcome.name}. Wrap it up.")
        return redirect("wrapup:workspace")
    text = f"Call ended: {attempt.outcome.name}."
    if ended.auto_result is not None:
        text += f" Classified automatically as {ended.auto_result.name} from {attempt.outcome.name}."
    text += f" {attempt.decision_explanation or reason_label(attempt.decision_reason)}."
    messages.info(request, f"{text} {_contact_message(ended.next_contact)}")
    return redirect("wrapup:workspace")


def _own_attempt(request, pk: int) -> Attempt:
    return get_object_or_404(
        Attempt.objects.select_related("contact", "campaign", "outcome"), pk=pk, agent=request.user
    )


def _wrap_up_done_message(request, ended: wrap_up.WrapUpEnded, paused: bool) -> None:
    result = ended.call_result.name if ended.call_result else "no result"
    text = f"Wrap-up ended with {result}."
    if ended.redial is not None:
        text += f" Redial due {local(ended.redial.due_at, ended.attempt.campaign.zone):%a %d %b %H:%M}."
    elif ended.attempt.contact.status in (Contact.DONE, Contact.EXHAUSTED):
        text += f" The contact is closed: {reason_label(ended.attempt.decision_reason).lower()}."
    text += " You are paused." if paused else f" {_contact_message(ended.next_contact)}"
    messages.success(request, text)


@workspace_required
@require_POST
def choose_result(request, pk: int):
    attempt = _own_attempt(request, pk)
    session = sessions.get_session(request.user)
    form = CallResultForm(request.POST)
    if not form.is_valid():
        return _render(request, session, status=400, result_form=form)
    try:
        ended = wrap_up.choose_call_result(
            request.user, attempt, form.cleaned_data["call_result"], pause_after=form.cleaned_data["pause_after"]
        )
        if ended is None:
            messages.info(request, f"{form.cleaned_data['call_result'].name} chosen. Press End Wrap-Up when done.")
            return redirect("wrapup:workspace")
    except ValidationError as error:
        return _refused(request, error)
    _wrap_up_done_message(request, ended, paused=form.cleaned_data["pause_after"])
    return redirect("wrapup:workspace")


@workspace_required
@require_POST
def end_wrap_up(request, pk: int):
    attempt = _own_attempt(request, pk)
    session = sessions.get_session(request.user)
    form = EndWrapUpForm(request.POST)
    form.is_valid()
    pause_after = form.cleaned_data.get("pause_after", False)
    # The End Wrap-Up button shares the result list's form: a result ticked there is the one to keep.
    result_form = CallResultForm(request.POST)
    call_result = result_form.cleaned_data["call_result"] if result_form.is_valid() else None
    if session.current_attempt_id != attempt.pk:
        return _refused(request, sessions.ActionRefused("This call's wrap-up is over."))
    try:
        ended = wrap_up.end_wrap_up(session, call_result=call_result, pause_after=pause_after)
    except sessions.ActionRefused as error:
        return _refused(request, error)
    except ValidationError as error:
        result_form = CallResultForm(request.POST)
        for message in error.messages:
            result_form.add_error("call_result", message)
        return _render(request, session, status=400, result_form=result_form)
    _wrap_up_done_message(request, ended, paused=pause_after)
    return redirect("wrapup:workspace")


@workspace_required
@require_POST
def add_redial(request, pk: int):
    attempt = _own_attempt(request, pk)
    session = sessions.get_session(request.user)
    form = AddRedialForm(request.POST, zone=attempt.campaign.zone)
    if not form.is_valid():
        return _render(request, session, status=400, redial_form=form)
    try:
        request_row = wrap_up.add_wrap_up_redial(
            request.user,
            attempt,
            due_at=form.cleaned_data["due_at"],
            personal=form.is_personal,
            remarks=form.cleaned_data["remarks"],
        )
    except sessions.ActionRefused as error:
        return _refused(request, error)
    except ValidationError as error:
        # The refusal names the next allowed time; it belongs to the date and time the agent typed.
        for message in error.messages:
            form.add_error("date", message)
        return _render(request, session, status=400, redial_form=form)
    whose = "personal" if request_row.is_personal else "common"
    when = local(request_row.due_at, attempt.campaign.zone)
    messages.success(request, f"Redial added: {whose}, due {when:%a %d %b %H:%M} ({attempt.campaign.zone}).")
    return redirect("wrapup:workspace")


@workspace_required
@require_POST
def update_notes(request):
    session = sessions.get_session(request.user)
    form = NotesForm(request.POST)
    if not form.is_valid():
        return _render(request, session, status=400, notes_form=form)
    if session.current_contact is None:
        return _refused(request, sessions.ActionRefused("You have no customer on the line."))
    try:
        wrap_up.update_contact_notes(request.user, session.current_contact, form.cleaned_data["notes"])
    except sessions.ActionRefused as error:
        return _refused(request, error)
    except ValidationError as error:
        for message in error.messages:
            form.add_error("notes", message)
        return _render(request, session, status=400, notes_form=form)
    messages.success(request, "Notes saved.")
    return redirect("wrapup:workspace")


@workspace_required
def attempt_detail(request, pk: int):
    attempt = _own_attempt(request, pk)
    return render(request, "wrapup/attempt_detail.html", {"attempt": attempt})


@workspace_required
def redial_detail(request, pk: int):
    redial = get_object_or_404(RedialRequest.objects.select_related("contact", "campaign"), pk=pk, owner=request.user)
    return render(request, "wrapup/redial_detail.html", {"redial": redial})
