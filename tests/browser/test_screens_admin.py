"""The screens admin in a real browser: an editor signs in and works through the screen list, a
screen's page and the proof-of-play report without console errors or serious accessibility
problems in the content we render."""

import datetime
import uuid

from django.contrib.auth import get_user_model
from django.utils import timezone

from screens.models import Play
from screens.provisioning import provision
from tests.browser.conftest import serious_violations
from tests.content.factories import ArticlePageFactory

PASSWORD = "kepu-admin-browser-test"  # noqa: S105 - a throw-away test account


def sign_in(page):
    get_user_model().objects.create_superuser("editor", "editor@example.cn", PASSWORD)
    page.goto("/admin/login/")
    page.fill("input[name=username]", "editor")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/admin/")


def test_editor_reviews_screens_and_proof_of_play(browser_page):
    screen, _token = provision("中山路广场屏", "150105", "square")
    article = ArticlePageFactory(title="沙尘暴来了怎么办", regions=["150100"])
    Play.objects.create(
        uuid=uuid.uuid4(),
        screen=screen,
        page=article,
        title=article.title,
        started_at=timezone.now() - datetime.timedelta(hours=1),
        duration_ms=15_000,
        received_at=timezone.now(),
    )
    page = browser_page
    failed = []
    page.on("requestfailed", lambda request: failed.append(request.url))
    sign_in(page)

    page.goto("/admin/screens_screen/")
    link = page.get_by_role("link", name="中山路广场屏")
    assert link.count() == 1
    assert serious_violations(page) == []

    link.click()
    page.wait_for_url(f"**/admin/screens/{screen.pk}/")
    assert page.locator("h1").first.inner_text().strip() == "中山路广场屏"
    assert "沙尘暴来了怎么办" in page.locator("#screen-plays + table").inner_text()
    assert "沙尘暴来了怎么办" in page.locator("[data-manifest-preview]").inner_text()
    assert serious_violations(page) == []

    page.goto("/admin/screens/report/")
    by_content = page.locator("[data-report=content]")
    assert "沙尘暴来了怎么办" in by_content.inner_text()
    assert "15" in by_content.locator("tbody tr").first.inner_text()
    assert serious_violations(page) == []

    assert failed == []
    assert page.console_errors == []
