"""The portal shell every audience shares: base layout, log in and out, password reset and
change, language from Accept-Language or the switcher, error pages, static files."""

import json
import re
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.contrib.auth import get_user_model
from django.core import mail
from django.core.exceptions import PermissionDenied
from django.core.management import call_command
from django.test import RequestFactory
from django.utils import translation

from portal import errors
from tests.factories import MembershipFactory, UserFactory

PROJECT_ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "correct horse battery staple"
TRANSLATED = ["zh-hans", "es", "fr", "pt", "ru", "ar"]

pytestmark = pytest.mark.django_db


@pytest.fixture
def member():
    return get_user_model().objects.create_user(username="amina", email="amina@example.com", password=PASSWORD)


def html(response) -> str:
    return response.content.decode()


# --- Home and the shared header ---------------------------------------------------------


def test_home_has_the_language_switcher_with_every_language_in_its_own_name(client):
    response = client.get("/")

    assert response.status_code == 200
    page = html(response)
    assert '<html lang="en" dir="ltr">' in page
    assert 'action="/i18n/setlang/"' in page
    assert '<input name="next" type="hidden" value="/">' in page
    assert "csrfmiddlewaretoken" in page
    for code, _name in django_settings.LANGUAGES:
        assert f'<option value="{code}"' in page
    for own_name in ["English", "简体中文", "Español", "Français", "Português", "Русский", "العربيّة"]:
        assert own_name in page
    assert 'value="en" lang="en" selected' in page


def test_home_links_to_log_in_api_docs_and_health_but_not_admin_for_the_public(client):
    page = html(client.get("/"))

    assert 'href="/accounts/login/"' in page
    assert 'href="/api/docs/"' in page
    assert 'href="/healthz"' in page
    assert "/admin/" not in page
    assert "Log out" not in page
    assert 'href="/static/css/portal.css"' in page
    assert 'href="/static/img/favicon.svg"' in page


def test_home_describes_the_three_audiences_without_placeholders(client):
    page = html(client.get("/"))

    for audience in ["The public", "Brand workspace", "Officials’ desk"]:
        assert audience in page
    for placeholder in ["coming soon", "todo", "lorem ipsum", "tbd"]:
        assert placeholder not in page.lower()


def test_the_home_link_is_marked_as_the_current_page(client):
    page = html(client.get("/"))

    assert '<a href="/" aria-current="page">Home</a>' in page


def test_the_header_names_the_audience_of_the_signed_in_user(client):
    official = UserFactory(username="olga", official=True)
    member = MembershipFactory(user__username="bao", role="editor").user

    client.force_login(official)
    page = html(client.get("/"))
    assert '<span class="badge badge--official">Official</span>' in page
    assert "badge--brand" not in page

    client.force_login(member)
    page = html(client.get("/"))
    assert '<span class="badge badge--brand">Brand member</span>' in page
    assert "badge--official" not in page
    assert "/admin/" not in page


def test_staff_see_the_admin_link_and_their_badge(client):
    staff = get_user_model().objects.create_user(username="root", password=PASSWORD, is_staff=True)
    client.force_login(staff)

    page = html(client.get("/"))

    assert 'href="/admin/"' in page
    assert "Platform staff" in page


# --- Log in and out ----------------------------------------------------------------------


def test_log_in_through_the_form_then_log_out_with_a_post(client, member):
    assert client.get("/accounts/login/").status_code == 200

    response = client.post("/accounts/login/", {"username": "amina", "password": PASSWORD})

    assert response.status_code == 302
    assert response["Location"] == "/"
    page = html(client.get("/"))
    assert '<span class="user-box__name">amina</span>' in page
    assert 'action="/accounts/logout/"' in page
    assert 'href="/accounts/password_change/"' in page
    assert 'href="/accounts/login/"' not in page.split("</header>")[0]

    assert client.get("/accounts/logout/").status_code == 405  # Django 5: logging out is a POST
    response = client.post("/accounts/logout/")

    assert response.status_code == 302
    assert response["Location"] == "/"
    page = html(client.get("/"))
    assert "amina" not in page
    assert 'href="/accounts/login/"' in page


def test_log_in_returns_to_next(client, member):
    response = client.post(
        "/accounts/login/", {"username": "amina", "password": PASSWORD, "next": "/accounts/password_change/"}
    )

    assert response["Location"] == "/accounts/password_change/"


def test_a_wrong_password_shows_the_error_above_the_fields(client, member):
    response = client.post("/accounts/login/", {"username": "amina", "password": "not it"})

    assert response.status_code == 200
    page = html(response)
    assert 'class="form-errors" role="alert"' in page
    assert "Please enter a correct username and password" in page
    assert '<label for="id_username">Username</label>' in page


