from django.contrib.auth.decorators import permission_required
from django.shortcuts import render

from .models import Campaign


@permission_required("campaigns.view_campaign", raise_exception=True)
def campaign_list(request):
    return render(request, "campaigns/campaign_list.html", {"campaigns": Campaign.objects.all()})
