"""Discord-facing state: per-guild configuration, the outbox of Discord actions, and the record
of interactions already answered."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.db.models.functions import Now

from config.fields import ZoneField


class PermissionLevel(models.IntegerChoices):
    MEMBER = 0, "member"
    MODERATOR = 1, "moderator"
    ADMIN = 2, "admin"


class GuildConfig(models.Model):
    """One Discord guild's configuration: its roles, channels and default time zone."""

    guild_id = models.PositiveBigIntegerField(unique=True, help_text="The Discord guild (server) id.")
    name = models.CharField(max_length=100, blank=True)
    timezone = ZoneField(
        default="UTC", help_text="The guild's zone, used where a member has not chosen one of their own."
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "guild configuration"
        ordering = ["name", "guild_id"]

    def __str__(self) -> str:
        return f"{self.name or 'guild'} ({self.guild_id})"


class GuildRole(models.Model):
    """A Discord role that grants a permission level in Guildhall."""

    class Kind(models.TextChoices):
        MODERATOR = "moderator", "moderator"
        ADMIN = "admin", "admin"

    guild = models.ForeignKey(GuildConfig, on_delete=models.CASCADE, related_name="roles")
    role_id = models.PositiveBigIntegerField()
    kind = models.CharField(max_length=16, choices=Kind.choices)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["guild", "role_id", "kind"], name="guildrole_unique_per_kind")]
        ordering = ["kind", "role_id"]

    def __str__(self) -> str:
        return f"{self.kind} role {self.role_id}"


class GuildChannel(models.Model):
    """The channel (or category) a guild uses for one feature."""

    class Feature(models.TextChoices):
        SHIFTS = "shifts", "shifts"
        ANNOUNCEMENTS = "announcements", "announcements"
        LOGS = "logs", "logs"
        RULES = "rules", "rules"
        WELCOME = "welcome", "welcome"
        TICKETS_CATEGORY = "tickets_category", "tickets category"
        TICKETS_OVERFLOW = "tickets_overflow", "tickets overflow category"
        OFFICERS = "officers", "officers"
        RAIDS = "raids", "raids"
        REMINDERS = "reminders", "reminders"

    guild = models.ForeignKey(GuildConfig, on_delete=models.CASCADE, related_name="channels")
    feature = models.CharField(max_length=32, choices=Feature.choices)
    channel_id = models.PositiveBigIntegerField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["guild", "feature"], name="guildchannel_one_per_feature")]
        ordering = ["feature"]

    def __str__(self) -> str:
        return f"{self.feature}: {self.channel_id}"


