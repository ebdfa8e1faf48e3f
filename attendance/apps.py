from django.apps import AppConfig


class AttendanceConfig(AppConfig):
    name = "attendance"
    verbose_name = "Raid attendance"
    default_auto_field = "django.db.models.BigAutoField"
