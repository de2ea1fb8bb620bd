"""The registry's models live in sub-packages by area; Django discovers them here."""

from registry.audit.models import AuditEntry
from registry.coverage.models import CoveragePolicy, CoverageReport
from registry.geography.models import Market, PopulationCentre
from registry.network.models import ServiceCentre
from registry.parts.models import Part, PartsDepot, StockLevel, VehicleModel
from registry.tenancy.models import Brand, Invitation, Membership

__all__ = [
    "AuditEntry",
    "Brand",
    "CoveragePolicy",
    "CoverageReport",
    "Invitation",
    "Market",
    "Membership",
    "Part",
    "PartsDepot",
    "PopulationCentre",
    "ServiceCentre",
    "StockLevel",
    "VehicleModel",
]
