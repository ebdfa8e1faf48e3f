"""Input and output shapes of the shifts API. Discord ids are strings in JSON (an integer is
accepted on input); zones are canonical IANA names."""

from __future__ import annotations

from rest_framework import serializers

from config.serializers import HoursField, IntegerField, ModelSerializer, SnowflakeField, ZoneSerializerField
from config.timeutils import DAY_NAMES
from shifts.models import ModSchedule, Shift
from shifts.selectors import PERIODS


class OptionalZoneField(ZoneSerializerField):
    """A zone that may be left out or blank (then the service's defaults apply)."""

    def to_internal_value(self, data):
        if data == "":
            return None
        return super().to_internal_value(data)


DURATION_HELP = "Length in hours (kept as whole minutes: an input is rounded once to the minute)."


class ScheduleSerializer(ModelSerializer):
    day_name = serializers.SerializerMethodField()
    duration_hours = serializers.FloatField(read_only=True, help_text=DURATION_HELP)
    # Declared: config's ModelSerializer maps a ZoneField to a ChoiceField (it has choices).
    timezone = ZoneSerializerField(read_only=True)

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
    guild_id = SnowflakeField()
    user_id = SnowflakeField(help_text="The moderator's Discord id.")
    day_of_week = IntegerField(help_text="0 = Monday ... 6 = Sunday.")
    time = serializers.CharField(max_length=5, help_text="HH:MM, local wall time in `timezone`.")
    timezone = OptionalZoneField(
        required=False,
        help_text="IANA zone of the wall time; default: the member's last used zone, else UTC.",
    )
    duration_hours = HoursField(required=False, help_text=DURATION_HELP)


class ShiftSerializer(ModelSerializer):
    state = serializers.SerializerMethodField()
    duration_hours = serializers.FloatField(read_only=True, help_text=DURATION_HELP)
    timezone = ZoneSerializerField(read_only=True, help_text="The zone the start was given in.")

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


class ShiftDropSerializer(serializers.Serializer):
    guild_id = SnowflakeField()
    user_id = SnowflakeField(help_text="The moderator dropping it (Discord id).")
    start = serializers.CharField(
        max_length=20, required=False, help_text="YYYY-MM-DD HH:MM in `timezone` (free-form drop)."
    )
    duration_hours = HoursField(required=False, help_text=DURATION_HELP)
    description = serializers.CharField(required=False, allow_blank=True, max_length=5000)
    timezone = OptionalZoneField(
        required=False, help_text="IANA zone of `start`; default: the member's last used zone, else UTC."
    )
    slot_id = IntegerField(required=False, help_text="Drop the next occurrence of this slot instead.")
    channel_id = SnowflakeField(
        required=False,
        help_text="The guild's shift channel, where the shift is posted. Required: the API does not read "
        "the guild configuration (without it the drop is refused with code `no_channel`).",
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
    user_id = SnowflakeField(help_text="Who edits it (Discord id).")
    start = serializers.CharField(max_length=20, required=False, help_text="YYYY-MM-DD HH:MM in the shift's zone.")
    duration_hours = HoursField(required=False, help_text=DURATION_HELP)
    description = serializers.CharField(required=False, allow_blank=True, max_length=5000)


class ShiftActorSerializer(serializers.Serializer):
    user_id = SnowflakeField(help_text="The Discord id of who acts.")


class GuildActorSerializer(ShiftActorSerializer):
    """Who acts where: read from a write's body before the rest of it, so a login acting for
    someone else, or in a guild it is not a member of, is refused (403) before its input is checked."""

    guild_id = SnowflakeField()


class ShiftCancelSerializer(ShiftActorSerializer):
    reason = serializers.CharField(required=False, allow_blank=True, max_length=5000)


class StatsQuerySerializer(serializers.Serializer):
    """The stats' query: not a list of rows to filter but an aggregate's inputs, so a query
    serializer (validated and documented as query parameters) rather than a FilterSet."""

    guild_id = SnowflakeField()
    period = serializers.ChoiceField(choices=list(PERIODS), default="7d")
    user_id = SnowflakeField(required=False)


class StatsRowSerializer(serializers.Serializer):
    user_id = SnowflakeField()
    shifts = IntegerField()
    hours = serializers.FloatField()
