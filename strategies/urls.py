from django.urls import path

from . import views

app_name = "strategies"
urlpatterns = [
    path("", views.strategy_list, name="list"),
    path("new/", views.strategy_create, name="create"),
    path("preview/", views.strategy_preview, name="preview"),
    path("<int:pk>/", views.strategy_detail, name="detail"),
    path("<int:pk>/edit/", views.strategy_edit, name="edit"),
    path("<int:pk>/delete/", views.strategy_delete, name="delete"),
]
