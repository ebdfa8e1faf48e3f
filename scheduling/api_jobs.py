"""The scheduled jobs' REST API, in ScheduleZero's shape, mounted at `/api/`:

* `POST /api/schedule/` `{"job_method", "job_params", "trigger", "guild_id", "job_id"?, "handler_id"?, …}`
  → 201 `{"status": "success", "job_id"}`; 400 naming the field at fault; 409 for a taken `job_id`.
* `GET /api/schedules/` (filter by guild_id, method, enabled), `GET`/`PATCH`/`DELETE
  /api/schedules/{job_id}/`, `POST /api/run_now/` `{"job_id"}`, and `GET /api/executions/` (every
  run with its delivery outcome).

Who may: the guild's admins (a linked login at admin level there) and staff (docs/authorization.md).
A login sees the jobs of the guilds it is an admin of; another guild's job is a 404, one of a guild
it is a member (not an admin) of a 403. The services decide every write with the login's actor.
"""

from __future__ import annotations

import django_filters
from django.db.models import OuterRef, Subquery
from django.http import Http404
from django.utils import timezone
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_field
from rest_framework import generics, permissions, serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from config.actors import Actor, actor_for_request, member_guild_ids
from config.exceptions import ApplicationError
from config.filters import SnowflakeFilter
from config.permissions import NOT_A_MEMBER
from config.schema import ErrorSerializer
from config.serializers import IntegerField, ModelSerializer, SnowflakeField, ZoneSerializerField
from scheduling.models import Dispatch, ScheduledJob
from scheduling.services import jobs as services

TAG = ["scheduled jobs"]

# --------------------------------------------------------------------------- who sees which guild


def admin_guild_ids(request) -> list[int]:
    """The guilds the login is an admin of (a handful: one actor per guild it was seen in)."""
    return [
        guild_id
        for guild_id in member_guild_ids(request.user)
        if actor_for_request(request, guild_id=guild_id).is_admin
    ]


def visible(queryset, request):
    """The rows of the guilds the login is an admin of (every row for staff)."""
    if request.user.is_staff:
        return queryset
    return queryset.filter(guild_id__in=admin_guild_ids(request))


def acting(request, guild_id: int) -> Actor:
    """The login's actor in `guild_id`: staff as staff; a member at their level (the services
    refuse a non-admin); a login that is not a member there is refused."""
    actor = actor_for_request(request, guild_id=guild_id)
    if not actor.is_staff and not actor.is_member:
        raise ApplicationError(NOT_A_MEMBER, field="guild_id", code="permission_denied")
    return actor


def job_of(request, job_id: str) -> tuple[ScheduledJob, Actor]:
    """The job `job_id` and the login's actor in its guild: a 404 when the login is not a member
    of that guild (so another guild's job is not even confirmed to exist)."""
    job = ScheduledJob.objects.filter(job_id=job_id).first() if services.is_job_id(job_id) else None
    if job is None:
        raise Http404
    actor = actor_for_request(request, guild_id=job.guild_id)
    if not (actor.is_staff or actor.is_member):
        raise Http404
    return job, actor


def _refused(exc: ApplicationError) -> Response:
    """A service refusal the exception handler does not map by itself: 409 and 404."""
    code = {"conflict": status.HTTP_409_CONFLICT, "not_found": status.HTTP_404_NOT_FOUND}[exc.code]
    return Response({"detail": exc.message, "code": exc.code, "fields": exc.field_errors()}, status=code)


class ServiceRefusals:
    # Conflicts (a taken job id) are 409 and a job gone meanwhile 404; other refusals as usual.
    # (A comment, not a docstring: the schema would show it as every view's description.)

    def handle_exception(self, exc):
        if isinstance(exc, ApplicationError) and exc.code in ("conflict", "not_found"):
            return _refused(exc)
        return super().handle_exception(exc)


# --------------------------------------------------------------------------- serializers


class JobCreateSerializer(serializers.Serializer):
    job_method = serializers.CharField(help_text=f"One of {', '.join(ScheduledJob.Method.values)}.")
    job_params = serializers.JSONField(help_text="The method's parameters (see docs/scheduling.md).")
    trigger = serializers.JSONField(
        help_text='{"type": "date", "run_date"}, {"type": "interval", "hours": 1, …} or {"type": "cron", …}.'
    )
    guild_id = SnowflakeField(help_text="The guild the job belongs to.")
    job_id = serializers.CharField(required=False, allow_blank=True, max_length=200, help_text="Generated if left out.")
    handler_id = serializers.CharField(required=False, allow_blank=True, max_length=100)
    name = serializers.CharField(required=False, allow_blank=True, max_length=200)
    timezone = ZoneSerializerField(required=False, help_text="The job's zone when the trigger names none (UTC).")
    enabled = serializers.BooleanField(required=False, default=True)
    misfire_policy = serializers.ChoiceField(choices=ScheduledJob.Misfire.choices, required=False)
    misfire_grace_seconds = IntegerField(required=False, min_value=0)


