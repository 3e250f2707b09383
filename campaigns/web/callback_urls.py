from django.urls import path

from campaigns.web import callback_views as views

urlpatterns = [
    path("", views.callback_list_view, name="callbacks"),
    path("<int:pk>/cancel/", views.callback_cancel, name="callback_cancel"),
    path("<int:pk>/reschedule/", views.callback_reschedule, name="callback_reschedule"),
    path("<int:pk>/reassign/", views.callback_reassign, name="callback_reassign"),
]