class BotAction(models.Model):
    """One Discord side effect waiting to be performed (the outbox).

    Written in the same transaction as the state change it reflects, so nothing committed is
    lost; `dedupe_key` is unique, so nothing is enqueued twice; the deliverer claims due rows with
    SKIP LOCKED under a lease, so two deliverers never perform the same row at once."""

    class Kind(models.TextChoices):
        SEND_MESSAGE = "send_message", "send a message"
        EDIT_MESSAGE = "edit_message", "edit a message"
        DELETE_MESSAGE = "delete_message", "delete a message"
        SEND_DM = "send_dm", "send a direct message"
        ADD_ROLE = "add_role", "add a role"
        REMOVE_ROLE = "remove_role", "remove a role"
        CREATE_CHANNEL = "create_channel", "create a private text channel"
        EDIT_CHANNEL = "edit_channel", "rename a channel or change its permissions"
        DELETE_CHANNEL = "delete_channel", "delete a channel"
        SET_PRESENCE = "set_presence", "set the bot's presence"
        PURGE_CHANNEL = "purge_channel", "delete old messages of a channel"

    class Status(models.TextChoices):
        PENDING = "pending", "pending"
        IN_PROGRESS = "in_progress", "in progress"
        RETRY = "retry", "failed, will retry"
        DONE = "done", "done"
        DEAD = "dead", "dead"

    kind = models.CharField(max_length=32, choices=Kind.choices)
    payload = models.JSONField(default=dict)
    dedupe_key = models.CharField(max_length=200, unique=True)
    guild_id = models.PositiveBigIntegerField(null=True, blank=True)
    # Rows sharing an ordering key are performed one after another, in id order (for example
    # every action on one shift's message), so an edit never overtakes the send it edits.
    ordering_key = models.CharField(max_length=200, blank=True, default="")
    # A completion hook registered by the owning app's receiver, told the result once done.
    hook = models.CharField(max_length=100, blank=True, default="")
    hook_args = models.JSONField(default=dict, blank=True)

    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(db_default=Now())
    lease_expires_at = models.DateTimeField(null=True, blank=True)
    claimed_by = models.CharField(max_length=100, blank=True, default="")
    last_error = models.TextField(blank=True, default="")
    result = models.JSONField(null=True, blank=True)

    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    completed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-id"]
        indexes = [
            models.Index(
                fields=["next_attempt_at", "id"],
                name="botaction_due",
                condition=Q(status__in=["pending", "retry"]),
            ),
            models.Index(fields=["lease_expires_at"], name="botaction_leased", condition=Q(status="in_progress")),
            models.Index(fields=["ordering_key", "id"], name="botaction_ordering", condition=~Q(ordering_key="")),
            models.Index(fields=["status", "kind"], name="botaction_status_kind"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} #{self.pk} ({self.status})"


class BotActionFile(models.Model):
    """A file an outbox message uploads (``files`` in a send_message/send_dm payload names it),
    stored with its row: written in the same transaction, deleted with it, read only by the
    performer, so the claim query never carries file contents and a retry uploads the same bytes."""

    action = models.ForeignKey(BotAction, on_delete=models.CASCADE, related_name="files")
    position = models.PositiveSmallIntegerField()
    filename = models.CharField(max_length=100)
    description = models.CharField(max_length=1024, blank=True, default="")
    content = models.BinaryField()
    size = models.PositiveIntegerField()

    class Meta:
        ordering = ["action", "position"]
        constraints = [
            models.UniqueConstraint(fields=["action", "filename"], name="botactionfile_unique_name"),
            models.UniqueConstraint(fields=["action", "position"], name="botactionfile_unique_position"),
        ]

    def __str__(self) -> str:
        return f"{self.filename} ({self.size} bytes) of {self.action_id}"


class InteractionRecord(models.Model):
    """An interaction already handled, with the answer it got: Discord may deliver the same
    interaction twice (and the gateway and HTTP transports may both see it); the repeat gets the
    first answer instead of a second effect."""

    interaction_id = models.PositiveBigIntegerField(unique=True)
    kind = models.CharField(max_length=100, blank=True, help_text="Command name or custom_id action.")
    guild_id = models.PositiveBigIntegerField(null=True, blank=True)
    user_id = models.PositiveBigIntegerField(null=True, blank=True)
    response = models.JSONField(null=True, blank=True, help_text="The callback body the interaction was answered with.")
    followup = models.JSONField(
        null=True, blank=True, help_text="For a deferred answer: the message that replaced it, once the handler ran."
    )
    followup_started_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text="For a deferred handler that calls Discord: when a run of it started (a claim that expires).",
    )
    deferred_payload = models.JSONField(
        null=True,
        blank=True,
        help_text="For a deferred answer still to complete: the interaction, so a sweeper can queue it again "
        "when queueing it failed (the broker was down). Cleared once completed or given up.",
    )
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        indexes = [
            models.Index(
                fields=["created_at"], name="interaction_followup_due", condition=Q(deferred_payload__isnull=False)
            )
        ]

    def __str__(self) -> str:
        return f"interaction {self.interaction_id}"


class DiscordLink(models.Model):
    """A back-office login linked to one Discord user: the API resolves its level in a guild from
    what the bot last saw of that user there (:class:`GuildMember`)."""

    user = models.OneToOneField("auth.User", on_delete=models.CASCADE, related_name="discord_link")
    discord_user_id = models.PositiveBigIntegerField(unique=True, help_text="The Discord user id this login acts as.")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "Discord link"

    def __str__(self) -> str:
        return f"{self.user} = Discord user {self.discord_user_id}"


