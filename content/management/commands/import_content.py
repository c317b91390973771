"""`manage.py import_content FILE.jsonl [--dry-run] [--draft]` — the knowledge-base import."""

import logging
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from content.importer import FAILED, Importer
from content.signals import bulk_import_finished, bulk_import_started

BAR_WIDTH = 30
PLAIN_PROGRESS_EVERY = 200


class Command(BaseCommand):
    help = (
        "Import knowledge-base content from a JSONL file (format in docs/import-format.md). "
        "Each line is committed on its own; bad lines are reported as "
        "`line N: field: reason` and skipped."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="the JSONL file; media paths are relative to it")
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="validate every line and report what would happen, writing nothing",
        )
        parser.add_argument(
            "--draft",
            action="store_true",
            help="submit pages to the science-review workflow instead of publishing them",
        )

    def handle(self, *args, **options):
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(f"no such file: {path}")
        importer = Importer(dry_run=options["dry_run"], draft=options["draft"])
        summary = import_with_progress(importer, path, self.stdout, self.stderr)
        if options["dry_run"]:
            self.stdout.write("dry run: nothing was written")
        self.stdout.write(str(summary))
        if summary.failed:
            raise CommandError(f"{summary.failed} line(s) failed")


def import_with_progress(importer, path, stdout, stderr):
    """Run the importer, reporting bad lines and progress on stderr (a bar on a terminal,
    an occasional line otherwise, so logs stay readable)."""
    interactive = stderr.isatty()

    def report(result, done, total):
        if result.outcome == FAILED:
            if interactive:
                stderr.write("\r\033[K", ending="")
            for message in result.messages():
                stderr.write(message)
        if interactive:
            filled = BAR_WIDTH * done // total
            bar = "#" * filled + " " * (BAR_WIDTH - filled)
            stderr.write(f"\r[{bar}] {done}/{total}", ending="" if done < total else "\n")
        elif done % PLAIN_PROGRESS_EVERY == 0 and done < total:
            stderr.write(f"{done}/{total} lines")
        stderr.flush()

    # Wagtail logs three INFO lines per page written (created, edited, published); for a bulk
    # import the summary says it all. Listeners (search) may defer per-save
    # work to the end of the import.
    wagtail_log = logging.getLogger("wagtail")
    level = wagtail_log.level
    wagtail_log.setLevel(max(level, logging.WARNING))
    try:
        bulk_import_started.send(sender=Importer)
        try:
            return importer.import_file(path, report=report)
        finally:
            bulk_import_finished.send(sender=Importer)
    finally:
        wagtail_log.setLevel(level)
