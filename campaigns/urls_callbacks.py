from django.urls import path

from . import views_callbacks as views

urlpatterns = [
    path("", views.callback_list, name="callbacks"),
]
