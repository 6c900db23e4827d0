"""A task queued through real Redis runs in a real Celery worker and writes to the real database."""

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from govgrid.models import Heartbeat
from govgrid.tasks import heartbeat

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.integration


def database_url_of_test_db() -> str:
    s = connection.settings_dict
    auth = s["USER"] + (f":{s['PASSWORD']}" if s["PASSWORD"] else "") + "@" if s["USER"] else ""
    return f"postgis://{auth}{s['HOST'] or 'localhost'}:{s['PORT'] or 5432}/{s['NAME']}"


@pytest.fixture
def celery_worker_process(transactional_db):
    assert not settings.CELERY_TASK_ALWAYS_EAGER, "integration tests need REDIS_URL"
    env = dict(os.environ, DATABASE_URL=database_url_of_test_db())
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "govgrid",
            "worker",
            "--pool",
            "solo",
            "--loglevel",
            "INFO",
            "--hostname",
            f"itest-{os.getpid()}@%h",
            "--without-gossip",
            "--without-mingle",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    yield proc
    proc.terminate()
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()


def test_task_runs_in_a_real_worker(celery_worker_process):
    assert connection.vendor == "postgresql"
    assert not Heartbeat.objects.exists()
    heartbeat.delay()
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not Heartbeat.objects.filter(name="celery").exists():
        assert celery_worker_process.poll() is None, celery_worker_process.stdout.read()
        time.sleep(0.3)
    beat = Heartbeat.objects.get(name="celery")
    assert beat.hostname  # written by the worker process, not by this one
