"""Styled error pages; API paths answer in the API's error shape instead."""

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render


def _wants_json(request: HttpRequest) -> bool:
    return request.path.startswith("/api/")


def not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if _wants_json(request):
        return JsonResponse({"detail": "Not found.", "code": "not_found"}, status=404)
    return render(request, "404.html", status=404)


def forbidden(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if _wants_json(request):
        return JsonResponse(
            {"detail": "You do not have permission to do this.", "code": "permission_denied"}, status=403
        )
    return render(request, "403.html", status=403)


def server_error(request: HttpRequest) -> HttpResponse:
    if _wants_json(request):
        return JsonResponse({"detail": "Server error.", "code": "server_error"}, status=500)
    # No context processors: the failure may be in one of them.
    from django.template import loader

    return HttpResponse(loader.get_template("500.html").render(), status=500)
