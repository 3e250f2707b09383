"""The JSON API under /api/ (no login: each endpoint authenticates with its own key)."""

app_name = "api"
urlpatterns: list = []
