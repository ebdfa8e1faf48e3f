from django.core.management.base import BaseCommand

from config.periodic import sync_periodic_tasks


class Command(BaseCommand):
    help = "Write the periodic tasks declared in settings.PERIODIC_TASKS to Celery beat's database (idempotent)."

    def handle(self, *args, **options):
        changes = sync_periodic_tasks()
        for kind in ("created", "updated", "disabled"):
            for name in changes[kind]:
                self.stdout.write(f"periodic task {kind}: {name}")
        if not any(changes.values()):
            self.stdout.write("periodic tasks already up to date")