class GuildMember(models.Model):
    """What the bot last saw of a member of a guild: the roles they held and their Discord
    permission bits, recorded from every guild interaction they make."""

    guild_id = models.PositiveBigIntegerField()
    user_id = models.PositiveBigIntegerField()
    role_ids = models.JSONField(default=list, help_text="The Discord role ids held, as strings.")
    permissions = models.DecimalField(max_digits=20, decimal_places=0, default=0, help_text="Discord permission bits.")
    last_seen_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["guild_id", "user_id"], name="guildmember_unique")]
        indexes = [models.Index(fields=["user_id"], name="guildmember_user")]
        ordering = ["guild_id", "user_id"]

    def __str__(self) -> str:
        return f"member {self.user_id} of guild {self.guild_id}"

    @property
    def role_id_set(self) -> frozenset[int]:
        return frozenset(int(r) for r in self.role_ids)


# --- The Discord directory: the names of what the bot has seen ----------------------------------
# Rows are written by the bot from gateway events and from every interaction (see
# botworker/directory.py); nothing is deleted: what Discord deleted is marked gone, so an old
# shift or configuration still shows the name its id had.


class DirectoryGuild(models.Model):
    """A guild (server) the bot is in or was in."""

    guild_id = models.PositiveBigIntegerField(unique=True)
    name = models.CharField(max_length=100, blank=True)
    icon = models.CharField(max_length=64, blank=True, help_text="Discord's icon hash.")
    gone_at = models.DateTimeField(null=True, blank=True, help_text="When the bot left or the guild was deleted.")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "Discord server"
        ordering = ["name", "guild_id"]

    def __str__(self) -> str:
        return self.name or str(self.guild_id)


class DirectoryChannel(models.Model):
    """A guild channel or category."""

    class Type(models.IntegerChoices):
        TEXT = 0, "text"
        VOICE = 2, "voice"
        CATEGORY = 4, "category"
        ANNOUNCEMENT = 5, "announcement"
        STAGE = 13, "stage"
        FORUM = 15, "forum"
        MEDIA = 16, "media"

    channel_id = models.PositiveBigIntegerField(unique=True)
    guild_id = models.PositiveBigIntegerField()
    name = models.CharField(max_length=100, blank=True)
    type = models.PositiveSmallIntegerField(default=Type.TEXT)
    parent_id = models.PositiveBigIntegerField(null=True, blank=True, help_text="The category it sits in.")
    position = models.IntegerField(default=0)
    gone_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "Discord channel"
        ordering = ["guild_id", "position", "name"]
        indexes = [models.Index(fields=["guild_id", "type"], name="directorychannel_guild_type")]

    def __str__(self) -> str:
        return f"#{self.name or self.channel_id}"


class DirectoryRole(models.Model):
    """A guild role."""

    role_id = models.PositiveBigIntegerField(unique=True)
    guild_id = models.PositiveBigIntegerField()
    name = models.CharField(max_length=100, blank=True)
    colour = models.PositiveIntegerField(default=0, help_text="RGB as an integer; 0 is no colour.")
    position = models.IntegerField(default=0)
    gone_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "Discord role"
        ordering = ["guild_id", "-position", "name"]
        indexes = [models.Index(fields=["guild_id"], name="directoryrole_guild")]

    def __str__(self) -> str:
        return f"@{self.name or self.role_id}"


class DirectoryUser(models.Model):
    """A Discord user, as their account shows them everywhere."""

    user_id = models.PositiveBigIntegerField(unique=True)
    username = models.CharField(max_length=100, blank=True)
    global_name = models.CharField(max_length=100, blank=True, help_text="The display name set on the account.")
    avatar = models.CharField(max_length=64, blank=True, help_text="Discord's avatar hash.")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "Discord user"
        ordering = ["username", "user_id"]

    def __str__(self) -> str:
        return self.global_name or self.username or str(self.user_id)


class DirectoryMember(models.Model):
    """A user's presence in one guild: the nickname and avatar they use there."""

    guild_id = models.PositiveBigIntegerField()
    user_id = models.PositiveBigIntegerField()
    nick = models.CharField(max_length=100, blank=True)
    avatar = models.CharField(max_length=64, blank=True, help_text="The guild-specific avatar hash, if any.")
    gone_at = models.DateTimeField(null=True, blank=True, help_text="When they left the guild.")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "Discord member"
        constraints = [models.UniqueConstraint(fields=["guild_id", "user_id"], name="directorymember_unique")]
        indexes = [models.Index(fields=["user_id"], name="directorymember_user")]
        ordering = ["guild_id", "user_id"]

    def __str__(self) -> str:
        return self.nick or str(self.user_id)
