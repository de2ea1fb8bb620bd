"""The fixed vocabularies of DESIGN.md §3, defined once.

Models build their choices and check constraints from these; validators and serializers
use the same tuples, so a word added here is accepted everywhere at once.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    ADMIN = "admin", _("Admin")
    EDITOR = "editor", _("Editor")
    VIEWER = "viewer", _("Viewer")


# What each role may do, in increasing order of power.
ROLE_RANK = {Role.VIEWER: 1, Role.EDITOR: 2, Role.ADMIN: 3}


class CentreKind(models.TextChoices):
    BRAND_OWNED = "brand_owned", _("Brand-owned")
    AUTHORIZED_PARTNER = "authorized_partner", _("Authorised partner")
    MOBILE_UNIT = "mobile_unit", _("Mobile unit")


class CentreStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    ACTIVE = "active", _("Active")
    SUSPENDED = "suspended", _("Suspended")
    CLOSED = "closed", _("Closed")


class LocationPrecision(models.TextChoices):
    EXACT = "exact", _("Exact")
    CITY = "city", _("City (approximate)")


class Capability(models.TextChoices):
    EV_HIGH_VOLTAGE = "ev_high_voltage", _("EV high-voltage work")
    BATTERY_REPAIR = "battery_repair", _("Battery repair")
    BODY_REPAIR = "body_repair", _("Body repair")
    DIAGNOSTICS = "diagnostics", _("Diagnostics")
    WARRANTY_REPAIRS = "warranty_repairs", _("Warranty repairs")
    SOFTWARE_UPDATES = "software_updates", _("Software updates")
    ROADSIDE_ASSISTANCE = "roadside_assistance", _("Roadside assistance")


class PartCategory(models.TextChoices):
    BATTERY_MODULE = "battery_module", _("Battery module")
    DRIVE_MOTOR = "drive_motor", _("Drive motor")
    POWER_ELECTRONICS = "power_electronics", _("Power electronics")
    CHARGING = "charging", _("Charging")
    BRAKES = "brakes", _("Brakes")
    SUSPENSION = "suspension", _("Suspension")
    BODY = "body", _("Body")
    GLASS = "glass", _("Glass")
    LIGHTING = "lighting", _("Lighting")
    THERMAL = "thermal", _("Thermal")
    ADAS_SENSOR = "adas_sensor", _("ADAS sensor")
    OTHER = "other", _("Other")


class Powertrain(models.TextChoices):
    BEV = "bev", _("Battery electric")
    PHEV = "phev", _("Plug-in hybrid")


HOME_MARKET = "CN"
