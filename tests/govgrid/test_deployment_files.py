"""docker compose cannot run here (no Docker engine), so its file is checked for what it promises."""

import re
from pathlib import Path

import yaml
from django.conf import settings

ROOT = Path(__file__).resolve().parents[2]


def compose():
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def test_compose_runs_the_production_shaped_stack():
    services = compose()["services"]
    assert set(services) == {"db", "redis", "web", "worker", "beat"}
    assert "postgis" in services["db"]["image"]
    for name, service in services.items():
        assert service.get("healthcheck", {}).get("test"), f"{name} has no health check"
    assert "migrate" in services["web"]["command"]
    assert "uvicorn.workers.UvicornWorker" in services["web"]["command"]
    assert "worker" in services["worker"]["command"] and "beat" in services["beat"]["command"]
    assert services["web"]["depends_on"]["db"]["condition"] == "service_healthy"


def test_compose_volumes_are_named_and_declared():
    data = compose()
    declared = set(data["volumes"])
    used = {v.split(":")[0] for s in data["services"].values() for v in s.get("volumes", [])}
    assert used and used <= declared
    assert {"pgdata", "redisdata", "media"} <= declared


def test_compose_passes_only_variables_the_settings_read():
    for name, service in compose()["services"].items():
        if name in ("db", "redis"):
            continue
        passed = set(service["environment"])
        assert passed <= settings.ENV_VARS, passed - settings.ENV_VARS
        assert {"DATABASE_URL", "REDIS_URL", "SECRET_KEY"} <= passed
        assert service["environment"]["DATABASE_URL"].startswith("postgis://")


def test_dockerfile_installs_gdal_and_the_pinned_requirements():
    text = (ROOT / "Dockerfile").read_text()
    assert "gdal-bin" in text and "pip install --no-cache-dir -r requirements.txt" in text


def test_requirements_are_pinned():
    for file in ("requirements.txt", "requirements-dev.txt"):
        for line in (ROOT / file).read_text().splitlines():
            line = line.split("#")[0].strip()
            if line and not line.startswith("-r"):
                assert re.match(r"^[A-Za-z0-9_.\-\[\]]+==[\w.]+$", line), f"{file}: {line} is not pinned"


def test_no_page_loads_anything_from_the_internet():
    offenders = []
    for folder in ("templates", "static/css", "static/js"):
        for path in (ROOT / folder).rglob("*"):
            if path.is_file() and path.suffix in (".html", ".css", ".js"):
                for match in re.finditer(r"""(?:src|href|url)\s*[=(]\s*["']?(https?:)?//""", path.read_text()):
                    offenders.append(f"{path.relative_to(ROOT)}: {match.group(0)}")
    assert not offenders


def test_vendored_assets_are_listed_with_licences():
    readme = (ROOT / "static/vendor/README.md").read_text()
    for folder in (ROOT / "static/vendor").iterdir():
        if folder.is_dir():
            assert (folder / "LICENSE").exists(), folder.name
            assert f"`{folder.name}/" in readme, folder.name