def test_field_errors_sit_next_to_their_field_and_are_announced(client, member):
    client.force_login(member)

    response = client.post(
        "/accounts/password_change/", {"old_password": "not it", "new_password1": "x", "new_password2": "y"}
    )

    assert response.status_code == 200
    page = html(response)
    field = re.search(r'<div class="field field--error">\s*<label for="id_old_password">.*?</div>', page, re.S)
    assert field, "the old-password field is not marked as having an error"
    assert 'id="id_old_password_error"' in field.group(0)
    assert "Your old password was entered incorrectly" in field.group(0)
    assert 'aria-invalid="true" aria-describedby="id_old_password_error" id="id_old_password"' in page
    assert 'aria-describedby="id_new_password1_helptext"' in page


def test_password_change_works(client, member):
    client.force_login(member)

    new_password = "a new and long passphrase"
    response = client.post(
        "/accounts/password_change/",
        {"old_password": PASSWORD, "new_password1": new_password, "new_password2": new_password},
    )

    assert response["Location"] == "/accounts/password_change/done/"
    assert "Password changed" in html(client.get("/accounts/password_change/done/"))


# --- Password reset by e-mail --------------------------------------------------------------


def test_password_reset_mails_a_link_that_sets_a_new_password(client, member):
    response = client.post("/accounts/password_reset/", {"email": "amina@example.com"})

    assert response["Location"] == "/accounts/password_reset/done/"
    assert "Check your e-mail" in html(client.get(response["Location"]))
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["amina@example.com"]
    assert message.subject == "Reset your password for the After-sales Network Registry"
    assert "Your username is: amina" in message.body
    link = re.search(r"http://testserver(/accounts/reset/[^/\s]+/[^/\s]+/)", message.body)
    assert link, message.body

    response = client.get(link.group(1))  # Django swaps the token for a session key and redirects
    assert response.status_code == 302
    form_url = response["Location"]
    page = html(client.get(form_url))
    assert "Choose a new password" in page
    assert 'name="new_password1"' in page

    new_password = "a new and long passphrase"
    response = client.post(form_url, {"new_password1": new_password, "new_password2": new_password})

    assert response["Location"] == "/accounts/reset/done/"
    assert "Your password has been set" in html(client.get("/accounts/reset/done/"))
    assert client.login(username="amina", password=new_password)


def test_a_used_or_forged_reset_link_says_so(client, member):
    page = html(client.get("/accounts/reset/MQ/set-password/"))

    assert "This link no longer works" in page
    assert 'href="/accounts/password_reset/"' in page


def test_the_reset_mail_is_in_the_language_of_the_request(client, member):
    client.post("/accounts/password_reset/", {"email": "amina@example.com"}, headers={"accept-language": "fr"})

    assert mail.outbox[0].subject == "Réinitialisation de votre mot de passe du Registre des réseaux après-vente"
    assert "Votre nom d’utilisateur est\u00a0: amina" in mail.outbox[0].body


def test_an_unknown_address_gets_the_same_answer_and_no_mail(client):
    response = client.post("/accounts/password_reset/", {"email": "nobody@example.com"})

    assert response["Location"] == "/accounts/password_reset/done/"
    assert mail.outbox == []


# --- Language ----------------------------------------------------------------------------


def test_accept_language_chinese_gives_chinese_at_the_same_url(client):
    response = client.get("/", headers={"accept-language": "zh-hans"})

    page = html(response)
    assert '<html lang="zh-hans" dir="ltr">' in page
    assert "售后服务网络登记系统" in page
    assert "登录" in page
    assert "Accept-Language" in response.get("Vary", "")


def test_the_switcher_sets_the_language_cookie_and_the_next_page_is_in_that_language(client):
    response = client.post("/i18n/setlang/", {"language": "es", "next": "/accounts/login/"})

    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/"
    assert response.cookies[django_settings.LANGUAGE_COOKIE_NAME].value == "es"

    # The cookie wins over the browser's Accept-Language.
    page = html(client.get("/accounts/login/", headers={"accept-language": "fr"}))
    assert '<html lang="es" dir="ltr">' in page
    assert "Registro de Redes de Posventa" in page
    assert "Iniciar sesión" in page
    assert 'value="es" lang="es" selected' in page


def test_arabic_pages_are_right_to_left(client):
    page = html(client.get("/", headers={"accept-language": "ar"}))

    assert '<html lang="ar" dir="rtl">' in page
    assert "سجل شبكات خدمة ما بعد البيع" in page


@pytest.mark.parametrize("language", TRANSLATED)
def test_every_language_translates_the_shell(client, language):
    page = html(client.get("/", headers={"accept-language": language}))

    assert f'<html lang="{language}"' in page
    for english in ["After-sales Network Registry", "Who the registry serves", "How coverage is judged"]:
        assert english not in page, f"{english!r} is not translated into {language}"


