from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from grids.importer import DivisionsError
from grids.services import divisions_import


def count_range(value: str) -> tuple[int, int]:
    """`10` or `8-11` (a seeded count in that range for each community)."""
    try:
        low, _, high = value.partition("-")
        low_n, high_n = int(low), int(high or low)
    except ValueError:
        raise CommandError(f"--grids-per-community: expected N or MIN-MAX, got {value!r}") from None
    if not 0 <= low_n <= high_n <= 999:
        raise CommandError("--grids-per-community: need 0 <= MIN <= MAX <= 999")
    return low_n, high_n


class Command(BaseCommand):
    help = (
        "Build or update the grid tree from a divisions CSV (code,name,parent_code,level) and a "
        "boundary GeoJSON. Where no boundary is given, each parent is partitioned among its children "
        "(Voronoi cells, marked generated). Boundary coordinates are stored as WGS 84 (EPSG:4326) as "
        "given: sources derived from Chinese web maps may be GCJ-02, offset by up to a few hundred "
        "metres. Deterministic for a seed, idempotent, and all-or-nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument("csv", type=Path)
        parser.add_argument("--boundary", type=Path, required=True, help="GeoJSON FeatureCollection")
        parser.add_argument("--grids-per-community", default="0", help="N or MIN-MAX unit grids per community")
        parser.add_argument("--micro-grids", type=int, default=0, help="micro-grids per unit grid")
        parser.add_argument("--seed", type=int, default=1)

    def handle(self, *args, **opts):
        texts = []
        for path in (Path(opts["csv"]), Path(opts["boundary"])):
            try:
                texts.append(path.read_text(encoding="utf-8"))
            except (OSError, UnicodeDecodeError) as exc:
                raise CommandError(f"{path}: {exc}") from None
        try:
            report = divisions_import(
                csv_text=texts[0],
                boundary_text=texts[1],
                grids_per_community=count_range(opts["grids_per_community"]),
                micro_grids=opts["micro_grids"],
                seed=opts["seed"],
            )
        except DivisionsError as exc:
            raise CommandError("Nothing imported:\n  " + "\n  ".join(exc.problems)) from None
        levels = ", ".join(f"{n} at level {level}" for level, n in sorted(report.by_level.items()))
        r = report
        self.stdout.write(
            self.style.SUCCESS(
                f"Grids: {r.created} created, {r.updated} updated, {r.unchanged} unchanged, "
                f"{r.retired} retired ({levels})."
            )
        )
