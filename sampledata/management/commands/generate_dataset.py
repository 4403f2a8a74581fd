from django.core.management.base import BaseCommand, CommandError

from sampledata.synthetic.plan import counts_at_scale
from sampledata.synthetic.write import BATCH_SIZE, GenerationRefused, generate_dataset


def _scale(value: str) -> float:
    scale = float(value)
    if not 0 < scale <= 10:
        raise ValueError(value)
    return scale


class Command(BaseCommand):
    help = (
        "Fill an empty database with a synthetic data set at the scale of the Global Terrorism Database: at --scale 1, "
        "5,000 groups, 50,000 aliases, 20,000 relationships, 250,000 attacks and their attributions, 100,000 sources and "
        "500,000 citations, each with its history. The same seed and scale always give the same rows. For development and "
        "load tests only: it refuses production settings and a database that holds curated records."
    )

    def add_arguments(self, parser):
        parser.add_argument("--seed", type=int, default=7, help="Seed of the random choices (default 7).")
        parser.add_argument("--scale", type=_scale, default=1.0, help="Share of the full counts, above 0 and up to 10 (default 1).")
        parser.add_argument("--batch-size", type=int, default=BATCH_SIZE, help=f"Rows per insert (default {BATCH_SIZE}).")

    def handle(self, *args, seed: int, scale: float, batch_size: int, **options):
        counts = ", ".join(f"{count:,} {name}" for name, count in counts_at_scale(scale).items())
        self.stdout.write(f"Generating seed {seed}, scale {scale:g}: {counts}.")
        try:
            report = generate_dataset(seed=seed, scale=scale, batch_size=batch_size, progress=self.stdout.write)
        except GenerationRefused as error:
            raise CommandError(f"Nothing was written. {error}") from error
        total = sum(report.rows.values())
        self.stdout.write(self.style.SUCCESS(f"Wrote {total:,} rows and {total:,} history rows in {report.seconds['total']:.1f} s."))
