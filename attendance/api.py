"""REST API of seasons, raid events, attendance and statistics (officers of the guild)."""

from __future__ import annotations

import datetime as dt

from django.shortcuts import get_object_or_404
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import extend_schema
from rest_framework import generics, status
from rest_framework.exceptions import ValidationError
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from attendance import selectors, services
from attendance.filters import StatisticsFilter
from attendance.models import RaidAttendance, RaidEvent, RaidSeason
from attendance.serializers import (
    AttendanceRecordSerializer,
    AttendanceSerializer,
    EventCreateSerializer,
    EventPatchSerializer,
    EventSerializer,
    PlayerStatsSerializer,
    SeasonCreateSerializer,
    SeasonPatchSerializer,
    SeasonSerializer,
)
from config.exceptions import ApplicationError
from config.permissions import GuildMembers
from config.schema import GUILD_ID_PATH
from config.timeutils import parse_local_datetime, zone_or_error
from scheduling.models import Player, WowCharacter
from scheduling.permissions import ActorViewMixin, OfficerReads
from scheduling.selectors import player_for_user

GUILD = GUILD_ID_PATH
UNKNOWN_PLAYER = "No player with that id in this guild."
UNKNOWN_CHARACTER = "No character with that id."
UNKNOWN_SEASON = selectors.UNKNOWN_SEASON


@extend_schema(parameters=[GUILD], tags=["attendance"])
class SeasonListView(ActorViewMixin, generics.ListCreateAPIView):
    """The guild's raid seasons (list, create)."""

    permission_classes = [IsAuthenticated, GuildMembers, OfficerReads]
    serializer_class = SeasonSerializer

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return RaidSeason.objects.none()
        return selectors.season_list(guild_id=self.kwargs["guild_id"])

    @extend_schema(request=SeasonCreateSerializer, responses={201: SeasonSerializer})
    def post(self, request, guild_id: int):
        data = SeasonCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        season = services.season_create(actor=self.actor(), guild_id=guild_id, **data.validated_data)
        return Response(SeasonSerializer(season).data, status=status.HTTP_201_CREATED)


@extend_schema(tags=["attendance"])
class SeasonDetailView(ActorViewMixin, APIView):
    """Change a raid season (officers): name, dates, active flag."""

    permission_classes = [IsAuthenticated, GuildMembers]

    @extend_schema(parameters=[GUILD], request=SeasonPatchSerializer, responses=SeasonSerializer)
    def patch(self, request, guild_id: int, pk: int):
        season = get_object_or_404(RaidSeason, pk=pk, guild_id=guild_id)
        data = SeasonPatchSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        season = services.season_update(actor=self.actor(), season=season, **data.validated_data)
        return Response(SeasonSerializer(season).data)


@extend_schema(parameters=[GUILD], tags=["attendance"])
class EventListView(ActorViewMixin, generics.ListCreateAPIView):
    """The guild's raid events, newest first (list, create: creating posts it to Discord when a
    channel is given and invites the auto-invite players)."""

    permission_classes = [IsAuthenticated, GuildMembers, OfficerReads]
    serializer_class = EventSerializer

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return RaidEvent.objects.none()
        return RaidEvent.objects.filter(guild_id=self.kwargs["guild_id"]).with_season()

    @extend_schema(request=EventCreateSerializer, responses={201: EventSerializer})
    def post(self, request, guild_id: int):
        data = EventCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        zone = zone_or_error(values["timezone"])
        event = services.event_create(
            actor=self.actor(),
            guild_id=guild_id,
            title=values["title"],
            start=parse_local_datetime(values["start"], zone),
            duration=dt.timedelta(hours=values["duration_hours"]),
            timezone=zone,
            discord_channel_id=values.get("discord_channel_id"),
            notes=values.get("notes", ""),
            created_by=player_for_user(user=request.user, guild_id=guild_id, discord_user_id=self.actor().user_id),
        )
        event = RaidEvent.objects.with_season().get(pk=event.pk)
        return Response(EventSerializer(event).data, status=status.HTTP_201_CREATED)


