"""Input and output shapes of the shifts API."""

from __future__ import annotations

from rest_framework import serializers

from shifts.models import DAY_NAMES, ModSchedule, Shift
from shifts.services import PERIODS

DISCORD_ID = {"min_value": 1, "max_value": (1 << 63) - 1}


class ScheduleSerializer(serializers.ModelSerializer):
    day_name = serializers.SerializerMethodField()

    class Meta:
        model = ModSchedule
        fields = [
            "id",
            "guild_id",
            "user_id",
            "day_of_week",
            "day_name",
            "hour",
            "minute",
            "timezone",
            "duration_hours",
            "created_at",
        ]

    def get_day_name(self, slot: ModSchedule) -> str:
        return DAY_NAMES[slot.day_of_week]


class ScheduleCreateSerializer(serializers.Serializer):
    guild_id = serializers.IntegerField(**DISCORD_ID)
    user_id = serializers.IntegerField(**DISCORD_ID, help_text="The moderator's Discord id.")
    day_of_week = serializers.IntegerField(help_text="0 = Monday ... 6 = Sunday.")
    time = serializers.CharField(max_length=5, help_text="HH:MM, local wall time in `timezone`.")
    timezone = serializers.CharField(max_length=64, required=False, allow_blank=True)
    duration_hours = serializers.FloatField(required=False)


class ScheduleFilterSerializer(serializers.Serializer):
    guild_id = serializers.IntegerField(required=False, **DISCORD_ID)
    user_id = serializers.IntegerField(required=False, **DISCORD_ID)


class ShiftSerializer(serializers.ModelSerializer):
    state = serializers.SerializerMethodField()

    class Meta:
        model = Shift
        fields = [
            "id",
            "guild_id",
            "state",
            "message_id",
            "channel_id",
            "description",
            "created_by",
            "created_at",
            "start_time_utc",
            "duration_hours",
            "timezone",
            "assigned_user_id",
            "schedule",
            "claimed_by",
            "claimed_at",
            "cancelled",
            "cancelled_by",
            "cancelled_at",
            "cancel_reason",
            "expired_at",
            "reminder_sent_at",
        ]

    def get_state(self, shift: Shift) -> str:
        return shift.state(now=self.context["now"])


class ShiftFilterSerializer(serializers.Serializer):
    guild_id = serializers.IntegerField(required=False, **DISCORD_ID)
    state = serializers.ChoiceField(choices=Shift.State.choices, required=False)
    start_after = serializers.DateTimeField(required=False, help_text="Shifts starting at or after this instant.")
    start_before = serializers.DateTimeField(required=False, help_text="Shifts starting before this instant.")
    user_id = serializers.IntegerField(required=False, help_text="Dropped, assigned or claimed by.", **DISCORD_ID)


class ShiftDropSerializer(serializers.Serializer):
    guild_id = serializers.IntegerField(**DISCORD_ID)
    user_id = serializers.IntegerField(**DISCORD_ID, help_text="The moderator dropping it (Discord id).")
    start = serializers.CharField(
        max_length=20, required=False, help_text="YYYY-MM-DD HH:MM in `timezone` (free-form drop)."
    )
    duration_hours = serializers.FloatField(required=False)
    description = serializers.CharField(required=False, allow_blank=True, max_length=5000)
    timezone = serializers.CharField(max_length=64, required=False, allow_blank=True)
    slot_id = serializers.IntegerField(required=False, help_text="Drop the next occurrence of this slot instead.")
    channel_id = serializers.IntegerField(
        required=False, help_text="Where to post it when the guild's policy names no channel.", **DISCORD_ID
    )

    def validate(self, attrs):
        if "slot_id" in attrs:
            return attrs
        missing = {name: ["Required for a free-form drop (or give slot_id)."] for name in ("start", "duration_hours")}
        missing = {name: message for name, message in missing.items() if name not in attrs}
        if missing:
            raise serializers.ValidationError(missing)
        return attrs


class ShiftEditSerializer(serializers.Serializer):
    user_id = serializers.IntegerField(**DISCORD_ID, help_text="Who edits it (Discord id).")
    start = serializers.CharField(max_length=20, required=False, help_text="YYYY-MM-DD HH:MM in the shift's zone.")
    duration_hours = serializers.FloatField(required=False)
    description = serializers.CharField(required=False, allow_blank=True, max_length=5000)


class ShiftActorSerializer(serializers.Serializer):
    user_id = serializers.IntegerField(**DISCORD_ID, help_text="The Discord id of who acts.")


class ShiftCancelSerializer(ShiftActorSerializer):
    reason = serializers.CharField(required=False, allow_blank=True, max_length=5000)


class StatsQuerySerializer(serializers.Serializer):
    guild_id = serializers.IntegerField(**DISCORD_ID)
    period = serializers.ChoiceField(choices=list(PERIODS), default="7d")
    user_id = serializers.IntegerField(required=False, **DISCORD_ID)


class StatsRowSerializer(serializers.Serializer):
    user_id = serializers.IntegerField()
    shifts = serializers.IntegerField()
    hours = serializers.FloatField()
