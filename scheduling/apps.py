from django.apps import AppConfig


class SchedulingConfig(AppConfig):
    name = "scheduling"
    verbose_name = "Raid scheduling"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Register the dispatcher's clock sources.
        from scheduling.services import jobs, reminders  # noqa: F401

    def load_demo_data(self) -> str:
        """The demo guild's roster: ranks mapped to roles, players with zones and availability, once."""
        from scheduling.demo import load_demo_data

        return load_demo_data()
