"""`manage.py load_demo [--if-empty]` — the bundled demo knowledge base, through the importer."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from wagtail.models import Page

from content.importer import Importer
from content.management.commands.import_content import import_with_progress
from content.models import CONTENT_PAGE_MODELS

DEMO_FILE = Path(__file__).resolve().parents[2] / "demo" / "demo.jsonl"


class Command(BaseCommand):
    help = "Import the bundled demo content (content/demo/demo.jsonl), published. Idempotent."

    def add_arguments(self, parser):
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help="do nothing when the site already has content (used by `make run`)",
        )

    def handle(self, *args, **options):
        if options["if_empty"] and Page.objects.type(*CONTENT_PAGE_MODELS).exists():
            self.stdout.write("content exists; demo not loaded")
            return
        summary = import_with_progress(Importer(), DEMO_FILE, self.stdout, self.stderr)
        self.stdout.write(f"demo content: {summary}")
        if summary.failed:
            raise CommandError(f"{summary.failed} demo line(s) failed")
