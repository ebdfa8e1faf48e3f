from django.apps import AppConfig


class SchedulingConfig(AppConfig):
    name = "scheduling"
    verbose_name = "Raid scheduling"
    default_auto_field = "django.db.models.BigAutoField"
