"""The scheduled jobs' API, in ScheduleZero's paths, mounted at `/api/` by config/urls.py."""

from django.urls import path

from scheduling import api_jobs

app_name = "jobs"

urlpatterns = [
    path("schedule/", api_jobs.ScheduleView.as_view(), name="schedule"),
    path("schedules/", api_jobs.ScheduleListView.as_view(), name="schedules"),
    path("schedules/<str:job_id>/", api_jobs.ScheduleDetailView.as_view(), name="schedule-detail"),
    path("run_now/", api_jobs.RunNowView.as_view(), name="run-now"),
    path("executions/", api_jobs.ExecutionListView.as_view(), name="executions"),
]
