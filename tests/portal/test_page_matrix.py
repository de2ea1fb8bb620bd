"""Every page joins the access matrix by declaration: who may open it, and what others get.

The portal has no brand or official pages yet; when one is added, this test fails until the
page is declared here with its audience, and a page for members must then show its 404/403
behaviour like the API (tests/registry/api/matrix.py)."""

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

# name → (audience, path kwargs). "public": anyone; "signed_in": any account.
PAGES = {
    "portal:home": ("public", {}),
    "portal:invitation-accept-base": ("public", {}),
    "portal:invitation-accept": ("public", {"token": "unknown-token"}),
    "healthz": ("public", {}),
    "login": ("public", {}),
    "logout": ("public", {}),
    "password_reset": ("public", {}),
    "password_reset_done": ("public", {}),
    "password_reset_confirm": ("public", {"uidb64": "MQ", "token": "set-password"}),
    "password_reset_complete": ("public", {}),
    "password_change": ("signed_in", {}),
    "password_change_done": ("signed_in", {}),
    "set_language": ("public", {}),
    "api-schema": ("public", {}),
    "api-docs": ("public", {}),
}


def _page_names():
    names = set()

    def walk(patterns, prefix="", namespace=""):
        for p in patterns:
            route = prefix + str(p.pattern)
            if isinstance(p, URLResolver):
                ns = f"{namespace}{p.namespace}:" if p.namespace else namespace
                walk(p.url_patterns, route, ns)
            elif isinstance(p, URLPattern) and p.name and not route.startswith(("admin/", "api/v1/")):
                names.add(f"{namespace}{p.name}")

    walk(get_resolver().url_patterns)
    return names


def test_every_page_is_declared():
    assert _page_names() == set(PAGES)


@pytest.mark.parametrize("name", sorted(n for n, (a, _) in PAGES.items() if a == "signed_in"))
def test_signed_in_pages_send_anonymous_visitors_to_login(client, db, name):
    response = client.get(reverse(name, kwargs=PAGES[name][1]))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize("name", sorted(n for n, (a, _) in PAGES.items() if a == "public"))
def test_public_pages_answer_anonymous_visitors(client, db, name):
    response = client.get(reverse(name, kwargs=PAGES[name][1]))
    # Pages answer; the POST-only ones say so; a bad invitation token is a styled 404.
    assert response.status_code in {200, 302, 404, 405}
    assert response.status_code < 500
