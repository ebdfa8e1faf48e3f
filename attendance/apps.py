from django.apps import AppConfig


class AttendanceConfig(AppConfig):
    name = "attendance"
    verbose_name = "Raid attendance"
    default_auto_field = "django.db.models.BigAutoField"

    def load_demo_data(self) -> str:
        """A season and an upcoming raid with sign-ups in the demo guild, once."""
        from attendance.demo import load_demo_data

        return load_demo_data()
