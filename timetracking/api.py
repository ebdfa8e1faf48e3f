"""The time-tracking REST API under `/api/timetracking/`. Time is personal: a login sees and
writes only its own (the Discord user it is linked to, see docs/authorization.md); staff see
everyone's. Views are thin: validate, call a service or selector, serialize."""

from __future__ import annotations

import csv
import io

from django.shortcuts import get_object_or_404
from django.utils import timezone
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import BasePermission
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response

from config.actors import actor_for_request
from config.exceptions import ApplicationError
from timetracking import selectors, services
from timetracking.durations import format_duration
from timetracking.filters import AllocationFilter, SessionFilter, SubjectFilter
from timetracking.models import FocusSession, Subject, TrackedUser, WeeklyAllocation
from timetracking.serializers import (
    AllocationSerializer,
    AllocationSetSerializer,
    ReportQuerySerializer,
    SessionSerializer,
    SubjectCreateSerializer,
    SubjectSerializer,
    TrackedUserSerializer,
    WeeklyReportSerializer,
)

CSV_COLUMNS = [
    "week_start",
    "subject_id",
    "subject",
    "allocated_minutes",
    "tracked_seconds",
    "tracked",
    "remaining_seconds",
    "progress_percent",
    "sessions",
]


class WeeklyReportCSVRenderer(BaseRenderer):
    """The weekly report as CSV: one row per subject and a TOTAL row (same numbers as the JSON)."""

    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None) -> bytes:
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        if not isinstance(data, dict) or "subjects" not in data:
            # An error: the API's one error shape, flattened.
            writer.writerow(["detail", "code"])
            writer.writerow([(data or {}).get("detail", ""), (data or {}).get("code", "")])
            return out.getvalue().encode()
        writer.writerow(CSV_COLUMNS)
        for line in data["subjects"]:
            writer.writerow(
                [
                    data["week_start"],
                    line["subject_id"],
                    line["subject"],
                    "" if line["allocated_minutes"] is None else line["allocated_minutes"],
                    line["tracked_seconds"],
                    line["tracked"],
                    line["remaining_seconds"],
                    "" if line["progress_percent"] is None else line["progress_percent"],
                    line["sessions"],
                ]
            )
        totals = data["totals"]
        writer.writerow(
            [
                data["week_start"],
                "",
                "TOTAL",
                totals["allocated_minutes"],
                totals["tracked_seconds"],
                format_duration(totals["tracked_minutes"] * 60),
                totals["remaining_seconds"],
                "",
                sum(line["sessions"] for line in data["subjects"]),
            ]
        )
        return out.getvalue().encode()


NOT_LINKED = "Your login is not linked to a Discord user, so it has no time of its own here (/api_token links one)."
NOT_YOURS = "Time tracking is personal: you can only write your own (the Discord user your login is linked to)."


def owner_id(request: Request) -> int | None:
    """The Discord user whose time the login may see (None: staff see everyone's)."""
    if request.user.is_staff:
        return None
    return actor_for_request(request).user_id or 0


def require_owner(request: Request, user_id: int) -> None:
    owner = owner_id(request)
    if owner is not None and owner != user_id:
        raise ApplicationError(NOT_YOURS, field="user", code="permission_denied")


class LinkedOrStaff(BasePermission):
    """Staff, or a login linked to a Discord user (whose own time it then sees)."""

    message = NOT_LINKED

    def has_permission(self, request, view) -> bool:
        return bool(request.user and request.user.is_authenticated) and (
            request.user.is_staff or actor_for_request(request).user_id is not None
        )


class OwnerOrStaff:
    permission_classes = [LinkedOrStaff]
    lookup_value_regex = r"\d{1,19}"
    filter_backends = [DjangoFilterBackend]
    owner_field = "user_id"

    def get_queryset(self):
        queryset = super().get_queryset()
        owner = owner_id(self.request)
        return queryset if owner is None else queryset.filter(**{self.owner_field: owner})


