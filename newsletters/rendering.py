"""Building an email once and addressing it to each recipient.

A mailing is rendered once (``render``): HTML with its CSS inlined (css-inline; the
``@media`` rule for phones stays in a ``<style>``), and plain text, both with placeholders
where each recipient's own preference-centre and unsubscribe links go. ``message_for`` fills
them in for one delivery and adds the RFC 8058 headers. Every link and image URL is absolute
(``SITE_URL``). There is no open or click tracking: links go straight to the site.
"""

from email.utils import formataddr, parseaddr

import css_inline
from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string

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


def render(template, subject, **context):
    """(html, text) of ``newsletters/mail/<template>.html`` and ``.txt``."""
    context = {**footer_context(), "subject": subject, **context}
    html = render_to_string(f"newsletters/mail/{template}.html", context)
    text = render_to_string(f"newsletters/mail/{template}.txt", context)
    return _inliner.inline(html), text


def message_id(delivery_id, mailing_id):
    """The same Message-ID every time a delivery is (re)sent, so a receiver can tell a repeat
    after a crash from a new message."""
    domain = parseaddr(settings.DEFAULT_FROM_EMAIL)[1].rpartition("@")[2] or "localhost"
    return f"<newsletter.{mailing_id}.{delivery_id}@{domain}>"


def message_for(delivery, mailing, subscriber, connection=None):
    """The email of one delivery: multipart text + HTML, UTF-8 subject, the recipient's links
    and the RFC 8058 one-click unsubscribe headers."""
    preferences = links.preferences_url(subscriber)
    unsubscribe = links.unsubscribe_url(subscriber)
    html = mailing.html.replace(PREFERENCES, preferences).replace(UNSUBSCRIBE, unsubscribe)
    text = mailing.text.replace(PREFERENCES, preferences).replace(UNSUBSCRIBE, unsubscribe)
    targets = [f"<{unsubscribe}>"]
    mailto = links.unsubscribe_mailto(subscriber)
    if mailto:
        targets.append(f"<{mailto}>")
    message = EmailMultiAlternatives(
        subject=mailing.subject,
        body=text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[subscriber.email],
        connection=connection,
        headers={
            "Message-ID": message_id(delivery.pk, mailing.pk),
            "List-Unsubscribe": ", ".join(targets),
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
            "List-Id": formataddr((str(settings.NEWSLETTERS_LIST_NAME), _list_id())),
        },
    )
    message.attach_alternative(html, "text/html")
    return message


def _list_id():
    host = settings.SITE_URL.split("://", 1)[-1].split("/", 1)[0].split(":", 1)[0]
    return f"newsletter.{host or 'localhost'}"
