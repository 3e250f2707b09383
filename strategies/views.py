"""The supervisor's strategy screens: list, create, view, edit, delete, and the live preview.

Views parse and check access; the checks live in strategies.forms and strategies.services.
"""

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.db.models import Q
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from . import services
from .forms import PreviewSampleForm, StrategyForms, looks_like_db_id
from .models import Strategy

KIND_FILTERS = dict(Strategy.Kind.choices)


@permission_required("strategies.view_strategy", raise_exception=True)
def strategy_list(request):
    query = (request.GET.get("q") or "").strip()[:100]
    kind = request.GET.get("kind") or ""
    strategies = services.strategies_with_counts().order_by("name")
    if query:
        strategies = strategies.filter(Q(name__icontains=query) | Q(description__icontains=query))
    if kind in KIND_FILTERS:
        strategies = strategies.filter(kind=kind)
    else:
        kind = ""
    rows = [{"strategy": s, "campaigns": services.campaign_names(s)} for s in strategies]
    return render(
        request,
        "strategies/strategy_list.html",
        {"rows": rows, "query": query, "kind": kind, "kinds": Strategy.Kind.choices},
    )


@permission_required("strategies.view_strategy", raise_exception=True)
def strategy_detail(request, pk):
    strategy = get_object_or_404(Strategy, pk=pk)
    spec = services.spec_from_strategy(strategy)
    sample_form = PreviewSampleForm(spec=spec)
    timeline = _timeline(spec, sample_form, [])
    context = {
        "strategy": strategy,
        "rules": strategy.rules.select_related("outcome", "call_result"),
        "steps": strategy.ladder_steps.all(),
        "ladder_outcomes": strategy.ladder_outcomes.all(),
        "usage": services.strategy_usage(strategy),
        "sample_form": sample_form,
        "timeline": timeline,
    }
    return render(request, "strategies/strategy_detail.html", context)


@permission_required("strategies.add_strategy", raise_exception=True)
def strategy_create(request):
    return _edit(request, Strategy())


@permission_required("strategies.change_strategy", raise_exception=True)
def strategy_edit(request, pk):
    return _edit(request, get_object_or_404(Strategy, pk=pk))


def _edit(request, strategy: Strategy):
    is_new = strategy.pk is None
    if request.method == "POST":
        bundle = StrategyForms(request.POST, instance=strategy)
        sample_form = PreviewSampleForm(request.POST)
        if bundle.is_valid():
            saved = bundle.save()
            messages.success(request, f"Strategy {saved.name} {'created' if is_new else 'saved'}.")
            return redirect("strategies:detail", pk=saved.pk)
        messages.error(request, "The strategy was not saved: correct the fields marked below.")
        spec, problems = bundle.draft_spec()
    else:
        bundle = StrategyForms(instance=None if is_new else strategy)
        spec = None if is_new else services.spec_from_strategy(strategy)
        problems = []
        sample_form = PreviewSampleForm(spec=spec)
    context = {
        "strategy": strategy,
        "is_new": is_new,
        "bundle": bundle,
        "form": bundle.form,
        "rules": bundle.rules,
        "steps": bundle.steps,
        "sample_form": sample_form,
        "timeline": _timeline(spec, sample_form, problems),
    }
    return render(request, "strategies/strategy_form.html", context, status=200)


@require_http_methods(["GET", "POST"])
@permission_required("strategies.delete_strategy", raise_exception=True)
def strategy_delete(request, pk):
    strategy = get_object_or_404(Strategy, pk=pk)
    if request.method == "POST":
        try:
            services.delete_strategy(strategy)
        except services.StrategyInUse as exc:
            messages.error(request, f"Not deleted: {exc}")
            return redirect("strategies:delete", pk=strategy.pk)
        messages.success(request, f"Strategy {strategy.name} deleted.")
        return redirect("strategies:list")
    return render(
        request,
        "strategies/strategy_confirm_delete.html",
        {"strategy": strategy, "usage": services.strategy_usage(strategy)},
    )


@require_POST
@permission_required("strategies.view_strategy", raise_exception=True)
def strategy_preview(request):
    """The preview pane: the engine's timeline for the strategy as it is being edited (or a saved one, with
    `preview_saved=<pk>`), for the sample campaign. Saves nothing; bad or half-filled input is listed."""
    saved = _saved_strategy(request.POST.get("preview_saved"))
    if saved is not None:
        spec, problems = services.spec_from_strategy(saved), []
    else:
        editing = _saved_strategy(request.POST.get("preview_strategy"))
        spec, problems = StrategyForms(request.POST, instance=editing).draft_spec()
    sample_form = PreviewSampleForm(request.POST)
    return render(request, "strategies/_preview.html", {"timeline": _timeline(spec, sample_form, problems)})


def _saved_strategy(value) -> Strategy | None:
    """The strategy whose id `value` is; None when it is missing, not a number, or no such strategy."""
    if value is None or not looks_like_db_id(value):
        return None
    return Strategy.objects.filter(pk=int(value)).first()


def _timeline(spec, sample_form: PreviewSampleForm, problems: list[str]) -> services.Timeline:
    problems = list(problems)
    sample = sample_form.sample()
    if sample is None:
        return services.Timeline((), tuple(problems + sample_form.problems()))
    try:
        timeline = services.preview_timeline(spec, sample, services.catalog_from_db())
    except (ValueError, OverflowError) as exc:
        # Dates at the edge of what datetime holds, and the like: bad input, shown as such.
        return services.Timeline((), tuple([*problems, f"The sample cannot be scheduled: {exc}"]))
    return services.Timeline(timeline.steps, tuple(problems), timeline.note)