@extend_schema(tags=["attendance"])
class EventDetailView(ActorViewMixin, APIView):
    """Change a raid event (officers): title, start and length (until it starts), notes, the log
    link and the Raid-Helper id. The Discord post is re-rendered; those signed up get a DM when
    the time changes."""

    permission_classes = [IsAuthenticated, GuildMembers]

    @extend_schema(parameters=[GUILD], request=EventPatchSerializer, responses=EventSerializer)
    def patch(self, request, guild_id: int, pk: int):
        event = get_object_or_404(RaidEvent, pk=pk, guild_id=guild_id)
        data = EventPatchSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        zone = zone_or_error(values.pop("timezone", "UTC"))
        if "start" in values:
            values["start"] = parse_local_datetime(values["start"], zone)
        if "duration_hours" in values:
            values["duration"] = dt.timedelta(hours=values.pop("duration_hours"))
        services.event_update(actor=self.actor(), event_id=event.pk, guild_id=guild_id, timezone=zone, **values)
        return Response(EventSerializer(RaidEvent.objects.with_season().get(pk=event.pk)).data)


@extend_schema(tags=["attendance"])
class EventCancelView(ActorViewMixin, APIView):
    """Cancel a raid event that has not ended (officers): answers close, the post says so and
    those signed up get a DM."""

    permission_classes = [IsAuthenticated, GuildMembers]

    @extend_schema(parameters=[GUILD], request=None, responses=EventSerializer)
    def post(self, request, guild_id: int, pk: int):
        event = get_object_or_404(RaidEvent, pk=pk, guild_id=guild_id)
        services.event_cancel(actor=self.actor(), event_id=event.pk, guild_id=guild_id)
        return Response(EventSerializer(RaidEvent.objects.with_season().get(pk=event.pk)).data)


@extend_schema(tags=["attendance"])
class EventAttendanceView(ActorViewMixin, generics.ListAPIView):
    """An event's answers and attendance (list), or record one player's attendance (post)."""

    permission_classes = [IsAuthenticated, GuildMembers, OfficerReads]
    serializer_class = AttendanceSerializer

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return RaidAttendance.objects.none()
        event = get_object_or_404(RaidEvent, pk=self.kwargs["pk"], guild_id=self.kwargs["guild_id"])
        return RaidAttendance.objects.filter(event=event).select_related("player").order_by("player__display_name")

    @extend_schema(parameters=[GUILD], responses=AttendanceSerializer(many=True))
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @extend_schema(parameters=[GUILD], request=AttendanceRecordSerializer, responses=AttendanceSerializer)
    def post(self, request, guild_id: int, pk: int):
        event = get_object_or_404(RaidEvent, pk=pk, guild_id=guild_id)
        data = AttendanceRecordSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        player = Player.objects.filter(pk=values["player_id"], guild_id=guild_id).first()
        if player is None:
            raise ApplicationError(UNKNOWN_PLAYER, field="player_id")
        character = None
        if values.get("character_id"):
            character = WowCharacter.objects.filter(pk=values["character_id"]).first()
            if character is None:
                raise ApplicationError(UNKNOWN_CHARACTER, field="character_id")
        row = services.attendance_record(
            actor=self.actor(),
            event_id=event.pk,
            player=player,
            attended=values["attended"],
            character=character,
            source=values["source"],
            guild_id=guild_id,
        )
        return Response(AttendanceSerializer(row).data)


@extend_schema(tags=["attendance"])
class StatisticsView(ActorViewMixin, generics.GenericAPIView):
    """Attendance per player for a season (default: the current one; 400 when the guild has no
    current season, rather than silently counting every event): events they were expected at
    (signed up, attended, or on the raid team), attended, excused, unexcused, rate."""

    permission_classes = [IsAuthenticated, GuildMembers, OfficerReads]
    serializer_class = PlayerStatsSerializer
    filter_backends = [DjangoFilterBackend]
    filterset_class = StatisticsFilter
    pagination_class = None

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Player.objects.none()
        return Player.objects.filter(guild_id=self.kwargs["guild_id"])

    @extend_schema(parameters=[GUILD], responses=PlayerStatsSerializer(many=True))
    def get(self, request, guild_id: int):
        filterset = DjangoFilterBackend().get_filterset(request, self.get_queryset(), self)
        if not filterset.is_valid():
            raise ValidationError(filterset.errors)
        params = filterset.form.cleaned_data
        season = selectors.statistics_season(
            guild_id=guild_id,
            season_id=int(params["season"]) if params.get("season") else None,
            all_seasons=bool(params.get("all_seasons")),
        )
        players = filterset.qs
        if params.get("player") is not None and not players.exists():
            raise ApplicationError(UNKNOWN_PLAYER, field="player")
        stats = selectors.attendance_statistics(guild_id=guild_id, season=season, players=players)
        return Response(PlayerStatsSerializer(stats, many=True).data)
