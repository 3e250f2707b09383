"""The product's URLs plus one view that fails, to see the 500 page as a user would."""

from django.contrib.auth.decorators import login_not_required
from django.urls import include, path


@login_not_required
def fail(request):
    raise RuntimeError("a bug in a view")


urlpatterns = [path("failing/", fail), path("", include("retryadmin.urls"))]
