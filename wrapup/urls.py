from django.urls import path

from . import views, views_floor

app_name = "wrapup"
urlpatterns = [
    path("", views.workspace, name="workspace"),
    path("join/", views.join, name="join"),
    path("leave/", views.leave, name="leave"),
    path("pause/", views.pause, name="pause"),
    path("resume/", views.resume, name="resume"),
    path("next-call/", views.next_call, name="next_call"),
    path("call-end/", views.call_end, name="call_end"),
    path("notes/", views.update_notes, name="notes"),
    path("attempts/<int:pk>/", views.attempt_detail, name="attempt"),
    path("attempts/<int:pk>/result/", views.choose_result, name="result"),
    path("attempts/<int:pk>/end/", views.end_wrap_up, name="end_wrap_up"),
    path("attempts/<int:pk>/redial/", views.add_redial, name="add_redial"),
    path("redials/<int:pk>/", views.redial_detail, name="redial"),
    path("floor/", views_floor.floor, name="floor"),
    path("floor/live/", views_floor.floor_live, name="floor_live"),
]
