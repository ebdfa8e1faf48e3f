"""API shapes of seasons, events, attendance and statistics."""

from __future__ import annotations

from rest_framework import serializers

from attendance.models import RaidAttendance, RaidEvent, RaidSeason
from config.serializers import DateField, HoursField, IntegerField, ModelSerializer, SnowflakeField, ZoneSerializerField


class SeasonSerializer(ModelSerializer):
    class Meta:
        model = RaidSeason
        fields = ["id", "guild_id", "name", "start_date", "is_active", "created_at"]
        read_only_fields = fields


class SeasonCreateSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=100)
    start_date = DateField()
    is_active = serializers.BooleanField(required=False, default=True)


class SeasonPatchSerializer(serializers.Serializer):
    name = serializers.CharField(required=False, max_length=100)
    start_date = DateField(required=False)
    is_active = serializers.BooleanField(required=False)


class EventSerializer(ModelSerializer):
    season = serializers.CharField(
        source="season_name",
        allow_null=True,
        read_only=True,
        help_text="The season current on the event's date (follows the seasons' dates and active flags)",
    )

    class Meta:
        model = RaidEvent
        fields = [
            "id",
            "guild_id",
            "season",
            "title",
            "event_date",
            "start_time_utc",
            "end_time_utc",
            "discord_channel_id",
            "log_url",
            "raid_helper_event_id",
            "notes",
            "cancelled_at",
            "created_at",
        ]
        read_only_fields = fields


class EventCreateSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=200)
    start = serializers.CharField(max_length=20, help_text="YYYY-MM-DD HH:MM wall time in `timezone`")
    timezone = ZoneSerializerField(default="UTC", help_text="IANA zone `start` is written in")
    duration_hours = HoursField(default=2.0)
    discord_channel_id = SnowflakeField(required=False, allow_null=True)
    notes = serializers.CharField(required=False, allow_blank=True, default="", max_length=1000)


class EventPatchSerializer(serializers.Serializer):
    """Every field optional; the service checks officers, bounds and when a field may change."""

    title = serializers.CharField(required=False, max_length=200)
    start = serializers.CharField(required=False, max_length=20, help_text="YYYY-MM-DD HH:MM wall time in `timezone`")
    timezone = ZoneSerializerField(default="UTC", help_text="IANA zone `start` is written in (the guild's zone)")
    duration_hours = HoursField(required=False, min_value=0.5, max_value=12)
    notes = serializers.CharField(required=False, allow_blank=True, max_length=1000)
    log_url = serializers.CharField(
        required=False, allow_blank=True, max_length=500, help_text="http(s) link to the logs; empty clears it"
    )
    raid_helper_event_id = serializers.CharField(required=False, allow_blank=True, max_length=30)


class AttendanceSerializer(ModelSerializer):
    player_name = serializers.CharField(source="player.display_name", read_only=True)
    discord_user_id = SnowflakeField(source="player.discord_user_id", read_only=True)

    class Meta:
        model = RaidAttendance
        fields = [
            "id",
            "player",
            "player_name",
            "discord_user_id",
            "signed_up",
            "tentative",
            "attended",
            "noted_absence",
            "absence_reason",
            "character",
            "source",
        ]
        read_only_fields = fields


class AttendanceRecordSerializer(serializers.Serializer):
    player_id = IntegerField()
    attended = serializers.BooleanField(default=True)
    character_id = IntegerField(required=False, allow_null=True)
    source = serializers.ChoiceField(choices=RaidAttendance.Source.choices, default=RaidAttendance.Source.MANUAL)


class PlayerStatsSerializer(serializers.Serializer):
    player_id = IntegerField(source="player.pk")
    player_name = serializers.CharField(source="player.display_name")
    discord_user_id = SnowflakeField(source="player.discord_user_id")
    events = IntegerField()
    attended = IntegerField()
    excused = IntegerField()
    unexcused = IntegerField()
    rate = serializers.FloatField(allow_null=True)
