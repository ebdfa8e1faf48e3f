"""The roster: guild ranks with scheduling weights, players with their time zones and WoW
characters, the WoW reference data (roles, classes, specializations) and weekly availability
windows. Rows that belong to a community carry its Discord `guild_id`."""

from __future__ import annotations

import zoneinfo

from django.conf import settings
from django.db import models
from django.db.models import OuterRef, Q, Subquery

from config.fields import ZoneField

UTC_ZONE = zoneinfo.ZoneInfo("UTC")

GUILD_HELP = "The Discord server (guild) id; it cannot change after creation."


class GuildRank(models.Model):
    """A guild rank; `scheduling_weight` is how much a member's availability counts when the
    best raid time is chosen (0 = not at all)."""

    guild_id = models.PositiveBigIntegerField(db_index=True, help_text=GUILD_HELP)
    name = models.CharField(max_length=50)
    level = models.PositiveSmallIntegerField(help_text="1 = lowest; 4 and above are officers.")
    description = models.CharField(max_length=200, blank=True, default="")
    scheduling_weight = models.PositiveSmallIntegerField(default=0, db_default=0)
    discord_role_id = models.PositiveBigIntegerField(
        null=True, blank=True, help_text="Members with this Discord role get this rank."
    )

    class Meta:
        ordering = ["guild_id", "level"]
        constraints = [
            models.UniqueConstraint(fields=["guild_id", "level"], name="guildrank_unique_level"),
            models.UniqueConstraint(fields=["guild_id", "name"], name="guildrank_unique_name"),
            models.UniqueConstraint(
                fields=["guild_id", "discord_role_id"],
                condition=Q(discord_role_id__isnull=False),
                name="guildrank_unique_discord_role",
            ),
            models.CheckConstraint(condition=Q(level__gte=1, level__lte=10), name="guildrank_level_range"),
            models.CheckConstraint(condition=Q(scheduling_weight__lte=100), name="guildrank_weight_range"),
        ]

    def __str__(self) -> str:
        return f"{self.name} (level {self.level}, weight {self.scheduling_weight})"


class Role(models.Model):
    """A raid role (Tank, Healer, Melee DPS, Ranged DPS): shared reference data."""

    name = models.SlugField(max_length=30, unique=True)
    display_name = models.CharField(max_length=50)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return self.display_name


class WowClass(models.Model):
    """A World of Warcraft class; `game_id` is Blizzard's class id. Read-only reference data."""

    game_id = models.PositiveSmallIntegerField(unique=True)
    name = models.CharField(max_length=30, unique=True)

    class Meta:
        ordering = ["game_id"]
        verbose_name = "WoW class"
        verbose_name_plural = "WoW classes"

    def __str__(self) -> str:
        return self.name


class Specialization(models.Model):
    """A class specialization; `game_id` is Blizzard's spec id. Read-only reference data."""

    game_id = models.PositiveSmallIntegerField(unique=True)
    wow_class = models.ForeignKey(WowClass, on_delete=models.PROTECT, related_name="specializations")
    name = models.CharField(max_length=30)
    role = models.ForeignKey(Role, on_delete=models.PROTECT, related_name="specializations")

    class Meta:
        ordering = ["wow_class__game_id", "game_id"]
        constraints = [models.UniqueConstraint(fields=["wow_class", "name"], name="spec_unique_name_per_class")]

    def __str__(self) -> str:
        return f"{self.name} {self.wow_class.name}"


class MemberZone(models.Model):
    """A Discord member's time zone: the one stored value every feature reads (the roster and
    availability, time tracking's weeks, the shift defaults). One row per Discord user, whatever
    the guild; written only through `scheduling.services.member_zone_set`."""

    discord_user_id = models.PositiveBigIntegerField(unique=True, help_text="The Discord user id.")
    timezone = ZoneField(help_text="IANA time zone, used by every feature for this member.")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["discord_user_id"]
        verbose_name = "member time zone"
        constraints = [models.CheckConstraint(condition=~Q(timezone=""), name="memberzone_timezone_set")]

    def __str__(self) -> str:
        return f"{self.discord_user_id}: {self.timezone}"


def member_zone_subquery(user_id_ref: str) -> Subquery:
    """The member's stored zone as a scalar subquery on `user_id_ref` (the outer query's Discord
    user id column), so a list reads every member's zone in its own query."""
    return Subquery(
        MemberZone.objects.filter(discord_user_id=OuterRef(user_id_ref)).values("timezone")[:1],
        output_field=ZoneField(),
    )


def stored_member_zone(instance: models.Model, user_id: int) -> zoneinfo.ZoneInfo | None:
    """The `member_timezone` annotation of a row when it was loaded with it, else one query
    (cached on the instance)."""
    if "member_timezone" not in instance.__dict__:
        instance.__dict__["member_timezone"] = (
            MemberZone.objects.filter(discord_user_id=user_id).values_list("timezone", flat=True).first()
        )
    return instance.__dict__["member_timezone"]


