import re

import pytest


@pytest.mark.django_db
def test_api_docs_load_only_local_assets(client):
    page = client.get("/api/docs/")
    assert page.status_code == 200
    html = page.content.decode()
    assets = re.findall(r"""(?:src|href)=["']([^"']+)""", html)
    assert assets and all(a.startswith("/") for a in assets), assets
    assert "<script>" not in html.replace(" ", "")  # the CSP forbids inline scripts


@pytest.mark.django_db
def test_openapi_schema_is_served(client):
    response = client.get("/api/schema/", HTTP_ACCEPT="application/json")
    assert response.status_code == 200
    assert response.json()["openapi"].startswith("3.")