@extend_schema_view(
    list=extend_schema(summary="List tracked users"),
    retrieve=extend_schema(summary="One tracked user"),
)
class TrackedUserViewSet(OwnerOrStaff, viewsets.ReadOnlyModelViewSet):
    """Members who track time: their zone and summary preference, and their weekly report."""

    serializer_class = TrackedUserSerializer
    queryset = TrackedUser.objects.order_by("id")
    owner_field = "pk"

    @extend_schema(
        summary="A user's weekly report",
        description=(
            "Allocated, tracked (effective time of the week's sessions, confirmed or not, open ones up to now) "
            "and remaining time per subject: the numbers `/alloc show` gives. `?format=csv` (or `Accept: text/csv`) "
            "returns it as CSV."
        ),
        parameters=[ReportQuerySerializer],
        responses={200: WeeklyReportSerializer, 404: OpenApiResponse(description="No such tracked user.")},
    )
    @action(detail=True, methods=["get"], renderer_classes=[JSONRenderer, WeeklyReportCSVRenderer])
    def report(self, request: Request, pk=None) -> Response:
        user = get_object_or_404(self.get_queryset(), pk=pk)
        query = ReportQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        report = selectors.weekly_report(user_id=user.pk, week_start=query.validated_data.get("week"))
        response = Response(WeeklyReportSerializer(report).data)
        if request.accepted_renderer.format == "csv":
            filename = f"timetracking-{user.pk}-{report.week.start_date.isoformat()}.csv"
            response["Content-Disposition"] = f'attachment; filename="{filename}"'
        return response


@extend_schema_view(
    list=extend_schema(summary="List subjects"),
    retrieve=extend_schema(summary="One subject"),
    create=extend_schema(
        summary="Create a subject",
        request=SubjectCreateSerializer,
        responses={201: SubjectSerializer},
    ),
)
class SubjectViewSet(OwnerOrStaff, mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """What members track time on (list, read, create)."""

    serializer_class = SubjectSerializer
    filterset_class = SubjectFilter
    queryset = Subject.objects.order_by("user_id", "name")

    def create(self, request: Request, *args, **kwargs) -> Response:
        data = SubjectCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        require_owner(request, data.validated_data["user"])
        subject = services.subject_create(user_id=data.validated_data["user"], name=data.validated_data["name"])
        return Response(SubjectSerializer(subject).data, status=status.HTTP_201_CREATED)


@extend_schema_view(
    list=extend_schema(summary="List weekly allocations"),
    retrieve=extend_schema(summary="One weekly allocation"),
    create=extend_schema(
        summary="Set a weekly allocation",
        description="Creates the allocation, or replaces the minutes of the existing one for that user, subject and week.",
        request=AllocationSetSerializer,
        responses={200: AllocationSerializer},
    ),
)
class AllocationViewSet(OwnerOrStaff, mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Weekly time allocations per subject (list, read, create)."""

    serializer_class = AllocationSerializer
    filterset_class = AllocationFilter
    queryset = WeeklyAllocation.objects.select_related("subject").order_by(
        "-week_start_date", "user_id", "subject__name"
    )

    def create(self, request: Request, *args, **kwargs) -> Response:
        data = AllocationSetSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        require_owner(request, values["user"])
        allocation = services.allocation_set(
            user_id=values["user"],
            subject_id=values.get("subject"),
            subject=values.get("subject_name"),
            minutes=values["minutes_allocated"],
            week_start=values.get("week_start_date"),
        )
        allocation = WeeklyAllocation.objects.select_related("subject").get(pk=allocation.pk)
        return Response(AllocationSerializer(allocation).data, status=status.HTTP_200_OK)


@extend_schema_view(
    list=extend_schema(summary="List focus sessions"),
    retrieve=extend_schema(summary="One focus session"),
)
class SessionViewSet(OwnerOrStaff, viewsets.ReadOnlyModelViewSet):
    """Focus sessions (list, read), filtered by member, subject, status and week."""

    serializer_class = SessionSerializer
    filterset_class = SessionFilter
    queryset = FocusSession.objects.select_related("subject").order_by("-started_at", "-id")

    def get_serializer_context(self):
        return {**super().get_serializer_context(), "now": timezone.now()}
