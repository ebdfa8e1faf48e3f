"""Make a fresh installation usable: periodic tasks, an admin login, and the demo data once."""

from __future__ import annotations

import os
import secrets

from django.apps import apps
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.db import transaction

from config.periodic import sync_periodic_tasks

DEFAULT_ADMIN = "admin"


class Command(BaseCommand):
    help = (
        "Idempotent set-up run by `make run`: writes the declared periodic tasks, creates the admin login "
        "(from DJANGO_SUPERUSER_USERNAME/PASSWORD/EMAIL, or 'admin' with a generated password kept in "
        "var/admin-login.txt) and loads each app's demo data once."
    )

    def add_arguments(self, parser):
        parser.add_argument("--no-demo", action="store_true", help="Do not load demo data.")

    def handle(self, *args, **options):
        changes = sync_periodic_tasks()
        created = len(changes["created"])
        self.stdout.write(f"periodic tasks: {created} created, {len(changes['updated'])} updated")
        self._admin_login()
        if not options["no_demo"]:
            self._demo_data()

    def _admin_login(self) -> None:
        User = get_user_model()
        username = os.environ.get("DJANGO_SUPERUSER_USERNAME", "").strip()
        if username:
            password = os.environ.get("DJANGO_SUPERUSER_PASSWORD", "")
            email = os.environ.get("DJANGO_SUPERUSER_EMAIL", "")
            user, created = User.objects.get_or_create(username=username, defaults={"email": email})
            if created or not user.is_superuser:
                user.is_staff = user.is_superuser = True
                if password:
                    user.set_password(password)
                user.save()
            self.stdout.write(f"admin login: {username} (password from DJANGO_SUPERUSER_PASSWORD)")
            return

        login_file = settings.VAR_DIR / "admin-login.txt"
        user = User.objects.filter(username=DEFAULT_ADMIN).first()
        if user is None:
            password = secrets.token_urlsafe(12)
            User.objects.create_superuser(username=DEFAULT_ADMIN, email="", password=password)
            login_file.parent.mkdir(parents=True, exist_ok=True)
            login_file.write_text(f"{DEFAULT_ADMIN}\n{password}\n")
            login_file.chmod(0o600)
        if login_file.is_file():
            name, password = login_file.read_text().split("\n")[:2]
            self.stdout.write(self.style.SUCCESS(f"admin login: {name} / {password}"))
        else:
            self.stdout.write(
                f"admin login: {DEFAULT_ADMIN} exists; its password was not generated here "
                f"(set one with `python manage.py changepassword {DEFAULT_ADMIN}`)"
            )

    def _demo_data(self) -> None:
        loaders = [config for config in apps.get_app_configs() if callable(getattr(config, "load_demo_data", None))]
        for config in loaders:
            with transaction.atomic():
                summary = config.load_demo_data()
            self.stdout.write(f"demo data ({config.label}): {summary}")
        if not loaders:
            self.stdout.write("demo data: no installed app provides any yet")
