"""The seam that lets the home, audience and topic pages offer the compact sign-up form
(``templates/newsletters/compact_form.html``) without home importing newsletters: the templates
include the form only when ``newsletter_signup`` is in their context. No query."""

from django.urls import reverse

from .forms import CONSENT_TEXT


def newsletter_signup(request):
    return {
        "newsletter_signup": {"url": reverse("newsletters:signup"), "consent_text": CONSENT_TEXT}
    }
