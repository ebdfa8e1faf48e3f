"""API shapes of the ticket statistics (the figures of one scope, as stored in their snapshot)."""

from __future__ import annotations

from rest_framework import serializers

from support.models import StatsScope, TicketStatus


class StatsQuerySerializer(serializers.Serializer):
    scope = serializers.ChoiceField(choices=StatsScope.values, default=StatsScope.WEEK)


class DurationsSerializer(serializers.Serializer):
    count = serializers.IntegerField(help_text="How many tickets the figures are of.")
    median_seconds = serializers.FloatField(allow_null=True)
    average_seconds = serializers.FloatField(allow_null=True)


class StaffFiguresSerializer(serializers.Serializer):
    user_id = serializers.CharField(help_text="Discord user id (a string).")
    claimed = serializers.IntegerField(help_text="Tickets claimed in the scope.")
    closed = serializers.IntegerField(help_text="Tickets closed in the scope.")


class TopicCountSerializer(serializers.Serializer):
    topic = serializers.CharField()
    count = serializers.IntegerField()


class SeriesBinSerializer(serializers.Serializer):
    start = serializers.DateField(help_text="The UTC day, or the Monday of the week when `bin` is week.")
    opened = serializers.IntegerField()
    closed = serializers.IntegerField()


class TicketStatusCountsSerializer(serializers.Serializer):
    """Tickets per status, now."""

    def get_fields(self):
        return {status: serializers.IntegerField() for status in TicketStatus.values}


class TicketStatsSerializer(serializers.Serializer):
    """One scope's figures (see docs/support.md, Statistics, for every definition)."""

    snapshot_id = serializers.IntegerField(help_text="The stored ticket_metrics row of this request.")
    guild_id = serializers.CharField()
    scope = serializers.ChoiceField(choices=StatsScope.values)
    since = serializers.DateTimeField(allow_null=True, help_text="Start of the scope (inclusive); null for all.")
    until = serializers.DateTimeField(help_text="End of the scope (inclusive): when the figures were computed.")
    counts = TicketStatusCountsSerializer()
    opened = serializers.IntegerField(help_text="Tickets opened in the scope.")
    closed = serializers.IntegerField(help_text="Tickets closed (or deleted while open) in the scope.")
    first_response = DurationsSerializer(help_text="Opening → first staff message, of the tickets opened in the scope.")
    resolution = DurationsSerializer(help_text="Opening → close, of the tickets closed in the scope.")
    staff = StaffFiguresSerializer(many=True)
    auto_closed = serializers.IntegerField(help_text="Tickets closed in the scope by the auto-close.")
    rating_average = serializers.FloatField(allow_null=True, help_text="Of the tickets closed in the scope.")
    rating_count = serializers.IntegerField()
    top_topics = TopicCountSerializer(many=True)
    bin = serializers.ChoiceField(choices=["day", "week"])
    series = SeriesBinSerializer(many=True)
