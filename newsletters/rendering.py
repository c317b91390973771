"""Building an email once and addressing it to each recipient.

A mailing is rendered once (``render``): HTML with its CSS inlined (css-inline; the
``@media`` rule for phones stays in a ``<style>``), and plain text, both with placeholders
where each recipient's own preference-centre and unsubscribe links go. ``message_for`` fills
them in for one delivery and adds the RFC 8058 headers. Every link and image URL is absolute
(``SITE_URL``). There is no open or click tracking: links go straight to the site.

For SMTP, ``Prepared`` goes one step further: the whole MIME message of a mailing is built
once, as bytes, with placeholders for the recipient's address, Message-ID and links, which
each delivery replaces (the bodies go 8bit, so the placeholders stand in them as written).
That is what lets one worker send several hundred messages a second; where a placeholder did
not survive (an address that is not ASCII, say) the message is built in full instead.
"""

import functools
from email.utils import formataddr, parseaddr

import css_inline
from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.core.mail.message import sanitize_address
from django.template.loader import render_to_string
from django.utils.safestring import mark_safe

from . import links

# Placeholders for the recipient's own links: plain tokens that survive HTML escaping and
# css-inline untouched.
PREFERENCES = "KEPU-PREFERENCES-URL"
UNSUBSCRIBE = "KEPU-UNSUBSCRIBE-URL"

_inliner = css_inline.CSSInliner(keep_at_rules=True, load_remote_stylesheets=False)


def absolute(url):
    if not url or url.startswith(("http://", "https://")):
        return url
    return settings.SITE_URL + ("" if url.startswith("/") else "/") + url


def footer_context():
    return {
        "sender": parseaddr(settings.DEFAULT_FROM_EMAIL)[0] or settings.DEFAULT_FROM_EMAIL,
        "postal_address": settings.NEWSLETTERS_POSTAL_ADDRESS,
        "preferences_url": PREFERENCES,
        "unsubscribe_url": UNSUBSCRIBE,
    }


# Django encodes a body with a line over 998 bytes as quoted-printable, which would cut the
# placeholders; inlined HTML is broken between tags well before that.
LINE_LIMIT = 900


def render(template, subject, **context):
    """(html, text) of ``newsletters/mail/<template>.html`` and ``.txt``."""
    context = {**footer_context(), "subject": subject, **context}
    html = render_to_string(f"newsletters/mail/{template}.html", context)
    text = render_to_string(f"newsletters/mail/{template}.txt", context)
    return short_lines(_inliner.inline(html)), text


def render_items(items):
    """Each content item's part of a digest or issue, (html, text), rendered once however many
    mailings show it."""
    return [
        (
            mark_safe(render_to_string("newsletters/mail/_item.html", {"item": item})),  # noqa: S308
            render_to_string("newsletters/mail/_item.txt", {"item": item}).strip(),
        )
        for item in items
    ]


def render_digest(subject, parts, **context):
    """A digest or issue from items rendered by ``render_items``."""
    return render(
        "digest",
        subject,
        item_html=[html for html, _text in parts],
        item_text=[text for _html, text in parts],
        **context,
    )


def short_lines(html):
    """Break lines longer than LINE_LIMIT bytes between two tags."""
    lines = []
    for line in html.splitlines():
        while len(line.encode()) > LINE_LIMIT and "><" in line:
            cut = line.rfind("><", 0, LINE_LIMIT // 3) + 1 or line.find("><") + 1
            lines.append(line[:cut])
            line = line[cut:]
        lines.append(line)
    return "\n".join(lines)


def message_id(delivery_id, mailing_id):
    """The same Message-ID every time a delivery is (re)sent, so a receiver can tell a repeat
    after a crash from a new message."""
    return f"<newsletter.{mailing_id}.{delivery_id}@{_domain(settings.DEFAULT_FROM_EMAIL)}>"


@functools.lru_cache(maxsize=4)
def _domain(from_email):
    return parseaddr(from_email)[1].rpartition("@")[2] or "localhost"


def message_for(delivery, mailing, subscriber, connection=None):
    """The email of one delivery: multipart text + HTML, UTF-8 subject, the recipient's links
    and the RFC 8058 one-click unsubscribe headers."""
    preferences = links.preferences_url(subscriber)
    unsubscribe = links.unsubscribe_url(subscriber)
    html = mailing.html.replace(PREFERENCES, preferences).replace(UNSUBSCRIBE, unsubscribe)
    text = mailing.text.replace(PREFERENCES, preferences).replace(UNSUBSCRIBE, unsubscribe)
    return _message(
        mailing,
        html,
        text,
        recipient=subscriber.email,
        message_id=message_id(delivery.pk, mailing.pk),
        unsubscribe=unsubscribe,
        mailto=links.unsubscribe_mailto(subscriber),
        connection=connection,
    )


def _message(mailing, html, text, *, recipient, message_id, unsubscribe, mailto, connection):
    targets = [f"<{unsubscribe}>"] + ([f"<{mailto}>"] if mailto else [])
    message = EmailMultiAlternatives(
        subject=mailing.subject,
        body=text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[recipient],
        connection=connection,
        headers={
            "Message-ID": message_id,
            "List-Unsubscribe": ", ".join(targets),
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
            "List-Id": formataddr((str(settings.NEWSLETTERS_LIST_NAME), _list_id())),
        },
    )
    message.attach_alternative(html, "text/html")
    return message


RECIPIENT = "kepu-recipient@kepu.invalid"
MESSAGE_ID = "<kepu-message-id@kepu.invalid>"
MAILTO = "KEPU-UNSUBSCRIBE-MAILTO"


class Prepared:
    """A mailing's SMTP message as bytes, built once; ``bytes_for`` addresses it."""

    def __init__(self, mailing):
        self.mailing = mailing
        self.mailto = bool(getattr(settings, "NEWSLETTERS_UNSUBSCRIBE_MAILTO", ""))
        message = _message(
            mailing,
            mailing.html,
            mailing.text,
            recipient=RECIPIENT,
            message_id=MESSAGE_ID,
            unsubscribe=UNSUBSCRIBE,
            mailto=MAILTO if self.mailto else None,
            connection=None,
        )
        self.sender = sanitize_address(message.from_email, message.encoding or "utf-8")
        self.raw = message.message().as_bytes(linesep="\r\n")
        tokens = [RECIPIENT, MESSAGE_ID, UNSUBSCRIBE] + ([MAILTO] if self.mailto else [])
        # Each placeholder as written (the subject or a folded header could hide one).
        self.usable = all(token.encode() in self.raw for token in tokens) and (
            PREFERENCES not in mailing.html or PREFERENCES.encode() in self.raw
        )

    def bytes_for(self, delivery, subscriber):
        """The message for one delivery, or None when it must be built in full."""
        if not self.usable or not subscriber.email.isascii():
            return None
        raw = self.raw.replace(RECIPIENT.encode(), subscriber.email.encode())
        raw = raw.replace(MESSAGE_ID.encode(), message_id(delivery.pk, self.mailing.pk).encode())
        raw = raw.replace(UNSUBSCRIBE.encode(), links.unsubscribe_url(subscriber).encode())
        raw = raw.replace(PREFERENCES.encode(), links.preferences_url(subscriber).encode())
        if self.mailto:
            raw = raw.replace(MAILTO.encode(), links.unsubscribe_mailto(subscriber).encode())
        return raw


def _list_id():
    host = settings.SITE_URL.split("://", 1)[-1].split("/", 1)[0].split(":", 1)[0]
    return f"newsletter.{host or 'localhost'}"