class JobCreatedSerializer(serializers.Serializer):
    status = serializers.CharField()
    job_id = serializers.CharField()


class JobPatchSerializer(serializers.Serializer):
    job_method = serializers.CharField(required=False)
    job_params = serializers.JSONField(required=False)
    trigger = serializers.JSONField(required=False)
    name = serializers.CharField(required=False, allow_blank=True, max_length=200)
    timezone = ZoneSerializerField(required=False)
    enabled = serializers.BooleanField(required=False)
    misfire_policy = serializers.ChoiceField(choices=ScheduledJob.Misfire.choices, required=False)
    misfire_grace_seconds = IntegerField(required=False, min_value=0)


class RunNowSerializer(serializers.Serializer):
    job_id = serializers.CharField(max_length=200)


class RunNowResultSerializer(serializers.Serializer):
    status = serializers.CharField()
    job_id = serializers.CharField()
    execution_id = serializers.IntegerField()


class LastRunSerializer(serializers.Serializer):
    at = serializers.DateTimeField(source="last_run_at")
    status = serializers.CharField(source="last_status")
    outcome = serializers.CharField(source="last_outcome")
    detail = serializers.CharField(source="last_detail")


class JobSerializer(ModelSerializer):
    job_method = serializers.CharField(source="method")
    job_params = serializers.JSONField(source="params")
    last_run = serializers.SerializerMethodField()
    next_runs = serializers.SerializerMethodField()

    class Meta:
        model = ScheduledJob
        fields = [
            "job_id",
            "guild_id",
            "name",
            "handler_id",
            "job_method",
            "job_params",
            "trigger",
            "timezone",
            "enabled",
            "misfire_policy",
            "misfire_grace_seconds",
            "next_fire_at",
            "last_run",
            "next_runs",
            "finished_at",
            "created_by",
            "created_at",
            "updated_at",
        ]

    @extend_schema_field(LastRunSerializer(allow_null=True))
    def get_last_run(self, job) -> dict | None:
        if getattr(job, "last_status", None) is None:
            return None
        return LastRunSerializer(job).data

    def get_next_runs(self, job) -> list[str]:
        """The next 5 runs (UTC) while the job is enabled."""
        if not job.enabled:
            return []
        now = self.context.get("now") or timezone.now()
        return [serializers.DateTimeField().to_representation(run) for run in services.upcoming_runs(job, after=now)]


class ExecutionSerializer(ModelSerializer):
    execution_id = serializers.IntegerField(source="pk")
    job_id = serializers.CharField(allow_null=True, help_text="Null once the job was deleted.")

    class Meta:
        model = Dispatch
        fields = [
            "execution_id",
            "job_id",
            "guild_id",
            "occurrence",
            "kind",
            "status",
            "dispatched_at",
            "outcome",
            "detail",
            "outcome_at",
        ]


# --------------------------------------------------------------------------- filters and querysets


def jobs_with_last_run():
    last = Dispatch.objects.filter(source=services.JobSource.name, source_id=OuterRef("pk")).order_by(
        "-dispatched_at", "-id"
    )
    return ScheduledJob.objects.annotate(
        last_status=Subquery(last.values("status")[:1]),
        last_outcome=Subquery(last.values("outcome")[:1]),
        last_detail=Subquery(last.values("detail")[:1]),
    ).order_by("guild_id", "name", "id")


def executions():
    job_id = ScheduledJob.objects.filter(pk=OuterRef("source_id")).values("job_id")[:1]
    return (
        Dispatch.objects.filter(source=services.JobSource.name)
        .annotate(job_id=Subquery(job_id))
        .order_by("-dispatched_at", "-id")
    )


class JobFilter(django_filters.FilterSet):
    guild_id = SnowflakeFilter(help_text="Only this guild's jobs.")
    method = django_filters.ChoiceFilter(choices=ScheduledJob.Method.choices, help_text="Only jobs of this method.")
    enabled = django_filters.BooleanFilter(help_text="Only enabled (true) or paused (false) jobs.")

    class Meta:
        model = ScheduledJob
        fields = ["guild_id", "method", "enabled"]


class ExecutionFilter(django_filters.FilterSet):
    guild_id = SnowflakeFilter(help_text="Only this guild's runs.")
    job_id = django_filters.CharFilter(method="filter_job", help_text="Only this job's runs.")
    status = django_filters.ChoiceFilter(choices=Dispatch.Status.choices)
    outcome = django_filters.ChoiceFilter(choices=Dispatch.Outcome.choices)

    class Meta:
        model = Dispatch
        fields = ["guild_id", "job_id", "status", "outcome"]

    def filter_job(self, queryset, name, value):
        return queryset.filter(source_id__in=ScheduledJob.objects.filter(job_id=value).values("pk"))


