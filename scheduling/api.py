"""REST API of the roster: ranks, roles, classes, specializations, players, availability and the
best raid time. Views are thin: parse, call one service or selector with the login's actor,
serialize. Officers' rules are checked by the services (see `scheduling.actors`)."""

from __future__ import annotations

import datetime as dt

from django.shortcuts import get_object_or_404
from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework import generics, status
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from config.exceptions import ApplicationError
from config.permissions import GuildMembers
from config.schema import GUILD_ID_PATH
from config.timeutils import local_today, zone_or_error
from scheduling import selectors, services
from scheduling.models import GuildRank, Player, Role, Specialization, WowClass
from scheduling.permissions import ActorViewMixin, OfficerReads, actor_for_request
from scheduling.serializers import (
    AvailabilityWeekSerializer,
    BestTimePresentQuerySerializer,
    BestTimePresentSerializer,
    BestTimeQuerySerializer,
    MyAvailabilitySerializer,
    PlayerPatchSerializer,
    PlayerSerializer,
    RankPatchSerializer,
    RankSerializer,
    RolePatchSerializer,
    RoleSerializer,
    SlotSerializer,
    SpecializationSerializer,
    WowClassSerializer,
)

NOT_A_PLAYER = "Your login is not linked to a player of this guild; ask an officer to link it."

GUILD = GUILD_ID_PATH


@extend_schema(parameters=[GUILD], tags=["scheduling"])
class RankListView(generics.ListAPIView):
    """The guild's ranks with their scheduling weights (officers)."""

    permission_classes = [IsAuthenticated, GuildMembers, OfficerReads]
    serializer_class = RankSerializer

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return GuildRank.objects.none()
        return selectors.ranks_for_guild(guild_id=self.kwargs["guild_id"])


@extend_schema(tags=["scheduling"])
class RankDetailView(ActorViewMixin, APIView):
    """Change a guild rank (officers): name, level, weight, mapped Discord role."""

    permission_classes = [IsAuthenticated, GuildMembers]

    @extend_schema(parameters=[GUILD], request=RankPatchSerializer, responses=RankSerializer)
    def patch(self, request, guild_id: int, pk: int):
        rank = get_object_or_404(GuildRank, pk=pk, guild_id=guild_id)
        data = RankPatchSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        role = values.pop("discord_role_id", False)
        rank = services.rank_update(actor=self.actor(), rank=rank, discord_role_id=role, **values)
        return Response(RankSerializer(rank).data)


@extend_schema(tags=["scheduling"])
class RoleListView(generics.ListAPIView):
    """Raid roles (Tank, Healer, Melee DPS, Ranged DPS)."""

    permission_classes = [IsAuthenticated, GuildMembers]
    serializer_class = RoleSerializer
    queryset = Role.objects.order_by("id")


@extend_schema(tags=["scheduling"])
class RoleDetailView(ActorViewMixin, APIView):
    """Rename a raid role (shared reference data)."""

    permission_classes = [IsAuthenticated, GuildMembers]

    @extend_schema(request=RolePatchSerializer, responses=RoleSerializer)
    def patch(self, request, pk: int):
        role = get_object_or_404(Role, pk=pk)
        data = RolePatchSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        role = services.role_update(actor=self.actor(), role=role, **data.validated_data)
        return Response(RoleSerializer(role).data)


@extend_schema(tags=["scheduling"])
class WowClassListView(generics.ListAPIView):
    """WoW classes with Blizzard's class ids (read-only reference data)."""

    permission_classes = [IsAuthenticated, GuildMembers]
    serializer_class = WowClassSerializer
    queryset = WowClass.objects.order_by("game_id")


@extend_schema(tags=["scheduling"])
class SpecializationListView(generics.ListAPIView):
    """Specializations with their class and raid role (read-only reference data)."""

    permission_classes = [IsAuthenticated, GuildMembers]
    serializer_class = SpecializationSerializer
    queryset = Specialization.objects.select_related("wow_class", "role").order_by("wow_class__game_id", "game_id")


@extend_schema(parameters=[GUILD], tags=["scheduling"])
class PlayerListView(generics.ListAPIView):
    """The guild's players with rank and availability (officers)."""

    permission_classes = [IsAuthenticated, GuildMembers, OfficerReads]
    serializer_class = PlayerSerializer

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Player.objects.none()
        return (
            Player.objects.filter(guild_id=self.kwargs["guild_id"])
            .select_related("rank")
            .prefetch_related("availability")
            .order_by("display_name", "id")
        )


