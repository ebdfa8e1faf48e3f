from django.apps import AppConfig


class ShiftsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "shifts"
    verbose_name = "Shifts"

    def load_demo_data(self) -> str:
        """The demo guild's shift policy, its moderators' slots, an open and a claimed shift, once."""
        from shifts.demo import load_demo_data

        return load_demo_data()
