from django.http import HttpRequest

from registry.tenancy.access import access_for


def audience(request: HttpRequest) -> dict:
    """Which of the three audiences the signed-in user belongs to, for the header's links."""
    access = access_for(getattr(request, "user", None))
    return {
        "is_official": access.is_official,
        "is_brand_member": bool(access.grants),
    }
