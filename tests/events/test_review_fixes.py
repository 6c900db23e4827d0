"""Problems a reviewer met using the cases workflow as its users do; each test would have caught one."""

import pytest

from events.models import Event

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fast_passwords")]


# --- 1. a worker filing a case outside their own grid lands on something they can see ------------


def test_a_worker_reporting_outside_their_grid_lands_on_their_inbox_with_where_it_went(
    client, other_worker, spot, grid
):
    client.force_login(other_worker)
    response = client.post(
        "/m/report/",
        {"category": "0102", "description": "路边垃圾", "lat": spot.y, "lng": spot.x, "idempotency_key": "k-outside"},
        follow=True,
    )
    event = Event.objects.get(idempotency_key="k-outside")
    assert event.grid == grid
    assert response.status_code == 200
    assert response.redirect_chain[-1][0] == "/m/"
    html = response.content.decode()
    assert event.number in html and grid.name in html and grid.code in html


def test_a_worker_reporting_in_their_own_grid_lands_on_the_case(client, gridworker, spot):
    client.force_login(gridworker)
    response = client.post(
        "/m/report/",
        {"category": "0102", "description": "路边垃圾", "lat": spot.y, "lng": spot.x, "idempotency_key": "k-own"},
        follow=True,
    )
    event = Event.objects.get(idempotency_key="k-own")
    assert response.status_code == 200
    assert response.redirect_chain[-1][0] == f"/m/cases/{event.number}/"


def test_the_report_form_offers_the_grid_of_the_point(client, gridworker):
    client.force_login(gridworker)
    html = client.get("/m/report/").content.decode()
    assert 'id="gps-grid"' in html and "/api/v1/grids/locate/" in html
