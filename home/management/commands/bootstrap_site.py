"""First-run set-up for `make run`: an admin account and the site's address. Safe to re-run."""

import os
import secrets

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from wagtail.models import Site

ADMIN_USERNAME = "admin"


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
        if site.site_name != settings.WAGTAIL_SITE_NAME:
            site.site_name = settings.WAGTAIL_SITE_NAME
            site.save(update_fields=["site_name"])

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
