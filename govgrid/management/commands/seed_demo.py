from django.contrib.auth.models import User
from django.core.management.base import BaseCommand

from govgrid.demo import DEMO_PASSWORD, DEMO_USERS, demo_create


class Command(BaseCommand):
    help = "Load the demo county (古城区) with its grids and staff, and one account per role. Idempotent."

    def add_arguments(self, parser):
        parser.add_argument("--if-empty", action="store_true", help="Do nothing when any user exists.")

    def handle(self, *args, if_empty=False, **options):
        if if_empty and User.objects.exists():
            self.stdout.write("Database already has users; demo data left as it is.")
            return
        demo_create()
        self.stdout.write(self.style.SUCCESS(f"Demo accounts (password for all: {DEMO_PASSWORD}):"))
        for demo in DEMO_USERS:
            self.stdout.write(f"  {demo.username:<8} {demo.role:<17} {demo.grid:<16} {demo.full_name}")
        self.stdout.write("  Every unit grid also has a chief c<grid code> and a worker w<grid code>.")
