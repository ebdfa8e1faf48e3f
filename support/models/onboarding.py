"""Rules acceptance and the onboarding questionnaire: each guild's onboarding settings, its
versioned rules, who accepted which version when, the questions (with their options) and each
member's questionnaire progress and answers.

Progress lives here, not in the bot's memory: a member's flow (one row per guild and member)
holds the current question and the answers given so far, keyed by question key, so a restart
of the bot or a closed client continues where the member left off."""

from __future__ import annotations

from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q

# Keys and option values are short slugs: they are stored in the answers and shown in exports.
SLUG = RegexValidator(r"^[a-z0-9_]+\Z", "Use lowercase letters, digits and underscores only.")
KEY_LENGTH = 32
PROMPT_LENGTH = 300
OPTION_LABEL_LENGTH = 80
FOLLOWUP_LABEL_LENGTH = 45  # a modal text input's label


class OnboardingMode(models.TextChoices):
    RULES_ONLY = "rules_only", "rules only: accepting the rules grants the member role"
    RULES_WITH_QUESTIONS = "rules_with_questions", "rules, then the questionnaire, which grants the member role"


class OnboardingSettings(models.Model):
    """A guild's onboarding policy. The rules channel and the log channel are the guild
    configuration's channels (features ``rules`` and ``logs``)."""

    guild_id = models.PositiveBigIntegerField(unique=True)
    mode = models.CharField(max_length=32, choices=OnboardingMode.choices, default=OnboardingMode.RULES_WITH_QUESTIONS)
    member_role_id = models.PositiveBigIntegerField(
        null=True,
        blank=True,
        help_text="The role granted once onboarding is done: on accepting the rules (rules only) or on completing "
        "the questionnaire.",
    )
    require_current_rules = models.BooleanField(
        default=True,
        help_text="Members must have accepted the current rules version to use the gated features; a new version "
        "asks them to accept again on their next use.",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "onboarding settings"
        verbose_name_plural = "onboarding settings"
        constraints = [
            models.CheckConstraint(condition=Q(mode__in=OnboardingMode.values), name="onboardingsettings_mode_valid")
        ]

    def __str__(self) -> str:
        return f"onboarding settings of guild {self.guild_id}"


class RulesVersion(models.Model):
    """One version of a guild's rules. Versions are never edited: a change is a new version (the
    highest is the current one), so every acceptance names exactly the text that was accepted."""

    guild_id = models.PositiveBigIntegerField()
    version = models.PositiveIntegerField()
    title = models.CharField(max_length=200, default="Server rules")
    text = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)
    posted_count = models.PositiveIntegerField(default=0, help_text="How many times /rules_post posted this version.")

    class Meta:
        ordering = ["guild_id", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["guild_id", "version"], name="rulesversion_unique_per_guild"),
            models.CheckConstraint(condition=Q(version__gte=1), name="rulesversion_from_one"),
        ]

    def __str__(self) -> str:
        return f"rules v{self.version} of guild {self.guild_id}"


class RulesAcceptance(models.Model):
    """A member accepted one version of a guild's rules (once per version)."""

    guild_id = models.PositiveBigIntegerField()
    user_id = models.PositiveBigIntegerField()
    rules_version = models.ForeignKey(RulesVersion, on_delete=models.PROTECT, related_name="acceptances")
    accepted_at = models.DateTimeField()

    class Meta:
        ordering = ["-accepted_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["rules_version", "user_id"], name="rulesacceptance_once_per_version")
        ]
        indexes = [models.Index(fields=["guild_id", "user_id"], name="rulesacceptance_member")]

    def __str__(self) -> str:
        return f"member {self.user_id} accepted {self.rules_version}"


class QuestionKind(models.TextChoices):
    SINGLE = "single", "single choice"
    MULTI = "multi", "multiple choice"
    TEXT = "text", "text"
    EMAIL = "email", "email address"


class OnboardingQuestion(models.Model):
    """One question of a guild's questionnaire, asked in `position` order."""

    guild_id = models.PositiveBigIntegerField()
    key = models.CharField(max_length=KEY_LENGTH, validators=[SLUG], help_text="The answers are stored under this key.")
    prompt = models.CharField(max_length=PROMPT_LENGTH)
    kind = models.CharField(max_length=16, choices=QuestionKind.choices, default=QuestionKind.SINGLE)
    required = models.BooleanField(default=True)
    position = models.PositiveIntegerField(default=0, help_text="Questions are asked in ascending order.")

    class Meta:
        ordering = ["guild_id", "position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["guild_id", "key"], name="onboardingquestion_key_per_guild"),
            models.CheckConstraint(condition=Q(kind__in=QuestionKind.values), name="onboardingquestion_kind_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.key}: {self.prompt}"

    @property
    def has_options(self) -> bool:
        return self.kind in (QuestionKind.SINGLE, QuestionKind.MULTI)


class FollowupKind(models.TextChoices):
    TEXT = "text", "text"
    EMAIL = "email", "email address"


class OnboardingOption(models.Model):
    """One option of a single- or multiple-choice question. An option with a follow-up label
    (single choice only) opens a modal asking for that follow-up when it is picked."""

    question = models.ForeignKey(OnboardingQuestion, on_delete=models.CASCADE, related_name="options")
    value = models.CharField(max_length=KEY_LENGTH, validators=[SLUG], help_text="Stored in the answers.")
    label = models.CharField(max_length=OPTION_LABEL_LENGTH, help_text="What the member sees.")
    followup_label = models.CharField(
        max_length=FOLLOWUP_LABEL_LENGTH,
        blank=True,
        help_text="When set, picking this option opens a modal asking this (single choice only).",
    )
    followup_kind = models.CharField(max_length=16, choices=FollowupKind.choices, default=FollowupKind.TEXT)
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["question", "position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["question", "value"], name="onboardingoption_value_per_question"),
        ]

    def __str__(self) -> str:
        return self.label


class FlowStatus(models.TextChoices):
    IN_PROGRESS = "in_progress", "in progress"
    COMPLETED = "completed", "completed"
    CANCELLED = "cancelled", "cancelled"


class OnboardingFlow(models.Model):
    """A member's questionnaire in a guild: where they are and what they answered so far.

    ``answers`` is keyed by question key: a single choice is ``{"choice", "label"}`` plus
    ``"followup"`` and ``"followup_label"`` when the option asked one, a multiple choice a list of
    option values, a text or email question a string."""

    guild_id = models.PositiveBigIntegerField()
    user_id = models.PositiveBigIntegerField()
    status = models.CharField(max_length=16, choices=FlowStatus.choices, default=FlowStatus.IN_PROGRESS)
    current_key = models.CharField(max_length=KEY_LENGTH, blank=True, help_text="The question the member is at.")
    answers = models.JSONField(default=dict, blank=True)
    started_at = models.DateTimeField()
    updated_at = models.DateTimeField(auto_now=True)
    completed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-started_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["guild_id", "user_id"], name="onboardingflow_one_per_member"),
            models.CheckConstraint(condition=Q(status__in=FlowStatus.values), name="onboardingflow_status_valid"),
            models.CheckConstraint(
                condition=~Q(status="completed") | Q(completed_at__isnull=False), name="onboardingflow_completed_time"
            ),
        ]
        indexes = [models.Index(fields=["guild_id", "status"], name="onboardingflow_guild_status")]

    def __str__(self) -> str:
        return f"onboarding of member {self.user_id} in guild {self.guild_id} ({self.status})"
