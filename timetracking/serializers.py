"""Serializers of the time-tracking API: input validation and output shapes, no writes."""

from __future__ import annotations

from django.utils import timezone
from rest_framework import serializers

from config.serializers import DateField, IntegerField, ModelSerializer, SnowflakeField, ZoneSerializerField
from timetracking import services
from timetracking.durations import format_duration
from timetracking.models import FocusSession, Subject, TrackedUser, WeeklyAllocation


class TrackedUserSerializer(ModelSerializer):
    # Declared: ModelSerializer maps a field with choices to a ChoiceField before its zone mapping.
    timezone = ZoneSerializerField(read_only=True)

    class Meta:
        model = TrackedUser
        fields = ["id", "timezone", "weekly_summary", "last_summary_week", "created_at", "updated_at"]
        read_only_fields = fields


class SubjectSerializer(ModelSerializer):
    user = SnowflakeField(source="user_id", read_only=True, help_text="The Discord user id.")

    class Meta:
        model = Subject
        fields = ["id", "user", "name", "created_at"]
        read_only_fields = fields


class SubjectCreateSerializer(serializers.Serializer):
    user = SnowflakeField(help_text="The Discord user id (a string; an integer is accepted).")
    name = serializers.CharField(max_length=services.SUBJECT_MAX_LENGTH)


class AllocationSerializer(ModelSerializer):
    user = SnowflakeField(source="user_id", read_only=True, help_text="The Discord user id.")
    subject = IntegerField(source="subject_id", read_only=True)
    subject_name = serializers.CharField(source="subject.name", read_only=True)

    class Meta:
        model = WeeklyAllocation
        fields = [
            "id",
            "user",
            "subject",
            "subject_name",
            "week_start_date",
            "minutes_allocated",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class AllocationSetSerializer(serializers.Serializer):
    user = SnowflakeField(help_text="The Discord user id (a string; an integer is accepted).")
    subject = IntegerField(
        min_value=1, required=False, help_text="An existing subject's id (give this or subject_name)."
    )
    subject_name = serializers.CharField(
        max_length=services.SUBJECT_MAX_LENGTH, required=False, help_text="A subject name, created when new."
    )
    week_start_date = DateField(
        required=False, help_text="Any date of the week (its Monday is used); default: this week in the user's zone."
    )
    minutes_allocated = IntegerField(min_value=0, max_value=services.MAX_WEEKLY_MINUTES)

    def validate(self, attrs):
        if ("subject" in attrs) == ("subject_name" in attrs):
            raise serializers.ValidationError({"subject": "Give exactly one of subject and subject_name."})
        return attrs


class SessionSerializer(ModelSerializer):
    user = SnowflakeField(source="user_id", read_only=True, help_text="The Discord user id.")
    subject = IntegerField(source="subject_id", read_only=True)
    subject_name = serializers.CharField(source="subject.name", read_only=True)
    purpose = serializers.CharField(source="goal", read_only=True)
    measured_seconds = serializers.SerializerMethodField()
    paused_seconds = serializers.SerializerMethodField()
    effective_seconds = serializers.SerializerMethodField()

    class Meta:
        model = FocusSession
        fields = [
            "id",
            "user",
            "subject",
            "subject_name",
            "status",
            "started_at",
            "ended_at",
            "week_start_date",
            "purpose",
            "note",
            "total_paused_seconds",
            "pause_started_at",
            "effective_override_seconds",
            "measured_seconds",
            "paused_seconds",
            "effective_seconds",
            "auto_clocked_out",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    def _now(self):
        return self.context.get("now") or timezone.now()

    def get_measured_seconds(self, session: FocusSession) -> int:
        return session.measured_seconds(self._now())

    def get_paused_seconds(self, session: FocusSession) -> int:
        """Paused time including a pause still running."""
        return session.paused_seconds(self._now())

    def get_effective_seconds(self, session: FocusSession) -> int:
        return session.effective_seconds(self._now())


class ReportQuerySerializer(serializers.Serializer):
    week = DateField(
        required=False, help_text="Any date of the week (its Monday is used); default: this week in the user's zone."
    )


class ReportLineSerializer(serializers.Serializer):
    subject_id = IntegerField()
    subject = serializers.CharField()
    allocated_minutes = IntegerField(allow_null=True, help_text="Null: no allocation this week.")
    tracked_seconds = IntegerField(help_text="Effective time of the week's sessions, open ones up to now.")
    tracked_minutes = IntegerField(help_text="tracked_seconds in whole minutes, seconds rounded down.")
    tracked = serializers.SerializerMethodField(help_text="tracked_minutes as /alloc show writes it.")
    remaining_seconds = IntegerField(help_text="Allocated minus tracked; negative when over.")
    remaining_minutes = IntegerField(
        help_text="Allocated minus tracked_minutes (what /alloc show writes); negative when over."
    )
    progress_percent = serializers.SerializerMethodField(help_text="tracked_minutes / allocated_minutes, rounded.")
    sessions = IntegerField()
    running = serializers.BooleanField()

    def get_tracked(self, line) -> str:
        return format_duration(line.tracked_minutes * 60)

    def get_progress_percent(self, line) -> int | None:
        return None if line.progress is None else round(line.progress * 100)


class ReportTotalsSerializer(serializers.Serializer):
    allocated_minutes = IntegerField(source="total_allocated_minutes")
    tracked_seconds = IntegerField(source="total_tracked_seconds")
    remaining_seconds = IntegerField(source="total_remaining_seconds")
    tracked_minutes = IntegerField(
        source="total_tracked_minutes", help_text="The sum of the subjects' tracked_minutes."
    )
    remaining_minutes = IntegerField(source="total_remaining_minutes")


class WeeklyReportSerializer(serializers.Serializer):
    user_id = SnowflakeField(help_text="The Discord user id.")
    timezone = ZoneSerializerField(source="week.zone", help_text="The user's zone: the week is Monday to Sunday in it.")
    week_start = DateField(source="week.start_date")
    week_end = DateField(source="week.end_date")
    starts_at = serializers.DateTimeField(source="week.starts_at")
    ends_at = serializers.DateTimeField(source="week.ends_at", help_text="Exclusive.")
    generated_at = serializers.DateTimeField()
    subjects = ReportLineSerializer(source="lines", many=True)
    totals = ReportTotalsSerializer(source="*")
