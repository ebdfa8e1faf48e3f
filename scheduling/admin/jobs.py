"""Back office of scheduled jobs: the job editor. Every write goes through `scheduling.services.jobs`."""

from __future__ import annotations

from datetime import UTC as _UTC
from datetime import datetime as _datetime

from django import forms
from django.contrib import admin
from django.contrib import messages as _messages
from django.utils import timezone as _timezone
from django.utils.html import format_html, format_html_join

from config import directory as names
from config.actors import Actor as _LoginActor
from config.exceptions import ApplicationError
from config.timeutils import zone_or_error as _zone_or_error
from scheduling.models import Dispatch, ScheduledJob
from scheduling.services import jobs as job_services

# The job editor: a set of parameter fields per method (only the chosen method's are used), the
# trigger's fields, the next 5 runs in the job's zone (with its UTC offset, so DST shows), enable /
# disable / run now, and the execution history. Every write goes through scheduling.services.jobs.

_TRIGGER_TYPES = (("date", "once, at a date"), ("interval", "every interval"), ("cron", "cron schedule"))
_INTERVAL_UNITS = job_services.INTERVAL_UNITS
_CRON_FIELDS = job_services.CRON_FIELDS
HISTORY_ROWS = 20


def _param_field_name(method: str, param: str) -> str:
    return f"{method}__{param}"


def _param_form_field(param: job_services.Param) -> forms.Field:
    required_help = "" if param.required else " (optional)"
    if param.kind in ("id", "color"):
        return forms.CharField(required=False, help_text=f"{param.name}{required_help}", max_length=20)
    if param.kind == "choice":
        return forms.ChoiceField(
            required=False, choices=[("", "—"), *[(c, c) for c in param.choices]], help_text=param.name
        )
    if param.kind == "whole":
        return forms.IntegerField(required=False, help_text=f"{param.name}: {param.low} to {param.limit}")
    if param.kind == "fields":
        return forms.JSONField(
            required=False, help_text='fields (optional): [{"name": "…", "value": "…", "inline": false}]'
        )
    widget = forms.Textarea(attrs={"rows": 3}) if param.limit > 256 else None
    return forms.CharField(required=False, widget=widget, help_text=f"{param.name}{required_help}", strip=False)


class ScheduledJobForm(forms.ModelForm):
    trigger_type = forms.ChoiceField(choices=_TRIGGER_TYPES)
    run_date = forms.CharField(
        required=False, help_text="Date: YYYY-MM-DD HH:MM in the job's zone (or ISO 8601 with an offset)."
    )
    start_date = forms.CharField(required=False, help_text="Interval: counted from (default: now).")
    cron_expression = forms.CharField(
        required=False,
        help_text="Cron: minute hour day month day_of_week (0 = Sunday), e.g. 0 12 * * 1-5; "
        "or leave empty and fill the fields below (day_of_week: mon…sun).",
    )

    class Meta:
        model = ScheduledJob
        fields = (
            "guild_id",
            "job_id",
            "name",
            "method",
            "timezone",
            "enabled",
            "misfire_policy",
            "misfire_grace_seconds",
        )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for optional in ("job_id", "name"):  # generated / defaulted; job_id is read-only once saved
            if optional in self.fields:
                self.fields[optional].required = False
        job = self.instance
        if job.pk:
            for param in job_services.PARAMS[job.method]:
                self.initial[_param_field_name(job.method, param.name)] = job.params.get(param.name)
            trigger = job.trigger
            self.initial["trigger_type"] = trigger["type"]
            zone = _zone_or_error(job.timezone)
            if trigger["type"] == "date":
                local = _datetime.fromisoformat(trigger["run_date"]).astimezone(zone)
                self.initial["run_date"] = f"{local:%Y-%m-%d %H:%M}"
            elif trigger["type"] == "interval":
                self.initial["start_date"] = trigger.get("start_date")
                for unit in _INTERVAL_UNITS:
                    self.initial[f"interval_{unit}"] = trigger.get(unit)
            else:
                self.initial["cron_expression"] = trigger["expression"]

    def _params(self, method: str) -> dict:
        values = {}
        for param in job_services.PARAMS[method]:
            value = self.cleaned_data.get(_param_field_name(method, param.name))
            if value not in (None, ""):
                values[param.name] = value
        return values

    def _trigger(self) -> dict:
        data = self.cleaned_data
        kind = data.get("trigger_type")
        if kind == "date":
            text = (data.get("run_date") or "").strip()
            if len(text) == 16 and text[10] in " T":  # a wall time in the job's zone
                text = text.replace("T", " ") + ":00"
            return {"type": "date", "run_date": text}
        if kind == "interval":
            trigger = {"type": "interval"}
            trigger.update({unit: data[f"interval_{unit}"] for unit in _INTERVAL_UNITS if data.get(f"interval_{unit}")})
            if data.get("start_date"):
                trigger["start_date"] = data["start_date"]
            return trigger
        if data.get("cron_expression"):
            return {"type": "cron", "expression": data["cron_expression"]}
        trigger = {"type": "cron"}
        trigger.update({name: data[f"cron_{name}"] for name in _CRON_FIELDS if data.get(f"cron_{name}")})
        return trigger

    def _field_for(self, error: ApplicationError, method: str) -> str | None:
        field = error.field or ""
        if field.startswith("job_params."):
            name = _param_field_name(method, field.split(".", 1)[1].split("[", 1)[0])
        elif field.startswith("trigger."):
            key = field.split(".", 1)[1]
            kind = self.cleaned_data.get("trigger_type")
            name = {
                "run_date": "run_date",
                "start_date": "start_date",
                "expression": "cron_expression",
                "timezone": "timezone",
            }.get(key) or (f"interval_{key}" if kind == "interval" else f"cron_{key}")
        else:
            name = {"job_method": "method"}.get(field, field)
        return name if name in self.fields else None

    def clean(self):
        data = super().clean()
        method = data.get("method")
        if not method or self.errors:
            return data
        zone = data.get("timezone")
        try:
            data["job_params"] = job_services.check_params(method, self._params(method))
            data["job_trigger"] = self._trigger()
            job_services.check_trigger(data["job_trigger"], zone_name=zone or "UTC", now=_timezone.now())
        except ApplicationError as error:
            self.add_error(self._field_for(error, method), error.message)
        return data


