"""GovGrid project package: settings, routing, Celery app and the core helpers every app uses."""

from .celery import app as celery_app

__all__ = ("celery_app",)
