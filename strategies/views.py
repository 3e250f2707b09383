from django.contrib.auth.decorators import permission_required
from django.shortcuts import render

from .models import Strategy


@permission_required("strategies.view_strategy", raise_exception=True)
def strategy_list(request):
    strategies = Strategy.objects.order_by("name")
    return render(request, "strategies/strategy_list.html", {"strategies": strategies})
