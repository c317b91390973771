import pytest
from django.core.exceptions import ValidationError
from wagtail.models import Page, Site
from wagtail.test.utils import WagtailPageTestCase

from home.models import CustomImage, HomePage


class HomePageTests(WagtailPageTestCase):
    def test_site_root_is_the_chinese_home_page(self):
        site = Site.objects.get(is_default_site=True)
        home = site.root_page.specific
        self.assertIsInstance(home, HomePage)
        self.assertEqual(site.site_name, "科普青城")
        self.assertPageIsRenderable(home)

    def test_home_page_is_chinese_with_skip_link_and_reading_switch(self):
        response = self.client.get("/")
        self.assertContains(response, '<html lang="zh-Hans" class="reading-standard">', html=False)
        self.assertContains(response, 'href="#main"')
        self.assertContains(response, "科普青城")
        self.assertContains(response, "/reading-mode/large/?next=%2F")

    def test_only_one_home_page_under_the_root(self):
        self.assertCanNotCreateAt(HomePage, HomePage)
        self.assertCanCreateAt(Page, HomePage)


@pytest.mark.django_db
def test_large_text_mode_persists_in_a_cookie(client):
    response = client.get("/reading-mode/large/?next=/")
    assert response.status_code == 302
    assert response["Location"] == "/"
    cookie = response.cookies["kepu_reading"]
    assert cookie.value == "large"
    assert int(cookie["max-age"]) > 30 * 24 * 3600
    page = client.get("/")
    assert b'class="reading-large"' in page.content
    assert b"/reading-mode/standard/" in page.content


@pytest.mark.django_db
def test_reading_mode_switch_never_redirects_off_site(client):
    response = client.get("/reading-mode/large/?next=https://evil.example/")
    assert response["Location"] == "/"


@pytest.mark.django_db
def test_unknown_reading_mode_changes_nothing(client):
    response = client.get("/reading-mode/huge/?next=/")
    assert response.status_code == 302
    assert "kepu_reading" not in response.cookies


@pytest.mark.django_db
def test_missing_page_is_a_chinese_404(client):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert "页面不存在" in response.content.decode()


@pytest.mark.django_db
def test_image_requires_alt_text():
    image = CustomImage(title="沙尘暴", file="original_images/x.jpg", width=10, height=10)
    with pytest.raises(ValidationError) as error:
        image.full_clean(exclude=["file"])
    assert "description" in error.value.message_dict


def test_public_pages_send_a_strict_content_security_policy(client, db):
    response = client.get("/")
    policy = response["Content-Security-Policy"]
    assert "default-src 'self'" in policy
    assert "script-src 'self'" in policy
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "strict-origin-when-cross-origin"


@pytest.mark.django_db
def test_admin_login_is_chinese_and_branded(client):
    response = client.get("/admin/login/")
    html = response.content.decode()
    assert response.status_code == 200
    assert "<title>登录 - 科普青城 管理后台</title>" in html
    assert "登录科普青城管理后台" in html
