import pytest
from django.contrib.auth.models import User
from django.core.management import call_command

from govgrid.demo import DEMO_PASSWORD, DEMO_USERS
from grids.choices import Level
from grids.models import Grid, Membership
from grids.selectors import user_jurisdiction

pytestmark = pytest.mark.django_db


def test_seed_demo_staffs_every_unit_grid_and_gives_each_role_a_jurisdiction(capsys):
    call_command("seed_demo")
    out = capsys.readouterr().out
    assert DEMO_PASSWORD in out and "worker" in out
    unit_grids = Grid.objects.filter(code__startswith="530702", level=Level.GRID, active_to__isnull=True)
    seats = Membership.objects.filter(grid__in=unit_grids)
    assert seats.filter(role="grid_chief").values("grid").distinct().count() == unit_grids.count()
    assert seats.filter(role="full_time").values("grid").distinct().count() == unit_grids.count()
    for demo in DEMO_USERS:
        user = User.objects.get(username=demo.username)
        assert user.check_password(DEMO_PASSWORD)
        assert user.groups.filter(name=demo.role).exists()
        assert user_jurisdiction(user) == ((demo.grid,) if demo.grid else ("",))
    # Running it again changes nothing.
    count = User.objects.count()
    call_command("seed_demo")
    assert User.objects.count() == count


def test_seed_demo_if_empty_leaves_existing_data_alone(capsys, dispatcher):
    call_command("seed_demo", if_empty=True)
    assert "left as it is" in capsys.readouterr().out
    assert not User.objects.filter(username="center").exists()
