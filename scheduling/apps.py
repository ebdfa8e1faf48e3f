from django.apps import AppConfig


class SchedulingConfig(AppConfig):
    name = "scheduling"
    verbose_name = "Raid scheduling"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Register the dispatcher's clock sources.
        from scheduling.services import jobs, reminders  # noqa: F401
