"""The shifts REST API: thin views over the same services and selectors as Discord.

Who may do what is docs/authorization.md: a login sees the shifts and schedules of the guilds it
is a member of (staff: every guild); another guild's row is a 404. A write names the Discord user
it acts for (`user_id`): a member acts for themselves at the level resolved for the guild (the
services decide, exactly as in Discord); staff act for anyone with admin rights, so the service
checks that remain are the domain's (state, fairness, time, policy). A drop names the shift channel
(`channel_id`): the shift channel lives in the guild configuration, which this domain app does not
read, and a drop without one is refused (400, code `no_channel`).
"""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from django.utils import timezone
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import extend_schema
from rest_framework import generics, permissions, status
from rest_framework.response import Response
from rest_framework.views import APIView

from config.actors import actor_for_request, member_guild_ids
from config.exceptions import ApplicationError
from config.permissions import NOT_A_MEMBER
from shifts import selectors, services
from shifts.filters import ScheduleFilter, ShiftFilter
from shifts.models import ModSchedule, Shift
from shifts.serializers import (
    GuildActorSerializer,
    ScheduleCreateSerializer,
    ScheduleSerializer,
    ShiftActorSerializer,
    ShiftCancelSerializer,
    ShiftDropSerializer,
    ShiftEditSerializer,
    ShiftSerializer,
    StatsQuerySerializer,
    StatsRowSerializer,
)

NOT_YOURSELF = "You can only act for yourself: `user_id` must be the Discord user your login is linked to."


def visible(queryset, request):
    """The rows of the guilds the login is a member of (every row for staff)."""
    if request.user.is_staff:
        return queryset
    return queryset.filter(guild_id__in=member_guild_ids(request.user))


def acting(request, *, guild_id: int, user_id: int, for_self: bool = True) -> services.Actor:
    """Who acts in a write. Staff: `user_id` with admin rights. Anyone else: their own actor in the
    guild (a member there; `user_id`, when it names who acts, must be their own)."""
    if request.user.is_staff:
        return staff_actor(user_id)
    actor = actor_for_request(request, guild_id=guild_id)
    if not actor.is_member:
        raise ApplicationError(NOT_A_MEMBER, field="guild_id", code="permission_denied")
    if for_self and user_id != actor.user_id:
        raise ApplicationError(NOT_YOURSELF, field="user_id", code="permission_denied")
    return actor


# Services name fields as the Discord options do; the API's bodies name two of them differently.
API_FIELD_NAMES = {"duration": "duration_hours", "day": "day_of_week", "slot": "slot_id"}


class ApiFieldNames:
    # Re-labels a service refusal's field with the API's name for it. (A comment, not a
    # docstring: the schema would show a mixin's docstring as every view's description.)

    def handle_exception(self, exc):
        if isinstance(exc, ApplicationError):
            exc.field = API_FIELD_NAMES.get(exc.field, exc.field)
        return super().handle_exception(exc)


def staff_actor(user_id: int) -> services.Actor:
    return services.Actor(user_id=user_id, is_moderator=True, is_admin=True)


def _query(serializer_class, request) -> dict:
    serializer = serializer_class(data=request.query_params)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


def _who(request) -> dict:
    """Who acts where, from a write's body (checked before the rest of the body)."""
    return _body(GuildActorSerializer, request)


def _body(serializer_class, request) -> dict:
    serializer = serializer_class(data=request.data)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


