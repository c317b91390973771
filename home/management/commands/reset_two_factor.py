"""Remove an account's two-factor devices (a lost phone); the user enrols again at next login."""

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django_otp import devices_for_user


class Command(BaseCommand):
    help = "Remove the two-factor (TOTP) devices of an account so that it can enrol again."

    def add_arguments(self, parser):
        parser.add_argument("username")

    def handle(self, *args, username, **options):
        User = get_user_model()
        try:
            user = User.objects.get(**{User.USERNAME_FIELD: username})
        except User.DoesNotExist:
            raise CommandError(f"no account named {username!r}") from None
        removed = 0
        for device in devices_for_user(user, confirmed=None):
            device.delete()
            removed += 1
        self.stdout.write(f"removed {removed} two-factor device(s) of {username}")
