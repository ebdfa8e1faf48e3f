"""The back office for rules and onboarding: each guild's onboarding settings (saved through
`onboarding_settings_update`), its rules (saving a text publishes a new version through
`rules_publish`: a version is never edited, so every acceptance names the text accepted), who
accepted which version (read-only), the questions with their options, and the members'
questionnaires with their answers, exportable as CSV."""

from __future__ import annotations

import csv

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import Count
from django.http import HttpResponse
from django.utils.html import format_html, format_html_join

from config.actors import SYSTEM
from config.exceptions import ApplicationError
from support.models import (
    OnboardingFlow,
    OnboardingOption,
    OnboardingQuestion,
    OnboardingSettings,
    RulesAcceptance,
    RulesVersion,
)
from support.services import onboarding as services

ONE_GUILD_ONLY = "Export the questionnaires of one server at a time (filter by server first)."
NEW_VERSION = "Published the rules of server {guild_id} as version {version}: members are asked to accept it again."
# A spreadsheet runs a cell starting with one of these as a formula; members typed these answers.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


@admin.register(OnboardingSettings)
class OnboardingSettingsAdmin(admin.ModelAdmin):
    list_display = ["guild_id", "mode", "member_role_id", "require_current_rules", "updated_at"]
    fields = ["guild_id", "mode", "member_role_id", "require_current_rules"]

    def get_readonly_fields(self, request, obj=None):
        return ["guild_id"] if obj is not None else []

    def save_model(self, request, obj, form, change) -> None:
        try:
            saved = services.onboarding_settings_update(
                guild_id=obj.guild_id,
                actor=SYSTEM,
                mode=obj.mode,
                member_role_id=obj.member_role_id,
                require_current_rules=obj.require_current_rules,
            )
        except ApplicationError as error:
            self.message_user(request, error.message, level=messages.ERROR)
            return
        obj.pk = saved.pk


class RulesVersionForm(forms.ModelForm):
    class Meta:
        model = RulesVersion
        fields = ["guild_id", "title", "text"]

    def clean_text(self) -> str:
        text = (self.cleaned_data.get("text") or "").strip()
        if len(text) > services.RULES_TEXT_LIMIT:
            raise ValidationError(
                services.RULES_TEXT_TOO_LONG.format(length=len(text), limit=services.RULES_TEXT_LIMIT)
            )
        return text


@admin.register(RulesVersion)
class RulesVersionAdmin(admin.ModelAdmin):
    """Adding rules, or saving a changed text, publishes a new version; the versions before stay
    as they were."""

    form = RulesVersionForm
    list_display = ["guild_id", "version", "title", "created_at", "posted_count", "acceptance_count"]
    list_filter = ["guild_id"]
    ordering = ["guild_id", "-version"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(acceptances_total=Count("acceptances"))

    @admin.display(description="accepted by", ordering="acceptances_total")
    def acceptance_count(self, obj: RulesVersion) -> int:
        return obj.acceptances_total

    def get_fields(self, request, obj=None):
        return ["guild_id", "title", "text"] if obj is None else ["guild_id", "version", "title", "text", "created_at"]

    def get_readonly_fields(self, request, obj=None):
        return ["guild_id", "version", "created_at"] if obj is not None else []

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def save_model(self, request, obj, form, change) -> None:
        if change and not form.has_changed():
            return
        published = services.rules_publish(guild_id=obj.guild_id, actor=SYSTEM, text=obj.text, title=obj.title)
        # The admin goes on with the new version; the edited one is left as it was.
        obj.pk, obj.version, obj.created_at = published.pk, published.version, published.created_at
        self.message_user(request, NEW_VERSION.format(guild_id=obj.guild_id, version=published.version))


@admin.register(RulesAcceptance)
class RulesAcceptanceAdmin(admin.ModelAdmin):
    list_display = ["guild_id", "user_id", "version", "accepted_at"]
    list_filter = ["guild_id", "rules_version__version"]
    search_fields = ["=user_id"]
    list_select_related = ["rules_version"]
    ordering = ["-accepted_at"]

    @admin.display(description="version", ordering="rules_version__version")
    def version(self, obj: RulesAcceptance) -> int:
        return obj.rules_version.version

    def get_readonly_fields(self, request, obj=None):
        return [field.name for field in RulesAcceptance._meta.fields]

    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class OptionFormSet(forms.BaseInlineFormSet):
    """Checks the question's options as a whole (how many, follow-ups only on single choice,
    no two equal values) with the service's rules."""

    def clean(self) -> None:
        super().clean()
        if any(self.errors):
            return
        options = [
            (form.cleaned_data["value"], form.cleaned_data.get("followup_label", ""))
            for form in self.forms
            if form.cleaned_data and not form.cleaned_data.get("DELETE")
        ]
        problems = services.question_problems(self.instance.kind, options)
        if problems:
            raise ValidationError(problems)


class OptionInline(admin.TabularInline):
    model = OnboardingOption
    formset = OptionFormSet
    extra = 0
    fields = ["position", "value", "label", "followup_label", "followup_kind"]
    ordering = ["position", "id"]


@admin.register(OnboardingQuestion)
class OnboardingQuestionAdmin(admin.ModelAdmin):
    list_display = ["guild_id", "position", "key", "kind", "required", "prompt"]
    list_display_links = ["key"]
    list_filter = ["guild_id", "kind"]
    ordering = ["guild_id", "position", "id"]
    fields = ["guild_id", "position", "key", "prompt", "kind", "required"]
    inlines = [OptionInline]


@admin.action(description="Export the answers of the selected questionnaires as CSV")
def export_answers_csv(modeladmin, request, queryset):
    guilds = set(queryset.values_list("guild_id", flat=True).distinct())
    if len(guilds) != 1:
        modeladmin.message_user(request, ONE_GUILD_ONLY, level=messages.ERROR)
        return None
    [guild_id] = guilds
    header, rows = services.answers_table(guild_id, queryset.order_by("started_at", "id"))
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="onboarding-{guild_id}.csv"'
    writer = csv.writer(response)
    writer.writerow(header)
    for row in rows:
        writer.writerow([f"'{cell}" if cell.startswith(FORMULA_STARTS) else cell for cell in row])
    return response


@admin.register(OnboardingFlow)
class OnboardingFlowAdmin(admin.ModelAdmin):
    list_display = ["guild_id", "user_id", "status", "current_key", "started_at", "completed_at"]
    list_filter = ["guild_id", "status"]
    search_fields = ["=user_id"]
    ordering = ["-started_at"]
    actions = [export_answers_csv]
    fields = ["guild_id", "user_id", "status", "current_key", "started_at", "completed_at", "answer_list", "answers"]

    def get_readonly_fields(self, request, obj=None):
        return self.fields

    @admin.display(description="answered")
    def answer_list(self, obj: OnboardingFlow):
        questions = services.questions_for(obj.guild_id)
        known = {question.key for question in questions}
        lines = [
            (question.prompt, services.answer_text(question, obj.answers[question.key]))
            for question in questions
            if question.key in obj.answers
        ]
        lines += [(key, str(value)) for key, value in obj.answers.items() if key not in known]
        if not lines:
            return "—"
        return format_html("<dl>{}</dl>", format_html_join("", "<dt>{}</dt><dd>{}</dd>", lines))

    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
