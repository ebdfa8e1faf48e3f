"""The back office for summaries and the FAQ: FAQ entries (added and edited through
`faq_entry_create` / `faq_entry_update`), FAQ proposals (read-only, with the two actions the
Discord buttons have, so a proposal that was never posted, its guild having no log channel, is
not lost) and the ticket summaries (read-only)."""

from __future__ import annotations

from django.contrib import admin, messages
from django.db.models import Count

from config import directory as names
from config.actors import Actor
from config.exceptions import ApplicationError
from support import services
from support.models import FaqEntry, FaqProposal, ProposalStatus, TicketSummary

ADDED = "{count} proposal(s) added to the FAQ as suggested."
DISMISSED = "{count} proposal(s) dismissed."


@admin.register(FaqEntry)
class FaqEntryAdmin(names.DirectoryAdminMixin, admin.ModelAdmin):
    list_display = ["question", "guild", "deflections", "creator", "updated_at"]
    list_filter = [names.GuildFilter.on("guild_id")]
    search_fields = ["question", "answer", "=created_by"]
    directory_user_fields = ("created_by",)
    directory_pickers = {"guild_id": names.GUILD}
    guild = names.named("guild_id", names.GUILD, description="guild")
    creator = names.named("created_by", names.MEMBER, description="written by")
    ordering = ["guild_id", "question"]

    def get_fields(self, request, obj=None):
        if obj is None:
            return ["guild_id", "question", "answer"]
        return ["guild_id", "question", "answer", "deflections", "created_by", "created_at", "updated_at", "summary"]

    def get_readonly_fields(self, request, obj=None):
        return [] if obj is None else ["guild_id", "deflections", "created_by", "created_at", "updated_at", "summary"]

    def save_model(self, request, obj, form, change) -> None:
        actor = Actor.for_login(request.user)
        try:
            if change:
                services.faq_entry_update(entry_id=obj.pk, actor=actor, question=obj.question, answer=obj.answer)
            else:
                entry = services.faq_entry_create(
                    guild_id=obj.guild_id, actor=actor, question=obj.question, answer=obj.answer
                )
                obj.pk, obj.created_at, obj.updated_at = entry.pk, entry.created_at, entry.updated_at
        except ApplicationError as error:
            self.message_user(request, error.message, level=messages.ERROR)


class PostedFilter(admin.SimpleListFilter):
    title = "posted"
    parameter_name = "posted"

    def lookups(self, request, model_admin):
        return [("yes", "posted in the log channel"), ("no", "not posted (no log channel)")]

    def queryset(self, request, queryset):
        if self.value() in ("yes", "no"):
            return queryset.filter(log_message_id__isnull=self.value() == "no")
        return queryset


@admin.register(FaqProposal)
class FaqProposalAdmin(names.DirectoryAdminMixin, admin.ModelAdmin):
    list_display = ["question", "guild", "status", "posted", "ticket_count", "actor", "created_at"]
    list_filter = [names.GuildFilter.on("guild_id"), "status", PostedFilter]
    search_fields = ["question", "answer"]
    guild = names.named("guild_id", names.GUILD, description="guild")
    actor = names.named("acted_by", names.MEMBER, description="acted on by")
    log_channel = names.named("log_channel_id", names.CHANNEL, description="posted in")
    actions = ["add_to_faq", "dismiss"]
    ordering = ["-created_at"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(tickets_total=Count("tickets"))

    @admin.display(description="tickets", ordering="tickets_total")
    def ticket_count(self, obj: FaqProposal) -> int:
        return obj.tickets_total

    @admin.display(description="posted", boolean=True)
    def posted(self, obj: FaqProposal) -> bool:
        return obj.log_message_id is not None

    @admin.display(description="ticket numbers")
    def ticket_numbers(self, obj: FaqProposal) -> str:
        return ", ".join(f"#{n}" for n in sorted(obj.tickets.values_list("number", flat=True)))

    def get_readonly_fields(self, request, obj=None):
        return [field.name for field in FaqProposal._meta.fields] + ["ticket_numbers", "guild", "log_channel", "actor"]

    def get_fields(self, request, obj=None):
        # Guild, channel and member by name (the directory's), not by id.
        return [
            "guild",
            "status",
            "question",
            "answer",
            "ticket_numbers",
            "log_channel",
            "log_message_id",
            "entry",
            "actor",
            "acted_at",
            "created_at",
        ]

    def has_add_permission(self, request) -> bool:
        return False

    def _act(self, request, queryset, act, done: str) -> None:
        count = 0
        for proposal in queryset.filter(status=ProposalStatus.PROPOSED):
            try:
                act(proposal, Actor.for_login(request.user))
                count += 1
            except ApplicationError as error:
                self.message_user(request, f"{proposal}: {error.message}", level=messages.ERROR)
        self.message_user(request, done.format(count=count))

    @admin.action(description="Add to the FAQ as suggested")
    def add_to_faq(self, request, queryset) -> None:
        self._act(
            request,
            queryset,
            lambda p, actor: services.faq_proposal_add(
                guild_id=p.guild_id, actor=actor, proposal_id=p.pk, question=p.question, answer=p.answer
            ),
            ADDED,
        )

    @admin.action(description="Dismiss")
    def dismiss(self, request, queryset) -> None:
        self._act(
            request,
            queryset,
            lambda p, actor: services.faq_proposal_dismiss(guild_id=p.guild_id, actor=actor, proposal_id=p.pk),
            DISMISSED,
        )


@admin.register(TicketSummary)
class TicketSummaryAdmin(names.DirectoryAdminMixin, admin.ModelAdmin):
    list_display = ["ticket", "guild", "provider", "model", "created_at"]
    list_filter = [names.GuildFilter.on("guild_id"), "provider"]
    search_fields = ["summary", "similarity_key", "=ticket__number"]
    guild = names.named("guild_id", names.GUILD, description="guild")
    list_select_related = ["ticket"]

    def get_readonly_fields(self, request, obj=None):
        return [field.name for field in TicketSummary._meta.fields]

    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
