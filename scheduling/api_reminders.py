"""REST API of reminders, the dispatcher's records and the guild calendar feed.

Reading a guild's reminders is for its members (as /reminder_list is in Discord); creating and
changing them for moderators, deleting for the creator or an admin (the services decide, with the
login's actor); the dispatch records for moderators; the calendar link for admins. The feed itself
(`calendar_feed`) is a plain view: its secret token is its only key, a wrong one is a 404.
"""

from __future__ import annotations

from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.views.decorators.http import require_GET
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import extend_schema
from rest_framework import generics, status
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from config.exceptions import ApplicationError
from config.permissions import GuildMembers
from config.schema import GUILD_ID_PATH
from scheduling import selectors
from scheduling.calendar import guild_calendar
from scheduling.filters import DispatchFilter, ReminderFilter
from scheduling.models import CalendarFeed, Dispatch, Reminder
from scheduling.permissions import ActorViewMixin, ModeratorReads
from scheduling.serializers import (
    CalendarFeedSerializer,
    DispatchSerializer,
    ReminderDetailSerializer,
    ReminderPatchSerializer,
    ReminderSerializer,
    ReminderWriteSerializer,
)
from scheduling.services import calendar as calendar_services
from scheduling.services import reminders as services

GUILD = GUILD_ID_PATH
LAST_DISPATCHES = 10
# The services name a few inputs as Discord's options do; the API's fields are the columns' names.
API_FIELDS = {"lead": "lead_minutes", "mention": "mention_everyone"}


def _service_call(function, **kwargs):
    """Call a reminder service; a refusal names the API's field."""
    try:
        return function(**kwargs)
    except ApplicationError as refusal:
        refusal.field = API_FIELDS.get(refusal.field, refusal.field)
        raise


def _when_arguments(values: dict) -> dict:
    arguments = {}
    if "timezone" in values:
        arguments["timezone_name"] = values["timezone"].key
    if "time" in values:
        arguments["time_text"] = values["time"]
    if values.get("days"):
        arguments["days"] = values["days"]
    if "date" in values:
        arguments["date_text"] = values["date"].isoformat()
    return arguments


def _detail(reminder: Reminder) -> dict:
    dispatches = selectors.reminder_dispatches(reminder_ids=[reminder.pk], per_reminder=LAST_DISPATCHES)
    return ReminderDetailSerializer(reminder, context={"dispatches": dispatches}).data


@extend_schema(parameters=[GUILD], tags=["reminders"])
class ReminderListView(ActorViewMixin, generics.ListCreateAPIView):
    """The guild's reminders, next send first (members); create one (moderators)."""

    permission_classes = [IsAuthenticated, GuildMembers]
    serializer_class = ReminderSerializer
    filter_backends = [DjangoFilterBackend]
    filterset_class = ReminderFilter

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Reminder.objects.none()
        return Reminder.objects.filter(guild_id=self.kwargs["guild_id"]).order_by(
            "status", "next_fire_at", "name", "id"
        )

    @extend_schema(request=ReminderWriteSerializer, responses={201: ReminderDetailSerializer})
    def post(self, request, guild_id: int):
        data = ReminderWriteSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        reminder = _service_call(
            services.reminder_create,
            actor=self.actor(),
            guild_id=guild_id,
            name=values["name"],
            message=values["message"],
            channel_id=values["channel_id"],
            location=values.get("location", ""),
            lead_minutes=values.get("lead_minutes"),
            mention_role_id=values.get("mention_role_id"),
            mention_everyone=values.get("mention_everyone", False),
            **_when_arguments(values),
        )
        return Response(_detail(reminder), status=status.HTTP_201_CREATED)


