from django.urls import path

from shifts import api

app_name = "shifts"

urlpatterns = [
    path("schedules/", api.ScheduleListCreate.as_view(), name="schedules"),
    path("schedules/<int:pk>/", api.ScheduleDetail.as_view(), name="schedule"),
    path("shifts/", api.ShiftListCreate.as_view(), name="shifts"),
    path("shifts/<int:pk>/", api.ShiftDetail.as_view(), name="shift"),
    path("shifts/<int:pk>/cancel/", api.ShiftCancel.as_view(), name="shift-cancel"),
    path("shifts/<int:pk>/claim/", api.ShiftClaim.as_view(), name="shift-claim"),
    path("shifts/<int:pk>/release/", api.ShiftRelease.as_view(), name="shift-release"),
    path("stats/", api.Stats.as_view(), name="stats"),
]