@extend_schema(tags=["scheduling"])
class PlayerDetailView(ActorViewMixin, APIView):
    """Change a roster player (officers): rank, zone, linked login."""

    permission_classes = [IsAuthenticated, GuildMembers]

    @extend_schema(parameters=[GUILD], request=PlayerPatchSerializer, responses=PlayerSerializer)
    def patch(self, request, guild_id: int, pk: int):
        player = get_object_or_404(Player, pk=pk, guild_id=guild_id)
        data = PlayerPatchSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        if "rank_id" in values:
            rank = GuildRank.objects.filter(pk=values.pop("rank_id"), guild_id=guild_id).first()
            if rank is None:
                raise ApplicationError(services.RANK_OF_OTHER_GUILD, field="rank_id")
            values["rank"] = rank
        player = services.player_update(actor=self.actor(), player=player, **values)
        return Response(PlayerSerializer(Player.objects.prefetch_related("availability").get(pk=player.pk)).data)


@extend_schema(tags=["scheduling"])
class MyAvailabilityView(APIView):
    """The logged-in user's own week in this guild: read it, or replace it in one request."""

    permission_classes = [IsAuthenticated, GuildMembers]

    def _player(self, request, guild_id: int) -> Player:
        actor = actor_for_request(request, guild_id=guild_id)
        player = selectors.player_for_user(user=request.user, guild_id=guild_id, discord_user_id=actor.user_id)
        if player is None:
            raise ApplicationError(NOT_A_PLAYER, field="guild_id", code="not_a_player")
        return player

    def _body(self, player: Player) -> dict:
        rows = selectors.availability_get(player=player)
        return MyAvailabilitySerializer({"timezone": player.timezone, "days": rows}).data

    @extend_schema(parameters=[GUILD], responses=MyAvailabilitySerializer)
    def get(self, request, guild_id: int):
        return Response(self._body(self._player(request, guild_id)))

    @extend_schema(parameters=[GUILD], request=AvailabilityWeekSerializer, responses=MyAvailabilitySerializer)
    def put(self, request, guild_id: int):
        player = self._player(request, guild_id)
        data = AvailabilityWeekSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.availability_set_week(
            player=player, days=data.validated_data["days"], timezone=data.validated_data.get("timezone")
        )
        player.refresh_from_db()
        return Response(self._body(player), status=status.HTTP_200_OK)


@extend_schema(tags=["scheduling"])
class BestTimeView(ActorViewMixin, APIView):
    """The best raid starts for the guild (officers); see docs/scheduling.md for the scoring. Each
    slot gives counts and the missing officers; its present players are `best-time/present/`."""

    permission_classes = [IsAuthenticated, GuildMembers]

    @extend_schema(parameters=[GUILD, BestTimeQuerySerializer], responses=SlotSerializer(many=True))
    def get(self, request, guild_id: int):
        query = BestTimeQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        params = query.validated_data
        zone = zone_or_error(params["timezone"])
        date_from = params.get("date_from") or local_today(zone, now=timezone.now())
        slots = selectors.best_raid_times(
            actor=self.actor(),
            guild_id=guild_id,
            date_from=date_from,
            days=params["days"],
            length=dt.timedelta(hours=params["length_hours"]),
            grid=dt.timedelta(minutes=params["grid_minutes"]),
            top=params["top"],
            timezone=zone,
        )
        return Response(SlotSerializer(slots, many=True).data)


@extend_schema(tags=["scheduling"])
class BestTimePresentView(ActorViewMixin, APIView):
    """The players present at one slot of the best time (officers), heaviest first, paged."""

    permission_classes = [IsAuthenticated, GuildMembers]

    @extend_schema(parameters=[GUILD, BestTimePresentQuerySerializer], responses=BestTimePresentSerializer)
    def get(self, request, guild_id: int):
        query = BestTimePresentQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        params = query.validated_data
        page = selectors.best_time_present(
            actor=self.actor(),
            guild_id=guild_id,
            start=params["start"],
            length=dt.timedelta(hours=params["length_hours"]),
            page=params["page"],
            page_size=params["page_size"],
        )
        return Response(BestTimePresentSerializer(page).data)
