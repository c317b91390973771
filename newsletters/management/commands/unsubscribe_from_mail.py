"""`manage.py unsubscribe_from_mail PATH…` — act on the mailto: half of List-Unsubscribe.

Every newsletter carries ``mailto:NEWSLETTERS_UNSUBSCRIBE_MAILTO?subject=unsubscribe TOKEN``.
This reads the messages that mailbox received — message files, or Maildir folders (their
``new`` and ``cur``) — and unsubscribes the subscriber whose signed token a subject carries. A
message without a valid token changes nothing. Running it again over the same messages is
harmless, so a cron job may run it over the whole Maildir.
"""

import email
import email.policy
import re
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from newsletters import links, suppression
from newsletters.models import Reason

TOKEN = re.compile(r"unsubscribe\s+(\d+\.[0-9a-f]{32})", re.IGNORECASE)


def message_files(path):
    path = Path(path)
    if path.is_file():
        return [path]
    if not path.is_dir():
        raise CommandError(f"{path}: 不存在")
    folders = [path / "new", path / "cur"] if (path / "new").is_dir() else [path]
    return sorted(file for folder in folders for file in folder.iterdir() if file.is_file())


def token_of(raw):
    message = email.message_from_bytes(raw, policy=email.policy.default)
    found = TOKEN.search(str(message["Subject"] or ""))
    return found.group(1) if found else None


class Command(BaseCommand):
    help = (
        "Unsubscribe the senders of messages to the List-Unsubscribe mailbox: each message "
        "file or Maildir given is read, and the signed token in its subject unsubscribes."
    )

    def add_arguments(self, parser):
        parser.add_argument("paths", nargs="+", metavar="PATH")

    def handle(self, *args, paths, **options):
        done = ignored = 0
        for path in paths:
            for file in message_files(path):
                subscriber = links.read_token(token_of(file.read_bytes()), "unsubscribe")
                if subscriber is None:
                    ignored += 1
                    continue
                suppression.suppress(subscriber.email, Reason.UNSUBSCRIBED)
                done += 1
        self.stdout.write(f"退订 {done} 个，忽略 {ignored} 封")
