from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from registry.health import health_checks


@require_GET
@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    """200 while the database answers, 503 otherwise; cache and broker are reported, not gating."""
    checks = health_checks()
    database_ok = next(c.ok for c in checks if c.name == "database")
    body = {"status": "ok" if all(c.ok for c in checks) else ("degraded" if database_ok else "down")}
    body.update({c.name: c.as_dict() for c in checks})
    return JsonResponse(body, status=200 if database_ok else 503)


def home(request: HttpRequest) -> HttpResponse:
    return render(request, "public/home.html")
