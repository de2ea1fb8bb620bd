from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from registry.common import choices_check
from registry.vocabulary import Role


class Brand(models.Model):
    """The tenant: a car maker that exports (DESIGN.md §2)."""

    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=60, unique=True)
    # These three are changed by officials only (the services enforce it).
    annual_export_volume = models.PositiveIntegerField(default=0)
    own_brand = models.BooleanField(default=True)
    wmi_codes = models.JSONField(default=list, blank=True, help_text=_("VIN manufacturer identifiers (3 characters)"))
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(condition=models.Q(annual_export_volume__gte=0), name="brand_volume_non_negative"),
        ]

    def __str__(self) -> str:
        return self.name


class Membership(models.Model):
    """A user's role in one brand, optionally limited to some markets (a country manager)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    brand = models.ForeignKey(Brand, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=10, choices=Role.choices)
    # Empty means every market of the brand.
    markets = models.ManyToManyField("registry.Market", blank=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["brand__name", "user__username"]
        constraints = [
            models.UniqueConstraint(fields=["user", "brand"], name="membership_unique_user_brand"),
            choices_check("role", Role, name="membership_role_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.user} in {self.brand} ({self.role})"


class Invitation(models.Model):
    """A single-use e-mail invitation to join a brand; only a hash of the token is stored."""

    brand = models.ForeignKey(Brand, on_delete=models.CASCADE, related_name="invitations")
    email = models.EmailField()
    role = models.CharField(max_length=10, choices=Role.choices)
    markets = models.ManyToManyField("registry.Market", blank=True, related_name="+")
    token_hash = models.CharField(max_length=64, unique=True)
    invited_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-created_at"]
        constraints = [choices_check("role", Role, name="invitation_role_valid")]

    def __str__(self) -> str:
        return f"{self.email} → {self.brand}"
