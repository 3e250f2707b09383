from django.urls import path

from . import views

app_name = "wrapup"
urlpatterns = [
    path("", views.workspace, name="workspace"),
]
