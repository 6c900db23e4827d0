from django.core.management.base import BaseCommand, CommandError

from events.logchain import chain_problems
from events.models import Event


class Command(BaseCommand):
    help = "Verify the hash chain of every case log: detects edited, deleted or inserted rows."

    def add_arguments(self, parser):
        parser.add_argument("--number", help="check one case")

    def handle(self, *args, number=None, **options):
        events = Event.objects.filter(number=number) if number else Event.objects.all()
        problems = chain_problems(events=events)
        for problem in problems:
            self.stdout.write(problem)
        if problems:
            raise CommandError(f"{len(problems)} problem(s) in case logs.")
        self.stdout.write(self.style.SUCCESS(f"Case logs intact ({events.count()} cases)."))
