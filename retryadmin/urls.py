from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.urls import include, path

from . import views

urlpatterns = [
    path("", views.home, name="home"),
    path(
        "login/",
        auth_views.LoginView.as_view(template_name="registration/login.html", redirect_authenticated_user=True),
        name="login",
    ),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("healthz/", login_not_required(views.healthz), name="healthz"),
    path("admin/", admin.site.urls),
    path("strategies/", include("strategies.urls")),
    path("campaigns/", include("campaigns.web.urls")),
    path("agent/", include("wrapup.urls")),
    path("webhooks/", include("campaigns.telephony.urls")),
    path("api/", include("campaigns.api.urls")),
]
