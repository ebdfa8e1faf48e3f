"""REST API of the support desk: a guild's tickets (its support staff see all of them, a member
only their own) and claiming one (support staff with a linked Discord account)."""

from __future__ import annotations

from django.http import Http404
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from config.actors import actor_for_request
from config.exceptions import ApplicationError
from config.permissions import GuildMembers
from config.schema import GUILD_ID_PATH
from support import selectors, services
from support.serializers import TicketDetailSerializer, TicketListQuerySerializer, TicketSerializer

NEEDS_DISCORD_USER = "Claiming needs a Discord account: link your login with /api_token."


class SupportView(APIView):
    permission_classes = [IsAuthenticated, GuildMembers]

    def actor(self):
        return actor_for_request(self.request, guild_id=self.kwargs["guild_id"])

    def visible(self, guild_id: int, **filters):
        actor = self.actor()
        user_id = None if services.is_staff(actor, services.settings_for(guild_id)) else actor.user_id
        return selectors.ticket_list(guild_id=guild_id, user_id=user_id, **filters)

    def ticket(self, guild_id: int, pk: int):
        ticket = self.visible(guild_id).prefetch_related("status_changes").filter(pk=pk).first()
        if ticket is None:
            raise Http404
        return ticket


@extend_schema(tags=["support"])
class TicketListView(SupportView):
    """The guild's tickets, newest first: all of them for its support staff, a member's own otherwise."""

    @extend_schema(
        parameters=[
            GUILD_ID_PATH,
            OpenApiParameter("status", str, enum=list(selectors.STATUS_FILTERS), description="Only this status"),
        ],
        responses=TicketSerializer(many=True),
    )
    def get(self, request, guild_id: int):
        query = TicketListQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        tickets = self.visible(guild_id, status=query.validated_data.get("status"))
        return Response(TicketSerializer(tickets, many=True).data)


@extend_schema(tags=["support"])
class TicketDetailView(SupportView):
    """One ticket with its status history."""

    @extend_schema(parameters=[GUILD_ID_PATH], responses=TicketDetailSerializer)
    def get(self, request, guild_id: int, pk: int):
        return Response(TicketDetailSerializer(self.ticket(guild_id, pk)).data)


@extend_schema(tags=["support"])
class TicketClaimView(SupportView):
    """Claim a ticket (support staff with a linked Discord account); one of concurrent claims wins."""

    @extend_schema(parameters=[GUILD_ID_PATH], request=None, responses=TicketDetailSerializer)
    def post(self, request, guild_id: int, pk: int):
        actor = self.actor()
        if actor.user_id is None and services.is_staff(actor, services.settings_for(guild_id)):
            raise ApplicationError(NEEDS_DISCORD_USER)
        services.ticket_claim(guild_id=guild_id, actor=actor, ticket_id=pk)
        return Response(TicketDetailSerializer(self.ticket(guild_id, pk)).data)
