from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from govgrid.models import Heartbeat


class Command(BaseCommand):
    help = "Exit non-zero unless Celery beat and a worker recorded a heartbeat recently (container health)."

    def add_arguments(self, parser):
        parser.add_argument("--max-age", type=int, default=180, help="seconds")

    def handle(self, *args, max_age, **options):
        beat = Heartbeat.objects.filter(name="celery").first()
        if beat is None:
            raise CommandError("No heartbeat recorded yet.")
        age = (timezone.now() - beat.at).total_seconds()
        if age > max_age:
            raise CommandError(f"Last heartbeat {age:.0f} s ago (limit {max_age} s).")
        self.stdout.write(f"Heartbeat {age:.0f} s ago from {beat.hostname or '?'}.")
