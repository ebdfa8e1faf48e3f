"""REST API of the ticket statistics: the figures /ticket_stats shows, for the guild's support
staff (a member of another guild, or a member who is not staff, is refused); each request stores
its snapshot as the command does."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.response import Response

from config.schema import GUILD_ID_PATH
from support.api import SupportView
from support.models import StatsScope
from support.serializers_stats import StatsQuerySerializer, TicketStatsSerializer
from support.services.stats import ticket_metrics_create


@extend_schema(tags=["support"])
class TicketStatsView(SupportView):
    """Ticket statistics of one scope (support staff): counts by status, opened and closed, first
    response and resolution times, per staff member, rating, top topics and the daily series."""

    @extend_schema(
        parameters=[
            GUILD_ID_PATH,
            OpenApiParameter("scope", str, enum=list(StatsScope.values), description="7d, 30d or all (default 7d)"),
        ],
        responses=TicketStatsSerializer,
    )
    def get(self, request, guild_id: int):
        query = StatsQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        row, stats = ticket_metrics_create(guild_id=guild_id, actor=self.actor(), scope=query.validated_data["scope"])
        # The stored figures, with the scope's instants as datetimes (rendered as every API instant is).
        figures = {**row.snapshot, "since": stats.since, "until": stats.until, "snapshot_id": row.pk}
        return Response(TicketStatsSerializer(figures).data)
