"""`manage.py erase_subscriber EMAIL…` — erasure on request (by letter, phone or email): delete
the subscriber and keep only the address's hash on the suppression list."""

from django.core.management.base import BaseCommand

from newsletters import suppression


class Command(BaseCommand):
    help = (
        "Erase newsletter subscribers on request: delete each address's subscription and keep "
        "only its SHA-256 hash on the suppression list, so it is never mailed again."
    )

    def add_arguments(self, parser):
        parser.add_argument("emails", nargs="+", metavar="EMAIL")

    def handle(self, *args, emails, **options):
        for email in emails:
            suppression.erase(email)
            self.stdout.write(f"{email}: 已删除，仅保留摘要")
