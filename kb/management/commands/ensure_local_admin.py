import secrets

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = (
        "For local use: create an admin account with a password generated now and printed once. "
        "If the account exists, say how to log in (or reset the password with --reset)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--username", default="admin")
        parser.add_argument("--reset", action="store_true", help="Generate and print a new password for the existing account.")
        parser.add_argument("--url", default="http://127.0.0.1:8000/admin/", help="Where the admin is served, for the message.")

    def handle(self, *args, username: str, reset: bool, url: str, **options):
        if not settings.DEBUG:
            raise CommandError("ensure_local_admin is for local development only; use createsuperuser elsewhere.")
        User = get_user_model()
        user = User.objects.filter(username=username).first()
        if user and not reset:
            self.stdout.write(
                f"Admin: log in at {url} as '{username}' with the password printed when the account was created. "
                "Forgot it? Run: make admin-password"
            )
            return
        password = secrets.token_urlsafe(18)
        if user is None:
            user = User(username=username, is_staff=True, is_superuser=True)
        user.set_password(password)
        user.save()
        self.stdout.write(self.style.SUCCESS(f"Admin: log in at {url} as '{username}' with password: {password}"))
        self.stdout.write("This password is shown only now; keep it. `make admin-password` generates a new one.")
