"""API shapes of tickets and their status history."""

from __future__ import annotations

from rest_framework import serializers

from config.serializers import ModelSerializer
from support.models import SupportTicket, TicketStatusChange
from support.selectors import STATUS_FILTERS


class StatusChangeSerializer(ModelSerializer):
    class Meta:
        model = TicketStatusChange
        fields = ["from_status", "to_status", "changed_by", "note", "changed_at"]
        read_only_fields = fields


class TicketSerializer(ModelSerializer):
    class Meta:
        model = SupportTicket
        fields = [
            "id",
            "guild_id",
            "number",
            "user_id",
            "topic",
            "description",
            "status",
            "channel_id",
            "claimed_by",
            "claimed_at",
            "escalated_to",
            "escalated_to_role",
            "first_response_at",
            "requester_last_message_at",
            "closed_by",
            "closed_at",
            "close_reason",
            "rating",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class TicketDetailSerializer(TicketSerializer):
    status_changes = StatusChangeSerializer(many=True, read_only=True)

    class Meta(TicketSerializer.Meta):
        fields = [*TicketSerializer.Meta.fields, "status_changes"]
        read_only_fields = fields


class TicketListQuerySerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=STATUS_FILTERS, required=False)
