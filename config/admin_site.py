"""The back office's front page: the apps grouped the way an officer thinks of the work, each
group with one line saying what it is for.

A group lists the models of the apps (or single models) it names that are installed and that the
login may see; a group with none (an app not built yet, or no permission) does not appear.
Models no group names keep Django's own app groups, after these."""

from __future__ import annotations

from django.contrib import admin
from django.contrib.admin.apps import AdminConfig

# (name, description, members): a member is an app label (all its models) or "app_label.Model".
GROUPS: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    (
        "Shifts",
        "Moderator coverage: weekly slots, the shifts posted from them, and the fairness rules.",
        ("shifts",),
    ),
    (
        "Raids",
        "The roster (players, ranks, availability), raid seasons and events, and who attended.",
        ("scheduling", "attendance"),
    ),
    (
        "Time tracking",
        "Members' focus sessions, their subjects and weekly allocations.",
        ("timetracking",),
    ),
    (
        "Support",
        "Tickets, onboarding and the FAQ.",
        ("support",),
    ),
    (
        "Discord set-up",
        "Each guild's roles and channels, the names the bot has seen, and what it still has to send.",
        ("botworker",),
    ),
    (
        "Scheduled tasks",
        "Reminders, scheduled jobs and what the dispatcher sent or missed; the calendar links; the "
        "periodic tasks and when they last ran.",
        (
            "scheduling.Reminder",
            "scheduling.ScheduledJob",
            "scheduling.Dispatch",
            "scheduling.GuildClockSettings",
            "scheduling.CalendarFeed",
            "django_celery_beat",
        ),
    ),
    (
        "Logins and access",
        "Back-office logins, API tokens and locked-out attempts.",
        ("auth", "authtoken", "axes"),
    ),
)

# Models named one by one in a group are shown there, not in their app's group.
CLAIMED = frozenset(member for _, _, members in GROUPS for member in members if "." in member)


def _slug(name: str) -> str:
    return name.lower().replace(" ", "-").replace("/", "")


class GuildhallAdminSite(admin.AdminSite):
    site_header = "Guildhall back office"
    site_title = "Guildhall"
    index_title = "Guild operations"
    # The side bar repeats the front page and takes a quarter of a 1280 px screen from every list.
    enable_nav_sidebar = False

    def get_app_list(self, request, app_label=None):
        apps = super().get_app_list(request, app_label)
        if app_label is not None:
            return apps
        by_app = {app["app_label"]: app for app in apps}
        used: set[str] = set()
        grouped = []
        for name, description, members in GROUPS:
            models = []
            for member in members:
                label, _, model_name = member.partition(".")
                app = by_app.get(label)
                if app is None:
                    continue
                if model_name:
                    models += [m for m in app["models"] if m["object_name"] == model_name]
                else:
                    models += [m for m in app["models"] if f"{label}.{m['object_name']}" not in CLAIMED]
                if not model_name:
                    used.add(label)
            if models:
                # The group's heading links to the page of its first installed app.
                first = next(by_app[m.partition(".")[0]] for m in members if m.partition(".")[0] in by_app)
                grouped.append(
                    {
                        "name": name,
                        "description": description,
                        "app_label": _slug(name),
                        "app_url": first["app_url"],
                        "has_module_perms": True,
                        "models": models,
                    }
                )
        return grouped + [app for label, app in by_app.items() if label not in used]


class GuildhallAdminConfig(AdminConfig):
    default_site = "config.admin_site.GuildhallAdminSite"
