import time

from django.core.management.base import BaseCommand, CommandError

from govgrid.demo import DEMO_COUNTY


class Command(BaseCommand):
    help = (
        "Keep the demo county alive: new cases through the day, workers handling them and walking "
        "their grids. Run beside `make run`; stop with Ctrl-C."
    )

    def add_arguments(self, parser):
        parser.add_argument("--rate", type=float, default=60.0, help="new cases an hour on average (default 60)")
        parser.add_argument("--county", default=DEMO_COUNTY, help="county code (default: the demo county)")
        parser.add_argument(
            "--history", type=int, default=0, help="first fill this many past days (only if none has cases yet)"
        )
        parser.add_argument("--per-day", type=int, default=40, help="cases a day in the history (default 40)")
        parser.add_argument("--interval", type=float, default=2.0, help="seconds between steps (default 2)")
        parser.add_argument("--duration", type=float, default=0, help="stop after this many seconds (0: never)")
        parser.add_argument("--seed", type=int, default=None)

    def handle(self, *args, rate, county, history, per_day, interval, duration, seed, **options):
        from dispatch.simulation import Simulation

        if rate < 0 or rate > 36000 or interval <= 0 or history < 0 or history > 366 or per_day < 0:
            raise CommandError("Use --rate 0–36000, --interval > 0, --history 0–366 and --per-day ≥ 0.")
        try:
            sim = Simulation(county=county, seed=seed)
        except ValueError as exc:
            raise CommandError(str(exc)) from None
        if history and sim.has_history():
            self.stdout.write("The county already has cases from earlier days: no history added.")
        elif history:
            self.stdout.write(f"Filling {history} past days (about {per_day} cases a day)…")
            made = sim.history(days=history, per_day=per_day)
            self.stdout.write(f"  {made} cases in the history.")
        self.stdout.write(f"Simulating {county} at about {rate:g} cases an hour; Ctrl-C stops.")
        started = time.monotonic()
        try:
            while not duration or time.monotonic() - started < duration:
                t0 = time.monotonic()
                done = sim.tick(seconds=interval, rate_per_hour=rate)
                if done["reported"] or done["stepped"]:
                    self.stdout.write(f"  +{done['reported']} new, {done['stepped']} steps, {done['moved']} moved")
                time.sleep(max(0.0, interval - (time.monotonic() - t0)))
        except KeyboardInterrupt:
            self.stdout.write("Stopped.")