def _po_entries(path: Path) -> list[tuple[str, str]]:
    """(msgid, msgstr) pairs of a .po file, the header left out."""
    entries, key, parts = [], None, {"msgid": [], "msgstr": []}
    for line in [*path.read_text(encoding="utf-8").splitlines(), "#"]:
        if line.startswith(("msgid ", "#")) and parts["msgstr"]:
            entries.append(("".join(parts["msgid"]), "".join(parts["msgstr"])))
            parts = {"msgid": [], "msgstr": []}
        if line.startswith(("msgid ", "msgstr ")):
            key = line.split(" ", 1)[0]
            parts[key].append(json.loads(line.split(" ", 1)[1]))
        elif line.startswith('"') and key:
            parts[key].append(json.loads(line))
    return [(msgid, msgstr) for msgid, msgstr in entries if msgid]


@pytest.mark.parametrize("folder", ["zh_Hans", "es", "fr", "pt", "ru", "ar"])
def test_catalogues_are_complete_and_compiled(folder):
    po = PROJECT_ROOT / "locale" / folder / "LC_MESSAGES" / "django.po"
    mo = po.with_suffix(".mo")
    entries = _po_entries(po)

    assert entries
    assert [msgid for msgid, msgstr in entries if not msgstr] == []
    assert mo.exists(), f"{mo} is missing: run manage.py compilemessages"
    with translation.override(folder.lower().replace("_", "-")):
        stale = [msgid for msgid, msgstr in entries if "%" not in msgid and translation.gettext(msgid) != msgstr]
    assert stale == [], f"{mo} is older than {po}: run manage.py compilemessages"


# --- Error pages --------------------------------------------------------------------------


def test_a_missing_portal_page_is_the_styled_404(client):
    response = client.get("/no-such-page/")

    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")
    page = html(response)
    assert "Page not found" in page
    assert 'href="/static/css/portal.css"' in page
    assert 'href="/"' in page


def test_the_404_page_follows_the_language(client):
    page = html(client.get("/no-such-page/", headers={"accept-language": "ru"}))

    assert "Страница не найдена" in page


def test_a_missing_api_path_answers_json(client):
    response = client.get("/api/v1/no-such-thing/")

    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    body = response.json()
    assert set(body) == {"detail", "code"}
    assert body["code"] == "not_found"


def test_the_403_page_renders():
    request = RequestFactory().get("/somewhere/")

    response = errors.forbidden(request, PermissionDenied())

    assert response.status_code == 403
    page = html(response)
    assert "Access denied" in page
    assert 'href="/static/css/portal.css"' in page
    assert 'href="/accounts/login/"' in page


def test_the_403_answer_on_an_api_path_is_json():
    response = errors.forbidden(RequestFactory().get("/api/v1/brands/"), PermissionDenied())

    assert response.status_code == 403
    assert json.loads(response.content)["code"] == "permission_denied"


def test_the_500_page_renders_without_request_or_context():
    response = errors.server_error(RequestFactory().get("/somewhere/"))

    assert response.status_code == 500
    page = html(response)
    assert "Something went wrong on our side" in page
    assert 'href="/static/css/portal.css"' in page
    assert 'href="/"' in page
    assert "csrfmiddlewaretoken" not in page


def test_the_500_page_follows_the_active_language():
    with translation.override("ar"):
        page = html(errors.server_error(RequestFactory().get("/somewhere/")))

    assert '<html lang="ar" dir="rtl">' in page
    assert "حدث خطأ من جهتنا" in page


def test_the_500_answer_on_an_api_path_is_json():
    response = errors.server_error(RequestFactory().get("/api/v1/brands/"))

    assert response.status_code == 500
    assert json.loads(response.content) == {"detail": "Server error.", "code": "server_error"}


# --- Static files with DEBUG off (WhiteNoise) ---------------------------------------------


def test_whitenoise_serves_the_stylesheet_and_favicon_from_the_finders(client, settings):
    settings.WHITENOISE_USE_FINDERS = True

    css = client.get("/static/css/portal.css")
    icon = client.get("/static/img/favicon.svg")

    assert css.status_code == 200
    assert css["Content-Type"].startswith("text/css")
    assert b"--navy" in b"".join(css.streaming_content)
    assert icon.status_code == 200
    assert icon["Content-Type"].startswith("image/svg+xml")


def test_after_collectstatic_pages_link_hashed_files_that_whitenoise_serves(client, settings, tmp_path):
    settings.STATIC_ROOT = tmp_path
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
    }
    # Only the portal's own files: the third-party ones (API docs bundle) take seconds to compress.
    call_command(
        "collectstatic",
        interactive=False,
        verbosity=0,
        ignore_patterns=["admin", "rest_framework", "drf_spectacular_sidecar", "django_celery_beat", "django_filters"],
    )

    page = html(client.get("/"))
    hashed = re.search(r'href="(/static/css/portal\.[0-9a-f]{12}\.css)"', page)
    assert hashed, "the home page does not link the hashed stylesheet"

    response = client.get(hashed.group(1))
    assert response.status_code == 200
    assert "immutable" in response["Cache-Control"]
    # The 500 page links the unhashed path, which must be served too.
    assert client.get("/static/css/portal.css").status_code == 200
