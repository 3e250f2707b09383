from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.templatetags.static import static
from django.urls import include, path
from django.views.generic import RedirectView

from . import views

admin.site.site_header = "Retry Admin administration"
admin.site.site_title = "Retry Admin"
admin.site.index_title = "Outcome catalog, mappings, strategies, campaigns and callbacks"

urlpatterns = [
    path("", views.home, name="home"),
    path(
        "login/",
        auth_views.LoginView.as_view(template_name="registration/login.html", redirect_authenticated_user=True),
        name="login",
    ),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("healthz/", login_not_required(views.healthz), name="healthz"),
    # Browsers ask for /favicon.ico before reading the page's <link rel="icon">: no login page for that.
    path("favicon.ico", login_not_required(RedirectView.as_view(url=static("img/favicon.svg"), permanent=True))),
    path("admin/", admin.site.urls),
    path("strategies/", include("strategies.urls")),
    path("campaigns/", include("campaigns.web.urls")),
    path("agent/", include("wrapup.urls")),
    path("webhooks/", include("campaigns.telephony.urls")),
    path("api/", include("campaigns.api.urls")),
]
