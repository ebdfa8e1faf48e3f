"""`/api/timetracking/`: users (with their weekly report), subjects, allocations, sessions."""

from rest_framework.routers import DefaultRouter

from timetracking.api import AllocationViewSet, SessionViewSet, SubjectViewSet, TrackedUserViewSet

app_name = "timetracking"

router = DefaultRouter()
router.register("users", TrackedUserViewSet, basename="user")
router.register("subjects", SubjectViewSet, basename="subject")
router.register("allocations", AllocationViewSet, basename="allocation")
router.register("sessions", SessionViewSet, basename="session")

urlpatterns = router.urls
