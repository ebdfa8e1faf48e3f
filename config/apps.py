from django.apps import AppConfig


class GuildhallConfig(AppConfig):
    """Project-wide pieces that are not a domain: the health check, the shared API error shape,
    housekeeping tasks and the management commands that set a fresh installation up. No models."""

    name = "config"
    label = "guildhall"
    verbose_name = "Guildhall"

    def ready(self) -> None:
        from config import checks, logins  # noqa: F401 - registers the system checks and the token rotation