class MemberZoneReader:
    """For a model whose `timezone` property reads the member's zone: reloading a row forgets the
    zone it was loaded with."""

    def refresh_from_db(self, *args, **kwargs):
        self.__dict__.pop("member_timezone", None)
        super().refresh_from_db(*args, **kwargs)


class MemberZoneAnnotatedManager(models.Manager):
    """A default manager whose rows carry `member_timezone` (the member's zone, or None)."""

    user_id_field = "discord_user_id"

    def get_queryset(self):
        return super().get_queryset().annotate(member_timezone=member_zone_subquery(self.user_id_field))


class Player(MemberZoneReader, models.Model):
    """A person in a guild (one per Discord user and guild). Their zone is the member's zone
    (:class:`MemberZone`), shared by every guild they are in."""

    # Only where no better zone is known: a new player from Discord takes the guild's zone.
    DEFAULT_TIMEZONE = "UTC"

    guild_id = models.PositiveBigIntegerField()
    discord_user_id = models.PositiveBigIntegerField()
    display_name = models.CharField(max_length=100, blank=True, default="")
    rank = models.ForeignKey(GuildRank, on_delete=models.PROTECT, related_name="players")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="guild_players",
        help_text="The back-office login of this player (officers use it for the API and admin).",
    )
    auto_invite_events = models.BooleanField(default=False, db_default=False)
    raid_team = models.BooleanField(
        default=False,
        db_default=False,
        help_text="On the raid team whatever the rank's weight: expected at every raid in the statistics.",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = MemberZoneAnnotatedManager()

    class Meta:
        ordering = ["guild_id", "display_name", "id"]
        constraints = [
            models.UniqueConstraint(fields=["guild_id", "discord_user_id"], name="player_unique_discord_user"),
            models.UniqueConstraint(
                fields=["guild_id", "user"], condition=Q(user__isnull=False), name="player_unique_user_per_guild"
            ),
        ]
        indexes = [models.Index(fields=["guild_id", "auto_invite_events"], name="player_autoinvite_idx")]

    def __str__(self) -> str:
        return self.display_name or f"user {self.discord_user_id}"

    @property
    def timezone(self) -> zoneinfo.ZoneInfo:
        """The member's zone (:class:`MemberZone`), else UTC. Read-only: set it with
        `scheduling.services.member_zone_set`."""
        return stored_member_zone(self, self.discord_user_id) or UTC_ZONE

    @property
    def on_raid_team(self) -> bool:
        """Expected at every raid: a rank that counts for the raid time (weight > 0) or the flag."""
        return self.raid_team or self.rank.scheduling_weight > 0


class WowCharacter(models.Model):
    player = models.ForeignKey(Player, on_delete=models.CASCADE, related_name="characters")
    name = models.CharField(max_length=50)
    realm = models.CharField(max_length=50)
    wow_class = models.ForeignKey(WowClass, on_delete=models.PROTECT, null=True, blank=True)
    specialization = models.ForeignKey(Specialization, on_delete=models.PROTECT, null=True, blank=True)
    is_main = models.BooleanField(default=False)

    class Meta:
        ordering = ["player_id", "-is_main", "name"]
        constraints = [
            models.UniqueConstraint(fields=["player", "name", "realm"], name="character_unique_per_player"),
            models.UniqueConstraint(fields=["player"], condition=Q(is_main=True), name="character_one_main"),
        ]

    def __str__(self) -> str:
        return f"{self.name}-{self.realm}"


class PlayerAvailability(models.Model):
    """One weekly window: from `earliest_start` (wall time in the player's zone) on `day_of_week`
    (0 = Monday) for `available_hours` hours, possibly past midnight."""

    player = models.ForeignKey(Player, on_delete=models.CASCADE, related_name="availability")
    day_of_week = models.PositiveSmallIntegerField()
    earliest_start = models.TimeField()
    available_hours = models.DecimalField(max_digits=3, decimal_places=1)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["player_id", "day_of_week"]
        verbose_name_plural = "player availability"
        constraints = [
            models.UniqueConstraint(fields=["player", "day_of_week"], name="availability_unique_day"),
            models.CheckConstraint(condition=Q(day_of_week__gte=0, day_of_week__lte=6), name="availability_day_range"),
            models.CheckConstraint(
                condition=Q(available_hours__gt=0, available_hours__lte=16), name="availability_hours_range"
            ),
        ]
        indexes = [models.Index(fields=["day_of_week"], name="availability_day_idx")]

    def __str__(self) -> str:
        return f"day {self.day_of_week} from {self.earliest_start:%H:%M} for {self.available_hours} h"
