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


def invitation_accept(request: HttpRequest, token: str = "") -> HttpResponse:
    """Accept a brand invitation by choosing a username and password (single use, 7 days)."""
    from django.contrib import messages
    from django.contrib.auth import login
    from django.core.exceptions import ValidationError
    from django.shortcuts import redirect

    from portal.forms import InvitationAcceptForm
    from registry.errors import NotFound
    from registry.tenancy.services import invitation_accept as accept
    from registry.tenancy.services import invitation_for_token

    try:
        invitation = invitation_for_token(token)
    except NotFound as exc:
        return render(request, "registration/invitation_invalid.html", {"message": exc.message}, status=404)
    form = InvitationAcceptForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            membership = accept(
                token=token, username=form.cleaned_data["username"], password=form.cleaned_data["password1"]
            )
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                form.add_error("password1" if field == "password" else field if field in form.fields else None, errors)
        except NotFound as exc:
            return render(request, "registration/invitation_invalid.html", {"message": exc.message}, status=404)
        else:
            login(request, membership.user, backend="django.contrib.auth.backends.ModelBackend")
            messages.success(request, f"Welcome to {membership.brand.name}.")
            return redirect("portal:home")
    return render(request, "registration/invitation_accept.html", {"form": form, "invitation": invitation})
