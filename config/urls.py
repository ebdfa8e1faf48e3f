from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

import config.converters  # noqa: F401 - registers <snowflake:…> before the apps' URLs are read
from config.api import HealthView
from config.logins import LoginTokenView

api_urlpatterns = [
    path("health/", HealthView.as_view(), name="health"),
    path("auth/token/", LoginTokenView.as_view(), name="auth-token"),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    # The split view serves the page's script as a file of its own: no inline script under the CSP.
    path(
        "docs/",
        SpectacularSwaggerSplitView.as_view(url_name="schema", template_name="guildhall/swagger_ui.html"),
        name="docs",
    ),
]

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/", include(api_urlpatterns)),
    path("api-auth/", include("rest_framework.urls")),
    path("discord/", include("botworker.urls")),
    path("api/shifts/", include("shifts.urls")),
    path("api/scheduling/", include("scheduling.urls")),
    # Scheduled jobs, in ScheduleZero's paths (/api/schedule/, /api/schedules/, /api/run_now/, …).
    path("api/", include("scheduling.urls_jobs")),
    path("api/attendance/", include("attendance.urls")),
    path("api/timetracking/", include("timetracking.urls")),
    path("api/support/", include("support.urls")),
]