# --------------------------------------------------------------------------- views

CONFLICT = OpenApiResponse(ErrorSerializer, description="A job with this job_id exists already.")


@extend_schema(tags=TAG)
class ScheduleView(ServiceRefusals, APIView):
    """Schedule a job (the guild's admins, staff; update_status: staff only)."""

    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(
        operation_id="jobs_schedule",
        request=JobCreateSerializer,
        responses={201: JobCreatedSerializer, 409: CONFLICT},
    )
    def post(self, request):
        data = JobCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        actor = acting(request, values["guild_id"])
        optional = {
            key: values[key]
            for key in ("job_id", "handler_id", "name", "misfire_policy", "misfire_grace_seconds")
            if key in values
        }
        job = services.job_create(
            actor=actor,
            guild_id=values["guild_id"],
            method=values["job_method"],
            params=values["job_params"],
            trigger=values["trigger"],
            timezone_name=values["timezone"].key if values.get("timezone") else "UTC",
            enabled=values["enabled"],
            **optional,
        )
        return Response({"status": "success", "job_id": job.job_id}, status=status.HTTP_201_CREATED)


@extend_schema(tags=TAG)
class ScheduleListView(generics.ListAPIView):
    """The scheduled jobs of the guilds the login is an admin of (staff: all), with the last run's
    outcome and the next 5 runs."""

    permission_classes = [permissions.IsAuthenticated]
    serializer_class = JobSerializer
    filter_backends = [DjangoFilterBackend]
    filterset_class = JobFilter

    def get_queryset(self):
        return visible(jobs_with_last_run(), self.request)

    @extend_schema(operation_id="jobs_list")
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


@extend_schema(tags=TAG)
class ScheduleDetailView(ServiceRefusals, APIView):
    """One scheduled job: read, change (pause/resume with `enabled`) or delete."""

    permission_classes = [permissions.IsAuthenticated]

    def _job(self, request, job_id: str) -> tuple[ScheduledJob, Actor]:
        job, actor = job_of(request, job_id)
        if not (actor.is_admin or actor.is_staff):
            raise ApplicationError(services.NOT_ADMIN, code="permission_denied")
        return job, actor

    @extend_schema(operation_id="jobs_retrieve", responses=JobSerializer)
    def get(self, request, job_id: str):
        job, _ = self._job(request, job_id)
        return Response(JobSerializer(jobs_with_last_run().get(pk=job.pk)).data)

    @extend_schema(operation_id="jobs_partial_update", request=JobPatchSerializer, responses=JobSerializer)
    def patch(self, request, job_id: str):
        job, actor = self._job(request, job_id)
        data = JobPatchSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        names = {"job_method": "method", "job_params": "params"}
        changes = {names.get(key, key): value for key, value in data.validated_data.items()}
        if "timezone" in changes:
            changes["timezone"] = changes["timezone"].key
        services.job_update(actor=actor, guild_id=job.guild_id, job_id=job.job_id, changes=changes)
        return Response(JobSerializer(jobs_with_last_run().get(pk=job.pk)).data)

    @extend_schema(operation_id="jobs_destroy", responses={204: None})
    def delete(self, request, job_id: str):
        job, actor = self._job(request, job_id)
        services.job_delete(actor=actor, guild_id=job.guild_id, job_id=job.job_id)
        return Response(status=status.HTTP_204_NO_CONTENT)


@extend_schema(tags=TAG)
class RunNowView(ServiceRefusals, APIView):
    """Run a job once now, outside its schedule (a paused or finished one too)."""

    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(operation_id="jobs_run_now", request=RunNowSerializer, responses=RunNowResultSerializer)
    def post(self, request):
        data = RunNowSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        job, actor = job_of(request, data.validated_data["job_id"])
        record = services.job_run_now(actor=actor, guild_id=job.guild_id, job_id=job.job_id)
        return Response({"status": "success", "job_id": job.job_id, "execution_id": record.pk})


@extend_schema(tags=TAG)
class ExecutionListView(generics.ListAPIView):
    """Every run of the jobs the login may see (newest first): its status (sent, late, missed,
    failed) and its delivery outcome (pending, done, retrying, dead with the reason)."""

    permission_classes = [permissions.IsAuthenticated]
    serializer_class = ExecutionSerializer
    filter_backends = [DjangoFilterBackend]
    filterset_class = ExecutionFilter

    def get_queryset(self):
        return visible(executions(), self.request)

    @extend_schema(operation_id="jobs_executions_list")
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)
