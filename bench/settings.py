"""Bench-only settings: the project's, with `bench.urls` adding a bare endpoint beside the real ones.

    DJANGO_SETTINGS_MODULE=bench.settings .venv/bin/uvicorn govgrid.asgi:application

Not a benchmark itself: bench/run.py loads every bench/*.py and calls its main(), hence the empty one.
"""

from govgrid.settings import *  # noqa: F403

ROOT_URLCONF = "bench.urls"


def main() -> None:
    """Nothing to run: these are the settings bench/intake.py serves the app with."""
