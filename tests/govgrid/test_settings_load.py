"""Settings load in each configuration, checked in a fresh interpreter with only that environment."""

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
LONG_SECRET = secrets.token_urlsafe(60)


def clean_env(**extra) -> dict:
    """This process's environment without any GovGrid setting, plus `extra`."""
    from django.conf import settings

    env = {k: v for k, v in os.environ.items() if k not in settings.ENV_VARS}
    env.update(extra, DJANGO_SETTINGS_MODULE="govgrid.settings")
    return env


def run(env_extra: dict, code: str) -> subprocess.CompletedProcess:
    env = clean_env(**env_extra)
    return subprocess.run(
        [sys.executable, "-c", "import django; django.setup(); from django.conf import settings; " + code],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_default_is_spatialite_with_in_memory_layers():
    out = run(
        {"DEBUG": "1"},
        "print(settings.DATABASES['default']['ENGINE'], settings.CHANNEL_LAYERS['default']['BACKEND'],"
        " settings.CELERY_TASK_ALWAYS_EAGER)",
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == [
        "django.contrib.gis.db.backends.spatialite",
        "channels.layers.InMemoryChannelLayer",
        "True",
    ]


def test_postgis_and_redis_urls_select_the_production_backends():
    out = run(
        {"DEBUG": "1", "DATABASE_URL": "postgis://gg:pw@db.example:5433/govgrid", "REDIS_URL": "redis://cache:6379/2"},
        "d = settings.DATABASES['default']; print(d['ENGINE'], d['HOST'], d['PORT'], d['NAME'],"
        " settings.CHANNEL_LAYERS['default']['BACKEND'], settings.CELERY_BROKER_URL, settings.CELERY_TASK_ALWAYS_EAGER,"
        " settings.CACHES['default']['BACKEND'])",
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == [
        "django.contrib.gis.db.backends.postgis",
        "db.example",
        "5433",
        "govgrid",
        "channels_redis.core.RedisChannelLayer",
        "redis://cache:6379/2",
        "False",
        "django.core.cache.backends.redis.RedisCache",
    ]


def test_production_without_secret_key_refuses_to_start():
    out = run({"DEBUG": "0"}, "print('started')")
    assert out.returncode != 0
    assert "SECRET_KEY must be set" in out.stderr


def test_non_spatial_database_url_is_refused():
    out = run({"DEBUG": "1", "DATABASE_URL": "sqlite:///tmp/x.sqlite3"}, "print('started')")
    assert out.returncode != 0
    assert "spatialite:// or postgis://" in out.stderr


def test_production_settings_pass_the_deploy_check():
    env = clean_env(SECRET_KEY=LONG_SECRET, DEBUG="0")
    out = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert out.returncode == 0, out.stdout + out.stderr
    assert "no issues" in out.stdout


@pytest.mark.parametrize(
    "name", ["SECRET_KEY", "DATABASE_URL", "REDIS_URL", "ALLOWED_HOSTS", "MAP_TILE_URL", "TIME_ZONE"]
)
def test_env_example_lists_the_design_variables(name):
    lines = (ROOT / ".env.example").read_text().splitlines()
    assert any(line.lstrip("# ").startswith(name + "=") for line in lines)


def test_env_example_lists_exactly_what_settings_read():
    from django.conf import settings

    documented = {
        line.lstrip("# ").split("=", 1)[0]
        for line in (ROOT / ".env.example").read_text().splitlines()
        if "=" in line and not line.startswith("##")
    }
    assert documented == settings.ENV_VARS
