"""`manage.py ingest_cap FILE_OR_URL [--issue]` — read a CAP 1.2 message, or an Atom / RSS index
of them, into alerts (see alerts/ingest.py)."""

from django.core.management.base import BaseCommand, CommandError

from alerts import ingest

OUTCOMES = {
    "issued": "已发布",
    "awaiting": "已导入，等待“应急发布审核”确认",
    "draft": "已导入为草稿，需修改后提交",
    "known": "已存在，跳过",
}


class Command(BaseCommand):
    help = (
        "Read a CAP 1.2 message (or an Atom/RSS index of them) from a file or URL, validate it "
        "against the OASIS CAP 1.2 schema and store it as an alert awaiting confirmation; with "
        "--issue, issue it at once. A refused message writes nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument("location", help="a file path, or an http(s) / file URL")
        parser.add_argument(
            "--issue",
            action="store_true",
            help="issue at once instead of waiting for a confirmer of 应急发布审核",
        )

    def handle(self, *args, **options):
        location = options["location"]
        try:
            data = ingest.fetch(location, ingest.cap.MAX_INDEX_BYTES)
            locations = ingest.message_locations(data, location)
        except ingest.IngestError as error:
            raise CommandError(f"{location}: 拒绝：{error}") from error
        if locations is None:
            outcome = self._ingest_one(location, data, options["issue"])
            if outcome is None:
                raise CommandError(f"{location}: 已拒绝，未写入任何内容。")
            return
        self.stdout.write(f"{location}: 索引列出 {len(locations)} 条消息")
        refused = 0
        for number, message_location in enumerate(locations, start=1):
            self.stdout.write(f"[{number}/{len(locations)}] ", ending="")
            try:
                data = ingest.fetch(message_location)
            except ingest.IngestError as error:
                self.stderr.write(f"{message_location}: 拒绝：{error}")
                refused += 1
                continue
            if self._ingest_one(message_location, data, options["issue"]) is None:
                refused += 1
        if refused:
            raise CommandError(f"{refused} 条消息被拒绝（其余已处理）。")

    def _ingest_one(self, location, data, issue):
        try:
            outcome = ingest.ingest_bytes(data, source=location, issue=issue)
        except ingest.IngestError as error:
            self.stderr.write(f"{location}: 拒绝：{error}")
            return None
        alert = outcome.alert
        self.stdout.write(
            f"{location}: {alert.event}（{alert.identifier}，{alert.get_status_display()}）"
            f"{OUTCOMES[outcome.action]}"
        )
        for note in outcome.notes:
            self.stdout.write(f"  · {note}")
        return outcome
