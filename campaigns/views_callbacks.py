from django.contrib.auth.decorators import permission_required
from django.shortcuts import render

from .models import RedialRequest


@permission_required("campaigns.view_redialrequest", raise_exception=True)
def callback_list(request):
    requests = RedialRequest.objects.filter(status__in=RedialRequest.OPEN_STATUSES).select_related(
        "contact", "campaign", "owner"
    )[:100]
    return render(request, "campaigns/callback_list.html", {"requests": requests})
