from django.db import models

from registry.common import TenantModel, choices_check, coordinates_checks
from registry.vocabulary import PartCategory, Powertrain


class VehicleModel(TenantModel):
    code = models.CharField(max_length=64)
    name = models.CharField(max_length=200)
    powertrain = models.CharField(max_length=4, choices=Powertrain.choices, default=Powertrain.BEV)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["code"]
        constraints = [
            models.UniqueConstraint(fields=["brand", "code"], name="vehicle_model_code_unique_in_brand"),
            choices_check("powertrain", Powertrain, name="vehicle_model_powertrain_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"


class Part(TenantModel):
    part_number = models.CharField(max_length=64)
    name = models.CharField(max_length=200)
    category = models.CharField(max_length=20, choices=PartCategory.choices)
    is_critical = models.BooleanField(default=False)
    # Vehicle model codes of the same brand; empty means the part fits every model.
    fits_models = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["part_number"]
        constraints = [
            models.UniqueConstraint(fields=["brand", "part_number"], name="part_number_unique_in_brand"),
            models.UniqueConstraint(fields=["brand", "id"], name="part_brand_id_unique"),
            choices_check("category", PartCategory, name="part_category_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.part_number} {self.name}"


class PartsDepot(TenantModel):
    market = models.ForeignKey("registry.Market", on_delete=models.PROTECT, related_name="depots")
    code = models.CharField(max_length=64)
    name = models.CharField(max_length=200)
    city = models.CharField(max_length=200, blank=True)
    latitude = models.FloatField()
    longitude = models.FloatField()
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    market_path = "market"

    class Meta:
        ordering = ["market_id", "code"]
        constraints = [
            models.UniqueConstraint(fields=["brand", "code"], name="depot_code_unique_in_brand"),
            models.UniqueConstraint(fields=["brand", "id"], name="depot_brand_id_unique"),
            *coordinates_checks("depot"),
            models.CheckConstraint(condition=~models.Q(market="CN"), name="depot_not_in_home_market"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"


class StockLevel(TenantModel):
    """Quantity of one part on hand in one depot. Brand, depot and part always agree: the
    services check it, and on PostgreSQL composite foreign keys (brand_id, depot_id) and
    (brand_id, part_id) enforce it (migration 0002)."""

    depot = models.ForeignKey(PartsDepot, on_delete=models.CASCADE, related_name="stock_levels")
    part = models.ForeignKey(Part, on_delete=models.PROTECT, related_name="stock_levels")
    quantity_on_hand = models.PositiveIntegerField(default=0)
    updated_at = models.DateTimeField()

    market_path = "depot__market"

    class Meta:
        ordering = ["depot_id", "part_id"]
        constraints = [
            models.UniqueConstraint(fields=["depot", "part"], name="stock_unique_depot_part"),
            models.CheckConstraint(condition=models.Q(quantity_on_hand__gte=0), name="stock_quantity_non_negative"),
        ]
        indexes = [models.Index(fields=["brand", "part"], name="stock_brand_part_idx")]

    def __str__(self) -> str:
        return f"{self.part_id} @ {self.depot_id}: {self.quantity_on_hand}"
