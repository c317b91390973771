from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from screens.provisioning import provision, provisioning_url


class Command(BaseCommand):
    help = "Provision a screen and print its token and provisioning URL (shown only once)."

    def add_arguments(self, parser):
        parser.add_argument("--name", required=True)
        parser.add_argument("--region", required=True, help="GB/T 2260 code, e.g. 150105")
        parser.add_argument("--place", required=True, help="street, square, park, station, ...")
        parser.add_argument("--address", default="")
        parser.add_argument("--orientation", default="landscape")
        parser.add_argument("--width", type=int, default=1920)
        parser.add_argument("--height", type=int, default=1080)

    def handle(self, *args, **options):
        try:
            screen, token = provision(
                options["name"],
                options["region"],
                options["place"],
                address=options["address"],
                orientation=options["orientation"],
                width=options["width"],
                height=options["height"],
            )
        except ValidationError as error:
            raise CommandError("; ".join(error.messages)) from error
        self.stdout.write(f"screen {screen.pk}: {screen.name}")
        self.stdout.write(f"token: {token}")
        self.stdout.write(f"provisioning URL: {provisioning_url(token)}")