@extend_schema(tags=["shifts"])
class ScheduleListCreate(ApiFieldNames, generics.ListAPIView):
    """Moderators' weekly schedule slots (list, filter by guild and moderator; staff add slots)."""

    permission_classes = [permissions.IsAuthenticated]
    serializer_class = ScheduleSerializer
    filter_backends = [DjangoFilterBackend]
    filterset_class = ScheduleFilter

    def get_queryset(self):
        return visible(selectors.schedule_list(), self.request)

    @extend_schema(operation_id="shifts_schedules_list")
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @extend_schema(
        operation_id="shifts_schedules_create", request=ScheduleCreateSerializer, responses={201: ScheduleSerializer}
    )
    def post(self, request):
        who = _who(request)
        actor = acting(request, guild_id=who["guild_id"], user_id=who["user_id"], for_self=False)
        data = _body(ScheduleCreateSerializer, request)
        slot = services.schedule_add(
            guild_id=data["guild_id"],
            actor=actor,
            user_id=data["user_id"],
            day=data["day_of_week"],
            time=data["time"],
            timezone=data.get("timezone"),
            duration=data.get("duration_hours"),
        )
        return Response(ScheduleSerializer(slot).data, status=status.HTTP_201_CREATED)


@extend_schema(tags=["shifts"])
class ScheduleDetail(ApiFieldNames, APIView):
    """One schedule slot (read; staff remove it)."""

    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(operation_id="shifts_schedules_retrieve", responses=ScheduleSerializer)
    def get(self, request, pk: int):
        return Response(ScheduleSerializer(get_object_or_404(visible(ModSchedule.objects, request), pk=pk)).data)

    @extend_schema(operation_id="shifts_schedules_destroy", responses={204: None})
    def delete(self, request, pk: int):
        slot = get_object_or_404(visible(ModSchedule.objects, request), pk=pk)
        actor = acting(request, guild_id=slot.guild_id, user_id=slot.user_id, for_self=False)
        services.schedule_delete(slot_id=slot.pk, actor=actor)
        return Response(status=status.HTTP_204_NO_CONTENT)


@extend_schema(tags=["shifts"])
class ShiftListCreate(ApiFieldNames, generics.ListAPIView):
    """Dropped shifts (list, filter by guild, state, start range and member; staff drop shifts)."""

    permission_classes = [permissions.IsAuthenticated]
    serializer_class = ShiftSerializer
    filter_backends = [DjangoFilterBackend]
    filterset_class = ShiftFilter

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        # One clock per request: the `state` filter and the serialized `state` use the same now.
        self.now = timezone.now()

    def get_serializer_context(self):
        return {**super().get_serializer_context(), "now": getattr(self, "now", None) or timezone.now()}

    def get_queryset(self):
        return visible(selectors.shift_list(), self.request)

    @extend_schema(operation_id="shifts_shifts_list")
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @extend_schema(
        operation_id="shifts_shifts_drop",
        request=ShiftDropSerializer,
        responses={201: ShiftSerializer},
        description="Drop a shift: free-form (`start`, `duration_hours`) or the next occurrence of a slot (`slot_id`).",
    )
    def post(self, request):
        who = _who(request)
        actor = acting(request, guild_id=who["guild_id"], user_id=who["user_id"])
        data = _body(ShiftDropSerializer, request)
        if "slot_id" in data:
            slot = get_object_or_404(ModSchedule, pk=data["slot_id"], guild_id=data["guild_id"])
            shift = services.shift_drop_from_slot(
                guild_id=data["guild_id"],
                actor=actor,
                slot_id=slot.pk,
                user_id=slot.user_id,
                description=data.get("description", ""),
                channel_id=data.get("channel_id"),
            )
        else:
            shift = services.shift_drop(
                guild_id=data["guild_id"],
                actor=actor,
                start=data["start"],
                duration=data["duration_hours"],
                description=data.get("description", ""),
                timezone=data.get("timezone"),
                channel_id=data.get("channel_id"),
            )
        return Response(ShiftSerializer(shift, context={"now": timezone.now()}).data, status=status.HTTP_201_CREATED)


