"""Demo data for `make run`: the real divisions of 古城区 (Lijiang), about 620 unit grids, their
staff, and one account per role with a jurisdiction. Passwords are printed by the command."""

from dataclasses import dataclass
from pathlib import Path

from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group, User
from django.db import transaction

from dispatch.demo import demo_departments_create
from grids.choices import MemberRole
from grids.demo import demo_grid_staff_create
from grids.models import Grid
from grids.services import divisions_import, membership_create
from services.demo import demo_service_points_create

from . import permissions as p

DEMO_PASSWORD = "govgrid-demo"
DEMO_COUNTY = "530702"
DATA = Path(__file__).resolve().parent.parent / "grids" / "data"


@dataclass(frozen=True)
class DemoUser:
    username: str
    full_name: str
    role: str
    grid: str = ""  # jurisdiction (membership grid code)
    seat: str = ""


DEMO_USERS = [
    DemoUser("admin", "系统管理员", p.ADMIN),
    DemoUser("center", "古城区指挥中心 值班员", p.COMMAND_CENTER, "530702", MemberRole.COMMAND_SEAT),
    DemoUser("dayan", "大研街道综治中心 值班员", p.COMMAND_CENTER, "530702002", MemberRole.COMMAND_SEAT),
    DemoUser("worker", "网格员 李丽", p.GRID_WORKER, "530702002001001", MemberRole.FULL_TIME),
    DemoUser("clerk", "区城管局 王强", p.DEPARTMENT_STAFF, "530702", MemberRole.DEPARTMENT_SEAT),
    DemoUser("party", "区委组织部 和红", p.PARTY_ORGANISER, "530702", MemberRole.PARTY_SEAT),
]


def demo_county_import() -> None:
    divisions_import(
        csv_text=(DATA / f"{DEMO_COUNTY}.csv").read_text(encoding="utf-8"),
        boundary_text=(DATA / f"{DEMO_COUNTY}.boundary.geojson").read_text(encoding="utf-8"),
        grids_per_community=(8, 11),
        seed=1,
    )


@transaction.atomic
def demo_users_create() -> list[User]:
    """Create (or reset) the demo accounts and their seats; idempotent."""
    users = []
    password = make_password(DEMO_PASSWORD)
    for demo in DEMO_USERS:
        user, _ = User.objects.get_or_create(username=demo.username)
        user.first_name = demo.full_name
        user.is_staff = user.is_superuser = demo.role == p.ADMIN
        user.password = password
        user.save()
        user.groups.add(Group.objects.get(name=demo.role))
        if demo.grid:
            membership_create(
                actor=None, user=user, grid=Grid.objects.get(code=demo.grid), role=demo.seat, phone="13900000000"
            )
        users.append(user)
    demo_grid_staff_create(root_code=DEMO_COUNTY, password_hash=password)
    demo_departments_create(county_code=DEMO_COUNTY, clerk=User.objects.get(username="clerk"))
    return users


@transaction.atomic
def demo_create() -> None:
    from party.demo import demo_party_create

    demo_county_import()
    demo_users_create()
    demo_party_create(password_hash=make_password(DEMO_PASSWORD))
    demo_service_points_create(county_code=DEMO_COUNTY)
