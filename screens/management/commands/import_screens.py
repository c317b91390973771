import csv
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from screens.provisioning import CSV_COLUMNS, provision, provisioning_url


class Command(BaseCommand):
    help = (
        "Provision many screens from a UTF-8 CSV with a header row: "
        + ", ".join(CSV_COLUMNS)
        + " (name, region, place required). Prints one line per screen with its token. "
        "All rows or none: any bad row stops the import and names its line."
    )

    def add_arguments(self, parser):
        parser.add_argument("file")

    def handle(self, *args, **options):
        try:
            with open(options["file"], encoding="utf-8-sig", newline="") as handle:
                rows = list(csv.DictReader(handle))
        except OSError as error:
            raise CommandError(str(error)) from error
        if not rows:
            raise CommandError("the file has no rows")
        missing = {"name", "region", "place"} - set(rows[0])
        if missing:
            raise CommandError(f"missing column(s): {', '.join(sorted(missing))}")
        created = []
        try:
            with transaction.atomic():
                for line, row in enumerate(rows, start=2):
                    try:
                        created.append(provision(**self.fields(row)))
                    except (ValidationError, ValueError, InvalidOperation) as error:
                        messages = getattr(error, "messages", [str(error)])
                        raise CommandError(f"line {line}: {'; '.join(messages)}") from error
        except CommandError:
            raise
        for screen, token in created:
            self.stdout.write(f"{screen.pk}\t{screen.name}\t{token}\t{provisioning_url(token)}")
        self.stdout.write(f"{len(created)} screens created")

    @staticmethod
    def fields(row):
        values = {key: (row.get(key) or "").strip() for key in CSV_COLUMNS}
        fields = {
            "name": values["name"],
            "region_code": values["region"],
            "place": values["place"],
            "address": values["address"],
            "orientation": values["orientation"],
        }
        for key in ("latitude", "longitude"):
            if values[key]:
                fields[key] = Decimal(values[key])
        for key in ("width", "height"):
            if values[key]:
                fields[key] = int(values[key])
        return fields
