"""The back office for GDPR: each guild's consent versions (published through
`consent_version_publish`, never edited), who accepted which, the audit log of every export and
erasure, and the data-subject request form, where staff export (a download) or erase a member's
data for them."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.db.models import Count
from django.http import HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse

from config.actors import Actor
from config.exceptions import ApplicationError
from config.snowflakes import as_snowflake
from support import services
from support.models import ConsentAcceptance, ConsentVersion, GdprRequest
from support.services.gdpr import CONFIRMATION_WORD

BAD_SUBJECT = "Give the member's Discord user id (digits only)."


class ConsentVersionForm(forms.ModelForm):
    class Meta:
        model = ConsentVersion
        fields = ["guild_id", "text", "role_id"]


@admin.register(ConsentVersion)
class ConsentVersionAdmin(admin.ModelAdmin):
    form = ConsentVersionForm
    list_display = ["guild_id", "version", "published_at", "published_by", "role_id", "acceptance_count"]
    list_filter = ["guild_id"]
    ordering = ["guild_id", "-version"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(acceptance_count=Count("acceptances"))

    @admin.display(description="accepted by", ordering="acceptance_count")
    def acceptance_count(self, obj) -> int:
        return obj.acceptance_count

    def get_fields(self, request, obj=None):
        if obj is None:
            return ["guild_id", "text", "role_id"]
        return ["guild_id", "version", "text", "role_id", "published_at", "published_by"]

    def get_readonly_fields(self, request, obj=None):
        # A published version is what members accepted: a change is a new version.
        return self.get_fields(request, obj) if obj is not None else []

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def save_model(self, request, obj, form, change) -> None:
        try:
            published = services.consent_version_publish(
                guild_id=obj.guild_id,
                actor=Actor.for_login(request.user),
                text=obj.text,
                role_id=obj.role_id,
                published_by=request.user.get_username(),
            )
        except ApplicationError as error:
            self.message_user(request, error.message, level=messages.ERROR)
            return
        obj.pk, obj.version, obj.published_at = published.pk, published.version, published.published_at


@admin.register(ConsentAcceptance)
class ConsentAcceptanceAdmin(admin.ModelAdmin):
    list_display = ["user_id", "consent", "accepted_at"]
    list_filter = ["consent__guild_id"]
    search_fields = ["=user_id"]
    list_select_related = ["consent"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class SubjectRequestForm(forms.Form):
    subject_user_id = forms.CharField(label="Member (Discord user id)", max_length=20)
    kind = forms.ChoiceField(choices=GdprRequest.Kind.choices, widget=forms.RadioSelect, initial="export")
    confirmation = forms.CharField(
        required=False,
        max_length=20,
        help_text=f"For an erasure, type {CONFIRMATION_WORD}: it cannot be undone.",
    )

    def clean_subject_user_id(self) -> int:
        value = as_snowflake(self.cleaned_data["subject_user_id"].strip())
        if value is None:
            raise forms.ValidationError(BAD_SUBJECT)
        return value


@admin.register(GdprRequest)
class GdprRequestAdmin(admin.ModelAdmin):
    """The audit log, read-only. "Add" is the data-subject request: export or erase for a member."""

    list_display = ["requested_at", "kind", "subject_user_id", "source", "guild_id", "requested_by"]
    list_filter = ["kind", "source", "guild_id"]
    search_fields = ["=subject_user_id", "=requested_by_user_id", "requested_by_login"]
    ordering = ["-requested_at"]

    @admin.display(description="requested by")
    def requested_by(self, obj) -> str:
        return obj.requested_by_login or str(obj.requested_by_user_id or "")

    def get_readonly_fields(self, request, obj=None):
        return [field.name for field in GdprRequest._meta.fields]

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def add_view(self, request, form_url="", extra_context=None):
        """The data-subject request: an export answers with the JSON file, an erasure runs after
        the word DELETE; both go through the services and are logged like a member's own."""
        if not self.has_add_permission(request):
            return redirect("admin:support_gdprrequest_changelist")
        form = SubjectRequestForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            actor = Actor.for_login(request.user)
            subject = form.cleaned_data["subject_user_id"]
            try:
                if form.cleaned_data["kind"] == GdprRequest.Kind.EXPORT:
                    gdpr_request, data = services.gdpr_export(
                        subject_user_id=subject, actor=actor, source=GdprRequest.Source.ADMIN
                    )
                    response = HttpResponse(data, content_type="application/json")
                    response["Content-Disposition"] = f'attachment; filename="guildhall-data-{subject}.json"'
                    return response
                gdpr_request = services.gdpr_erase(
                    subject_user_id=subject,
                    actor=actor,
                    source=GdprRequest.Source.ADMIN,
                    confirmation=form.cleaned_data["confirmation"],
                )
            except ApplicationError as error:
                form.add_error(error.field if error.field in form.fields else None, error.message)
            else:
                self.message_user(request, f"The data of {subject} was erased (request #{gdpr_request.pk}).")
                return redirect("admin:support_gdprrequest_changelist")
        context = {
            **self.admin_site.each_context(request),
            "title": "Data-subject request",
            "form": form,
            "opts": self.model._meta,
            **(extra_context or {}),
        }
        return TemplateResponse(request, "admin/support/gdprrequest/subject_request.html", context)