def _declare_job_form_fields() -> None:
    """The interval, cron and per-method parameter fields, declared on the form class (the admin
    checks its fieldsets against the declared fields)."""
    extra: dict[str, forms.Field] = {}
    for unit in _INTERVAL_UNITS:
        extra[f"interval_{unit}"] = forms.IntegerField(required=False, min_value=0, help_text=unit)
    for name in _CRON_FIELDS:
        extra[f"cron_{name}"] = forms.CharField(required=False, max_length=64, help_text=name)
    for method, params in job_services.PARAMS.items():
        for param in params:
            extra[_param_field_name(method, param.name)] = _param_form_field(param)
    ScheduledJobForm.base_fields.update(extra)
    ScheduledJobForm.declared_fields.update(extra)


_declare_job_form_fields()


@admin.register(ScheduledJob)
class ScheduledJobAdmin(names.DirectoryAdminMixin, admin.ModelAdmin):
    form = ScheduledJobForm
    list_display = ("job_id", "name", "guild", "method", "enabled", "next_fire_at", "last_run_at")
    list_filter = (names.GuildFilter.on("guild_id"), "method", "enabled")
    guild = names.named("guild_id", names.GUILD, description="guild")
    directory_pickers = {"guild_id": names.GUILD}
    search_fields = ("job_id", "name", "=guild_id")
    readonly_fields = ("next_runs_preview", "execution_history", "next_fire_at", "last_run_at", "finished_at")
    actions = ("enable_jobs", "disable_jobs", "run_jobs_now")

    def get_fieldsets(self, request, obj=None):
        fieldsets = [
            (None, {"fields": ("guild_id", "job_id", "name", "method", "enabled")}),
            (
                "When",
                {
                    "fields": (
                        "timezone",
                        "trigger_type",
                        "run_date",
                        ("interval_weeks", "interval_days", "interval_hours", "interval_minutes", "interval_seconds"),
                        "start_date",
                        "cron_expression",
                        ("cron_minute", "cron_hour", "cron_day", "cron_month", "cron_day_of_week"),
                        ("misfire_policy", "misfire_grace_seconds"),
                    )
                },
            ),
        ]
        for method, params in job_services.PARAMS.items():
            fieldsets.append(
                (
                    f"Parameters of {method} (used when the method is {method})",
                    {
                        "fields": tuple(_param_field_name(method, p.name) for p in params),
                        "classes": () if obj is not None and obj.method == method else ("collapse",),
                    },
                )
            )
        if obj is not None:
            fieldsets.append(
                (
                    "Runs",
                    {
                        "fields": (
                            "next_runs_preview",
                            "next_fire_at",
                            "last_run_at",
                            "finished_at",
                            "execution_history",
                        )
                    },
                )
            )
        return fieldsets

    def get_readonly_fields(self, request, obj=None):
        return (*self.readonly_fields, "guild_id", "job_id") if obj else self.readonly_fields

    @admin.display(description="next 5 runs (job's zone)")
    def next_runs_preview(self, job: ScheduledJob) -> str:
        zone = _zone_or_error(job.timezone)
        runs = job_services.upcoming_runs(job) if job.enabled else []
        if not runs:
            return "none (paused or finished)" if not job.enabled or job.next_fire_at is None else "none"
        return format_html(
            "<ul>{}</ul>",
            format_html_join(
                "",
                "<li>{} ({} UTC)</li>",
                (
                    (
                        f"{run.astimezone(zone):%a %Y-%m-%d %H:%M %Z (UTC%z)}",
                        f"{run.astimezone(_UTC):%Y-%m-%d %H:%M}",
                    )
                    for run in runs
                ),
            ),
        )

    @admin.display(description="execution history (latest 20)")
    def execution_history(self, job: ScheduledJob) -> str:
        rows = Dispatch.objects.filter(source=job_services.JobSource.name, source_id=job.pk)[:HISTORY_ROWS]
        if not rows:
            return "no runs yet"
        return format_html(
            "<table><tr><th>due</th><th>kind</th><th>status</th><th>outcome</th><th>detail</th></tr>{}</table>",
            format_html_join(
                "",
                "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                (
                    (
                        f"{row.occurrence.astimezone(_UTC):%Y-%m-%d %H:%M:%S} UTC",
                        row.kind,
                        row.get_status_display(),
                        row.get_outcome_display(),
                        row.detail,
                    )
                    for row in rows
                ),
            ),
        )

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        actor = _LoginActor.for_login(request.user)
        zone = data["timezone"].key if data.get("timezone") else "UTC"
        values = {
            "method": data["method"],
            "params": data["job_params"],
            "trigger": data["job_trigger"],
            "timezone": zone,
            "name": data.get("name"),
            "enabled": data["enabled"],
            "misfire_policy": data["misfire_policy"],
            "misfire_grace_seconds": data["misfire_grace_seconds"],
        }
        if change:
            saved = job_services.job_update(actor=actor, guild_id=obj.guild_id, job_id=obj.job_id, changes=values)
        else:
            saved = job_services.job_create(
                actor=actor,
                guild_id=data["guild_id"],
                job_id=data.get("job_id") or None,
                timezone_name=values.pop("timezone"),
                **values,
            )
        obj.pk = saved.pk
        obj.job_id = saved.job_id

    def delete_model(self, request, obj):
        job_services.job_delete(actor=_LoginActor.for_login(request.user), guild_id=obj.guild_id, job_id=obj.job_id)

    def delete_queryset(self, request, queryset):
        for job in queryset:
            self.delete_model(request, job)

    def _each(self, request, queryset, call, verb: str) -> None:
        actor = _LoginActor.for_login(request.user)
        done = 0
        for job in queryset:
            try:
                call(actor, job)
                done += 1
            except ApplicationError as error:
                self.message_user(request, f"{job.job_id}: {error.message}", _messages.ERROR)
        self.message_user(request, f"{done} job{'s' if done != 1 else ''} {verb}.")

    @admin.action(description="Enable (resume) the selected jobs")
    def enable_jobs(self, request, queryset):
        self._each(
            request,
            queryset,
            lambda actor, job: job_services.job_set_enabled(
                actor=actor, guild_id=job.guild_id, job_id=job.job_id, enabled=True
            ),
            "enabled",
        )

    @admin.action(description="Disable (pause) the selected jobs")
    def disable_jobs(self, request, queryset):
        self._each(
            request,
            queryset,
            lambda actor, job: job_services.job_set_enabled(
                actor=actor, guild_id=job.guild_id, job_id=job.job_id, enabled=False
            ),
            "disabled",
        )

    @admin.action(description="Run the selected jobs now")
    def run_jobs_now(self, request, queryset):
        self._each(
            request,
            queryset,
            lambda actor, job: job_services.job_run_now(actor=actor, guild_id=job.guild_id, job_id=job.job_id),
            "started",
        )