@extend_schema(tags=["reminders"])
class ReminderDetailView(ActorViewMixin, APIView):
    """One reminder with its next sends and its last dispatches (members); change it
    (moderators); delete it: it is archived, its history kept (its creator or an admin)."""

    permission_classes = [IsAuthenticated, GuildMembers]

    @extend_schema(parameters=[GUILD], responses=ReminderDetailSerializer)
    def get(self, request, guild_id: int, pk: int):
        return Response(_detail(get_object_or_404(Reminder, pk=pk, guild_id=guild_id)))

    @extend_schema(parameters=[GUILD], request=ReminderPatchSerializer, responses=ReminderDetailSerializer)
    def patch(self, request, guild_id: int, pk: int):
        reminder = get_object_or_404(Reminder, pk=pk, guild_id=guild_id)
        data = ReminderPatchSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        changes = {key: values[key] for key in ("name", "message", "channel_id", "location") if key in values}
        if "lead_minutes" in values:
            changes["lead_minutes"] = values["lead_minutes"]
        if "mention_role_id" in values:
            changes["mention_role_id"] = values["mention_role_id"]
        if "mention_everyone" in values:
            changes["mention_everyone"] = values["mention_everyone"]
        reminder = _service_call(
            services.reminder_update,
            actor=self.actor(),
            guild_id=guild_id,
            reminder_id=reminder.pk,
            **changes,
            **_when_arguments(values),
        )
        return Response(_detail(reminder))

    @extend_schema(parameters=[GUILD], responses={204: None})
    def delete(self, request, guild_id: int, pk: int):
        reminder = get_object_or_404(Reminder, pk=pk, guild_id=guild_id)
        services.reminder_archive(actor=self.actor(), guild_id=guild_id, reminder_id=reminder.pk)
        return Response(status=status.HTTP_204_NO_CONTENT)


@extend_schema(parameters=[GUILD], tags=["reminders"])
class DispatchListView(generics.ListAPIView):
    """The dispatcher's records of the guild, newest first (moderators): every occurrence sent,
    sent late, missed (never sent, e.g. after downtime longer than the grace window) or failed."""

    permission_classes = [IsAuthenticated, GuildMembers, ModeratorReads]
    serializer_class = DispatchSerializer
    filter_backends = [DjangoFilterBackend]
    filterset_class = DispatchFilter

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Dispatch.objects.none()
        return Dispatch.objects.filter(guild_id=self.kwargs["guild_id"]).order_by("-occurrence", "-id")


def _feed_body(request, feed: CalendarFeed) -> dict:
    url = request.build_absolute_uri(reverse("scheduling:calendar-feed", args=[feed.token]))
    return CalendarFeedSerializer({"url": url, "rotated_at": feed.rotated_at}).data


@extend_schema(tags=["reminders"])
class CalendarFeedView(ActorViewMixin, APIView):
    """The guild's calendar link (admins): reminders and raid events as iCalendar, to subscribe to."""

    permission_classes = [IsAuthenticated, GuildMembers]

    @extend_schema(parameters=[GUILD], responses=CalendarFeedSerializer)
    def get(self, request, guild_id: int):
        feed = calendar_services.calendar_feed_ensure(actor=self.actor(), guild_id=guild_id)
        return Response(_feed_body(request, feed))


@extend_schema(tags=["reminders"])
class CalendarFeedRotateView(ActorViewMixin, APIView):
    """Give the guild's calendar a new link (admins): the old one stops working at once."""

    permission_classes = [IsAuthenticated, GuildMembers]

    @extend_schema(parameters=[GUILD], request=None, responses=CalendarFeedSerializer)
    def post(self, request, guild_id: int):
        feed = calendar_services.calendar_feed_rotate(actor=self.actor(), guild_id=guild_id)
        return Response(_feed_body(request, feed))


@require_GET
def calendar_feed(request, token: str) -> HttpResponse:
    """The iCalendar feed of the guild whose current token this is; any other token is a 404."""
    feed = CalendarFeed.objects.filter(token=token).first()
    if feed is None:
        raise Http404("No such calendar.")
    response = HttpResponse(guild_calendar(guild_id=feed.guild_id), content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'inline; filename="guild-{feed.guild_id}.ics"'
    response["Cache-Control"] = "private, max-age=300"
    return response
