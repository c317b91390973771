"""First-run set-up for `make run`: an admin account and the site's address. Safe to re-run."""

import os
import secrets
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from wagtail.models import Site

ADMIN_USERNAME = "admin"


def site_address(site_url):
    """The hostname and port of a Wagtail Site whose root_url is SITE_URL. Wagtail derives the
    scheme from the port (443 is https, anything else http), so https on another port cannot be
    expressed; such a SITE_URL is refused rather than silently turned into http."""
    parts = urlsplit(site_url)
    default_port = {"http": 80, "https": 443}.get(parts.scheme)
    if default_port is None or not parts.hostname:
        raise CommandError(f"SITE_URL must be an http:// or https:// URL, not {site_url!r}")
    port = parts.port or default_port
    if parts.scheme == "https" and port != 443:
        raise CommandError(
            "SITE_URL with https must use port 443 (Wagtail's Site cannot say otherwise)"
        )
    return {"hostname": parts.hostname, "port": port}


class Command(BaseCommand):
    help = "Create the admin account on first run and point the default site at SITE_URL."

    def handle(self, *args, **options):
        self.align_default_site()
        self.ensure_admin()

    def align_default_site(self):
        site = Site.objects.filter(is_default_site=True).first()
        if site is None:
            self.stderr.write("no default site: run `manage.py migrate` first")
            return
        # Absolute URLs (search API, sitemaps) are built from the Site record, not SITE_URL.
        wanted = {"site_name": settings.WAGTAIL_SITE_NAME, **site_address(settings.SITE_URL)}
        changed = [field for field, value in wanted.items() if getattr(site, field) != value]
        if changed:
            for field in changed:
                setattr(site, field, wanted[field])
            site.save(update_fields=changed)
            self.stdout.write(f"default site now answers as {site.root_url}")

    def ensure_admin(self):
        User = get_user_model()
        if User.objects.filter(is_superuser=True).exists():
            self.stdout.write(
                f"admin account exists; log in at {settings.SITE_URL}/admin/ "
                "(password as printed on first run, or set ADMIN_PASSWORD and run "
                f"`manage.py changepassword {ADMIN_USERNAME}`)"
            )
            return
        password = os.environ.get("ADMIN_PASSWORD") or secrets.token_urlsafe(12)
        User.objects.create_superuser(
            username=ADMIN_USERNAME, email="", password=password, organisation="呼和浩特市科协"
        )
        shown = "(from ADMIN_PASSWORD)" if os.environ.get("ADMIN_PASSWORD") else password
        self.stdout.write(
            self.style.SUCCESS(
                f"admin account created — user: {ADMIN_USERNAME}  password: {shown}\n"
                f"log in at {settings.SITE_URL}/admin/  (this password is shown only once)"
            )
        )
