"""API input and output shapes of the roster. Input serializers only check types; the services
own the rules (so the API and Discord refuse the same things with the same messages)."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from config.serializers import DateField, HoursField, IntegerField, ModelSerializer, SnowflakeField, ZoneSerializerField
from scheduling.models import (
    MAX_LEAD_MINUTES,
    Dispatch,
    GuildRank,
    Player,
    PlayerAvailability,
    Reminder,
    Role,
    Specialization,
    WowClass,
)
from scheduling.services.reminders import upcoming_sends


class RankSerializer(ModelSerializer):
    class Meta:
        model = GuildRank
        fields = ["id", "guild_id", "name", "level", "description", "scheduling_weight", "discord_role_id"]
        read_only_fields = fields


class RankPatchSerializer(serializers.Serializer):
    name = serializers.CharField(required=False, max_length=50)
    level = IntegerField(required=False)
    description = serializers.CharField(required=False, allow_blank=True, max_length=200)
    scheduling_weight = IntegerField(required=False)
    discord_role_id = SnowflakeField(required=False, allow_null=True)


class RoleSerializer(ModelSerializer):
    class Meta:
        model = Role
        fields = ["id", "name", "display_name"]
        read_only_fields = fields


class RolePatchSerializer(serializers.Serializer):
    display_name = serializers.CharField(max_length=50)


class WowClassSerializer(ModelSerializer):
    class Meta:
        model = WowClass
        fields = ["id", "game_id", "name"]
        read_only_fields = fields


class SpecializationSerializer(ModelSerializer):
    class_game_id = IntegerField(source="wow_class.game_id", read_only=True)
    class_name = serializers.CharField(source="wow_class.name", read_only=True)
    role = serializers.CharField(source="role.name", read_only=True)
    role_display_name = serializers.CharField(source="role.display_name", read_only=True)

    class Meta:
        model = Specialization
        fields = ["id", "game_id", "name", "class_game_id", "class_name", "role", "role_display_name"]
        read_only_fields = fields


class AvailabilitySerializer(ModelSerializer):
    earliest_start = serializers.TimeField(format="%H:%M")

    class Meta:
        model = PlayerAvailability
        fields = ["day_of_week", "earliest_start", "available_hours", "updated_at"]
        read_only_fields = fields


class PlayerSerializer(ModelSerializer):
    rank = RankSerializer(read_only=True)
    # Declared: the ModelSerializer maps a zone column with choices to a ChoiceField.
    timezone = ZoneSerializerField(read_only=True)
    availability = AvailabilitySerializer(many=True, read_only=True)

    class Meta:
        model = Player
        fields = [
            "id",
            "guild_id",
            "discord_user_id",
            "display_name",
            "rank",
            "timezone",
            "auto_invite_events",
            "raid_team",
            "availability",
        ]
        read_only_fields = fields


class PlayerPatchSerializer(serializers.Serializer):
    display_name = serializers.CharField(required=False, allow_blank=True, max_length=100)
    rank_id = IntegerField(required=False)
    timezone = ZoneSerializerField(required=False)
    auto_invite_events = serializers.BooleanField(required=False)
    raid_team = serializers.BooleanField(
        required=False, help_text="On the raid team whatever the rank: expected at every raid in the statistics"
    )


class AvailabilityDaySerializer(serializers.Serializer):
    # Strings on purpose: the service parses them and names the bad field with its own message.
    day_of_week = serializers.JSONField(help_text="0 = Monday … 6 = Sunday")
    earliest_start = serializers.CharField(max_length=10, help_text="HH:MM, 24-hour, in the player's zone")
    available_hours = serializers.JSONField(help_text="More than 0, at most 16, one decimal")


class AvailabilityWeekSerializer(serializers.Serializer):
    timezone = ZoneSerializerField(required=False, help_text="IANA zone; omit to keep the current one")
    days = AvailabilityDaySerializer(many=True, help_text="Days not listed are cleared")


class MyAvailabilitySerializer(serializers.Serializer):
    timezone = ZoneSerializerField()
    days = AvailabilitySerializer(many=True)


class BestTimeQuerySerializer(serializers.Serializer):
    date_from = DateField(required=False, help_text="First day (in `timezone`); default today")
    days = IntegerField(required=False, default=7, min_value=1, max_value=366)
    length_hours = HoursField(required=False, default=2.0)
    grid_minutes = IntegerField(required=False, default=30, min_value=5, max_value=24 * 60)
    top = IntegerField(required=False, default=5, min_value=1, max_value=100)
    timezone = ZoneSerializerField(required=False, default="UTC", help_text="IANA zone of the days")


class SlotPlayerSerializer(serializers.Serializer):
    player_id = IntegerField()
    discord_user_id = SnowflakeField()
    name = serializers.SerializerMethodField()
    weight = IntegerField()

    def get_name(self, entry) -> str:
        return entry.name or f"user {entry.discord_user_id}"


class SlotSerializer(serializers.Serializer):
    start = serializers.DateTimeField()
    end = serializers.DateTimeField()
    score = IntegerField()
    head_count = IntegerField(help_text="Players present (the full list: `best-time/present/`)")
    missing_count = IntegerField(help_text="Players of the roster not present")
    missing_officers = SlotPlayerSerializer(
        many=True, help_text="Missing players of rank Officer or higher, heaviest first, then by name"
    )


class BestTimePresentQuerySerializer(serializers.Serializer):
    start = serializers.DateTimeField(help_text="The slot's start, an instant (a `start` of the best-time answer)")
    length_hours = HoursField(required=False, default=2.0)
    page = IntegerField(required=False, default=1, help_text="From 1")
    page_size = IntegerField(required=False, default=50, help_text="From 1 to 500")


class BestTimePresentSerializer(serializers.Serializer):
    start = serializers.DateTimeField(source="slot.start")
    end = serializers.DateTimeField(source="slot.end")
    score = IntegerField(source="slot.score")
    count = IntegerField(source="slot.head_count", help_text="Players present, on all pages")
    page = IntegerField()
    pages = IntegerField()
    page_size = IntegerField()
    results = SlotPlayerSerializer(source="players", many=True, help_text="Heaviest first, then by name")


# ----------------------------------------------------------------------------- reminders


class DispatchSerializer(ModelSerializer):
    """One occurrence as the dispatcher handled it: sent, late, missed (not sent) or failed, and
    what delivery said."""

    source_id = serializers.IntegerField(read_only=True, help_text="The id of the reminder (or job) that fired.")

    class Meta:
        model = Dispatch
        fields = [
            "id",
            "source",
            "source_id",
            "guild_id",
            "occurrence",
            "kind",
            "status",
            "dispatched_at",
            "outcome",
            "outcome_at",
            "detail",
        ]
        read_only_fields = fields


class ReminderSerializer(ModelSerializer):
    recurring = serializers.BooleanField(source="is_recurring", read_only=True)
    days = serializers.ListField(child=serializers.IntegerField(), read_only=True)

    class Meta:
        model = Reminder
        fields = [
            "id",
            "guild_id",
            "name",
            "message",
            "location",
            "channel_id",
            "created_by",
            "mention_role_id",
            "mention_everyone",
            "origin_channel_id",
            "origin_message_id",
            "recurring",
            "timezone",
            "days",
            "time",
            "event_time",
            "call_time",
            "lead_minutes",
            "status",
            "next_fire_at",
            "archived_at",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class SendSerializer(serializers.Serializer):
    at = serializers.DateTimeField()
    kind = serializers.CharField()


class ReminderDetailSerializer(ReminderSerializer):
    """A reminder with its next five sends and its last dispatches (newest first)."""

    next_sends = serializers.SerializerMethodField()
    last_dispatches = serializers.SerializerMethodField()

    class Meta(ReminderSerializer.Meta):
        fields = [*ReminderSerializer.Meta.fields, "next_sends", "last_dispatches"]
        read_only_fields = fields

    @extend_schema_field(SendSerializer(many=True))
    def get_next_sends(self, reminder: Reminder) -> list[dict]:
        return SendSerializer(
            [{"at": at, "kind": kind} for at, kind in upcoming_sends(reminder, count=5)], many=True
        ).data

    @extend_schema_field(DispatchSerializer(many=True))
    def get_last_dispatches(self, reminder: Reminder) -> list[dict]:
        records = self.context.get("dispatches", {}).get(reminder.pk, [])
        return DispatchSerializer(records, many=True).data


DAYS_HELP = "Recurring: weekdays, 0 = Monday … 6 = Sunday (with `time`)."


class ReminderWriteSerializer(serializers.Serializer):
    """A reminder's fields as typed: `days` + `time` (recurring) or `date` + `time` (one-off), in
    `timezone`. The service checks the rules; this checks the types."""

    name = serializers.CharField(max_length=200)
    message = serializers.CharField(max_length=4000)
    channel_id = SnowflakeField()
    timezone = ZoneSerializerField()
    time = serializers.CharField(required=False, max_length=8, help_text="HH:MM, 24-hour, in `timezone`.")
    days = serializers.ListField(
        child=IntegerField(min_value=0, max_value=6), required=False, max_length=7, help_text=DAYS_HELP
    )
    date = DateField(required=False, help_text="One-off: the local date, sent at `date time`.")
    location = serializers.CharField(required=False, allow_blank=True, max_length=400)
    lead_minutes = IntegerField(
        required=False, min_value=0, max_value=MAX_LEAD_MINUTES, help_text="One-off: the early send, minutes before."
    )
    mention_role_id = SnowflakeField(required=False, allow_null=True)
    mention_everyone = serializers.BooleanField(required=False)


class ReminderPatchSerializer(ReminderWriteSerializer):
    """What to change; what is left out stays. Giving `days` makes it recurring, a `date` a one-off."""

    name = serializers.CharField(required=False, max_length=200)
    message = serializers.CharField(required=False, max_length=4000)
    channel_id = SnowflakeField(required=False)
    timezone = ZoneSerializerField(required=False)


class CalendarFeedSerializer(serializers.Serializer):
    url = serializers.CharField(help_text="The feed's address: whoever has it can subscribe. Rotate to change it.")
    rotated_at = serializers.DateTimeField()
