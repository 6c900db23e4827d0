from django.core.management.base import BaseCommand, CommandError

from grids.checks import grid_problems


class Command(BaseCommand):
    help = "Report sibling overlaps, children outside their parent, gaps and code/parent mismatches."

    def add_arguments(self, parser):
        parser.add_argument("--within", default="", help="check only this code's subtree")
        parser.add_argument("--tolerance", type=float, default=1e-4, help="share of the parent's area ignored")

    def handle(self, *args, within, tolerance, **options):
        problems = grid_problems(within=within, tolerance=tolerance)
        for problem in problems:
            self.stdout.write(problem)
        if problems:
            raise CommandError(f"{len(problems)} problem(s) in the grid tree.")
        self.stdout.write(self.style.SUCCESS("Grid tree is consistent."))
