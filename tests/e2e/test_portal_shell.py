"""The portal shell in a real browser: log in through the form, switch language, and leave
screenshots of the main pages (desktop, Arabic, phone width) in screenshots/ for a person to
look at."""

import pytest
from django.contrib.auth import get_user_model

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "correct horse battery staple"
PHONE = {"width": 390, "height": 844}


@pytest.fixture
def member():
    return get_user_model().objects.create_user(username="amina", email="amina@example.com", password=PASSWORD)


def test_log_in_through_the_form_switch_language_and_log_out(browser_page, live_server, member, screenshot_dir):
    page = browser_page
    page.goto("/")
    assert page.locator("html").get_attribute("lang") == "en"
    page.screenshot(path=screenshot_dir / "home.png", full_page=True)

    page.get_by_role("banner").get_by_role("link", name="Log in").click()
    page.wait_for_url("**/accounts/login/")
    page.get_by_label("Username").fill("amina")
    page.get_by_label("Password").fill("not the password")
    page.get_by_role("main").get_by_role("button", name="Log in").click()
    assert page.get_by_role("alert").is_visible()
    page.screenshot(path=screenshot_dir / "login-error.png", full_page=True)

    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("main").get_by_role("button", name="Log in").click()
    page.wait_for_url(f"{live_server.url}/")
    header = page.get_by_role("banner")
    assert header.locator(".user-box__name").inner_text() == "amina"
    assert header.get_by_role("link", name="Log in").count() == 0

    page.get_by_label("Language").select_option("fr")
    header.get_by_role("button", name="Change").click()
    page.wait_for_url(f"{live_server.url}/")
    assert page.locator("html").get_attribute("lang") == "fr"
    assert "Connecté en tant que" in header.inner_text()
    assert header.get_by_role("link", name="Registre des réseaux après-vente").is_visible()
    page.screenshot(path=screenshot_dir / "home-fr-signed-in.png", full_page=True)

    header.get_by_role("button", name="Se déconnecter").click()
    page.wait_for_url(f"{live_server.url}/")
    # Still French (the cookie outlives the session), and signed out.
    assert page.get_by_role("banner").get_by_role("link", name="Se connecter").is_visible()


def test_login_page(browser_page, screenshot_dir):
    browser_page.goto("/accounts/login/")
    assert browser_page.get_by_role("heading", name="Log in").is_visible()
    assert browser_page.get_by_role("link", name="Forgotten your password?").is_visible()
    browser_page.screenshot(path=screenshot_dir / "login.png", full_page=True)


def test_not_found_page_is_styled(browser_page, screenshot_dir):
    response = browser_page.goto("/no-such-page/")
    assert response.status == 404
    assert browser_page.get_by_role("heading", name="Page not found").is_visible()
    # The stylesheet loaded: the header is the navy bar, not an unstyled default.
    background = browser_page.locator(".site-header").evaluate("el => getComputedStyle(el).backgroundColor")
    assert background == "rgb(13, 42, 74)"
    browser_page.screenshot(path=screenshot_dir / "404.png", full_page=True)


def test_arabic_home_is_right_to_left(new_browser_page, screenshot_dir):
    page = new_browser_page(locale="ar")
    page.goto("/")
    assert page.locator("html").get_attribute("dir") == "rtl"
    assert page.locator("html").get_attribute("lang") == "ar"
    # In a right-to-left layout the product name sits on the right.
    box = page.locator(".site-brand").bounding_box()
    assert box["x"] > page.viewport_size["width"] / 2
    page.screenshot(path=screenshot_dir / "home-ar.png", full_page=True)


@pytest.mark.parametrize(("path", "name"), [("/", "home-mobile"), ("/accounts/login/", "login-mobile")])
def test_phone_width_does_not_scroll_sideways(new_browser_page, screenshot_dir, path, name):
    page = new_browser_page(viewport=PHONE, device_scale_factor=2)
    page.goto(path)
    overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0, f"{path} scrolls sideways by {overflow}px at {PHONE['width']}px"
    page.screenshot(path=screenshot_dir / f"{name}.png")  # the first screen, as a phone shows it
    page.screenshot(path=screenshot_dir / f"{name}-full.png", full_page=True)
