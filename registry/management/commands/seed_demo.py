"""``manage.py seed_demo``: the demo world (three brands in six markets) and its demo users."""

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from registry.demo import DemoError, seed_demo
from registry.errors import Forbidden, NotFound


class Command(BaseCommand):
    help = (
        "Create three fictional brands with service networks, parts, depots and stock in KE, TH, DE, MX, CL and AU, "
        "built around the loaded GeoNames places, plus a demo user for every role. Writes through the services "
        "(audited as command:seed_demo). Idempotent: a second run creates nothing. Needs load_geodata first."
    )

    def handle(self, *args, **options):
        try:
            result = seed_demo()
        except DemoError as exc:
            raise CommandError(str(exc))
        except ValidationError as exc:
            raise CommandError(f"The demo data was refused: {' '.join(exc.messages)}")
        except (Forbidden, NotFound) as exc:
            raise CommandError(f"The demo data was refused: {exc}")

        if result.created:
            made = ", ".join(f"{n:,} {what}" for what, n in result.created.items())
            self.stdout.write(self.style.SUCCESS(f"Created {made}."))
        else:
            self.stdout.write(self.style.SUCCESS("The demo data is already complete; nothing was created."))

        self.stdout.write("\nCoverage under the default policy (150 km, 80 % population, 90 % critical parts):")
        self._table(
            ["brand", "market", "volume", "scenario", "centres", "population %", "passes", "failing"],
            [
                [
                    row.brand,
                    row.market,
                    f"{row.volume:,}",
                    row.scenario,
                    f"{row.qualifying_centres}/{row.required_centres}",
                    f"{row.population_coverage_pct:.1f}",
                    "yes" if row.passed else "no",
                    ", ".join(row.failing),
                ]
                for row in result.summary
            ],
        )

        self.stdout.write("\nDemo users (development-only passwords; never seed a production database):")
        self._table(
            ["username", "password", "role", "brand", "markets"],
            [[u.username, u.password, u.role, u.brand, ",".join(u.markets) or ""] for u in result.users],
        )

    def _table(self, header: list[str], rows: list[list[str]]) -> None:
        widths = [max(len(str(cell)) for cell in column) for column in zip(header, *rows, strict=False)]
        for line in [header, ["-" * w for w in widths], *rows]:
            self.stdout.write("  ".join(str(cell).ljust(w) for cell, w in zip(line, widths, strict=True)).rstrip())