@extend_schema(tags=["shifts"])
class ShiftDetail(ApiFieldNames, APIView):
    """One shift (read; staff edit an open one)."""

    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(operation_id="shifts_shifts_retrieve", responses=ShiftSerializer)
    def get(self, request, pk: int):
        shift = get_object_or_404(visible(Shift.objects, request), pk=pk)
        return Response(ShiftSerializer(shift, context={"now": timezone.now()}).data)

    @extend_schema(operation_id="shifts_shifts_edit", request=ShiftEditSerializer, responses=ShiftSerializer)
    def patch(self, request, pk: int):
        shift = get_object_or_404(visible(Shift.objects, request), pk=pk)
        data = _body(ShiftEditSerializer, request)
        shift = services.shift_edit(
            guild_id=shift.guild_id,
            actor=acting(request, guild_id=shift.guild_id, user_id=data["user_id"]),
            shift_id=shift.pk,
            start=data.get("start"),
            duration=data.get("duration_hours"),
            description=data.get("description"),
        )
        return Response(ShiftSerializer(shift, context={"now": timezone.now()}).data)


def claimer(request, *, guild_id: int, user_id: int) -> services.Actor:
    """Who claims or gives back: staff name a moderator (who acts without admin rights), anyone
    else acts for themselves at their level."""
    if request.user.is_staff:
        return services.Actor(user_id=user_id, is_moderator=True)
    return acting(request, guild_id=guild_id, user_id=user_id)


def _shift_response(shift: Shift) -> Response:
    return Response(ShiftSerializer(shift, context={"now": timezone.now()}).data)


@extend_schema(tags=["shifts"])
class ShiftCancel(ApiFieldNames, APIView):
    """Cancel a shift; its claimer is told in Discord."""

    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(operation_id="shifts_shifts_cancel", request=ShiftCancelSerializer, responses=ShiftSerializer)
    def post(self, request, pk: int):
        shift = get_object_or_404(visible(Shift.objects, request), pk=pk)
        data = _body(ShiftCancelSerializer, request)
        return _shift_response(
            services.shift_cancel(
                guild_id=shift.guild_id,
                actor=acting(request, guild_id=shift.guild_id, user_id=data["user_id"]),
                shift_id=shift.pk,
                reason=data.get("reason", ""),
            )
        )


@extend_schema(tags=["shifts"])
class ShiftClaim(ApiFieldNames, APIView):
    """Claim an open shift for a moderator; the fairness cap applies."""

    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(operation_id="shifts_shifts_claim", request=ShiftActorSerializer, responses=ShiftSerializer)
    def post(self, request, pk: int):
        shift = get_object_or_404(visible(Shift.objects, request), pk=pk)
        data = _body(ShiftActorSerializer, request)
        # The claimer is a moderator acting for themselves: no admin rights, the fairness cap applies.
        actor = claimer(request, guild_id=shift.guild_id, user_id=data["user_id"])
        return _shift_response(services.shift_claim(guild_id=shift.guild_id, actor=actor, shift_id=shift.pk))


@extend_schema(tags=["shifts"])
class ShiftRelease(ApiFieldNames, APIView):
    """Give a claim back before the shift starts."""

    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(operation_id="shifts_shifts_release", request=ShiftActorSerializer, responses=ShiftSerializer)
    def post(self, request, pk: int):
        shift = get_object_or_404(visible(Shift.objects, request), pk=pk)
        data = _body(ShiftActorSerializer, request)
        actor = claimer(request, guild_id=shift.guild_id, user_id=data["user_id"])
        return _shift_response(services.shift_release(guild_id=shift.guild_id, actor=actor, shift_id=shift.pk))


@extend_schema(tags=["shifts"])
class Stats(ApiFieldNames, APIView):
    """Claimed shifts and hours per moderator over a period."""

    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(
        operation_id="shifts_stats", parameters=[StatsQuerySerializer], responses=StatsRowSerializer(many=True)
    )
    def get(self, request):
        query = _query(StatsQuerySerializer, request)
        # A guild the login is not a member of has no stats for it (checked in the one query).
        within = None if request.user.is_staff else member_guild_ids(request.user)
        rows = selectors.shift_stats(
            guild_id=query["guild_id"], period=query["period"], user_id=query.get("user_id"), within=within
        )
        return Response(StatsRowSerializer(rows, many=True).data)
