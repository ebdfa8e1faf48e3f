"""REST API of GDPR for a guild's admins (and staff): how many members accepted each version of
the guild's consent text, and the export and erasure requests made from the guild (the audit
log)."""

from __future__ import annotations

from django.db.models import Count
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, serializers
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from config.actors import actor_for_request
from config.exceptions import ApplicationError
from config.permissions import GuildMembers
from config.schema import GUILD_ID_PATH
from config.serializers import ModelSerializer
from support.models import ConsentVersion, GdprRequest

NOT_ADMIN = "Only the server's admins can see its GDPR records."


class ConsentVersionCountSerializer(ModelSerializer):
    acceptances = serializers.IntegerField(
        source="acceptance_count", read_only=True, help_text="Members who accepted this version."
    )

    class Meta:
        model = ConsentVersion
        fields = ["version", "published_at", "role_id", "acceptances"]
        read_only_fields = fields


class GdprOverviewSerializer(serializers.Serializer):
    current_version = serializers.IntegerField(allow_null=True, help_text="None until a version is published.")
    versions = ConsentVersionCountSerializer(many=True, help_text="Newest first.")
    requests = serializers.DictField(
        child=serializers.IntegerField(), help_text="Requests made from this server, per kind (export, erase)."
    )


class GdprRequestSerializer(ModelSerializer):
    requested_in = serializers.ChoiceField(
        source="source", choices=GdprRequest.Source.choices, read_only=True, help_text="Where it was asked."
    )

    class Meta:
        model = GdprRequest
        fields = [
            "id",
            "kind",
            "requested_in",
            "subject_user_id",
            "requested_by_user_id",
            "requested_at",
            "summary",
        ]
        read_only_fields = fields


class RequestListQuerySerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=GdprRequest.Kind.choices, required=False)


class GuildAdminsOnly:
    def require_admin(self) -> None:
        actor = actor_for_request(self.request, guild_id=self.kwargs["guild_id"])
        if not (actor.is_admin or actor.is_staff):
            raise ApplicationError(NOT_ADMIN, code="permission_denied")


@extend_schema(tags=["support"])
class GdprOverviewView(GuildAdminsOnly, APIView):
    """Acceptances per version of the guild's consent text, and how many requests were made (admins)."""

    permission_classes = [IsAuthenticated, GuildMembers]

    @extend_schema(parameters=[GUILD_ID_PATH], responses=GdprOverviewSerializer)
    def get(self, request, guild_id: int):
        self.require_admin()
        versions = list(
            ConsentVersion.objects.filter(guild_id=guild_id)
            .annotate(acceptance_count=Count("acceptances"))
            .order_by("-version")
        )
        counts = dict(
            GdprRequest.objects.filter(guild_id=guild_id)
            .values_list("kind")
            .annotate(n=Count("id"))
            .values_list("kind", "n")
        )
        data = {
            "current_version": versions[0].version if versions else None,
            "versions": ConsentVersionCountSerializer(versions, many=True).data,
            "requests": {kind: counts.get(kind, 0) for kind in GdprRequest.Kind.values},
        }
        return Response(data)


@extend_schema(
    tags=["support"],
    parameters=[
        GUILD_ID_PATH,
        OpenApiParameter("kind", str, enum=GdprRequest.Kind.values, description="Only this kind"),
    ],
)
class GdprRequestListView(GuildAdminsOnly, generics.ListAPIView):
    """The export and erasure requests made from the guild, newest first (admins)."""

    permission_classes = [IsAuthenticated, GuildMembers]
    serializer_class = GdprRequestSerializer

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return GdprRequest.objects.none()
        self.require_admin()
        query = RequestListQuerySerializer(data=self.request.query_params)
        query.is_valid(raise_exception=True)
        requests = GdprRequest.objects.filter(guild_id=self.kwargs["guild_id"])
        if kind := query.validated_data.get("kind"):
            requests = requests.filter(kind=kind)
        return requests.order_by("-requested_at", "-id")
