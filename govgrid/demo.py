"""Demo accounts for `make run`: one per role, with passwords printed by the command and README."""

from dataclasses import dataclass

from django.contrib.auth.models import Group, User
from django.db import transaction

from . import permissions as p

DEMO_PASSWORD = "govgrid-demo"


@dataclass(frozen=True)
class DemoUser:
    username: str
    full_name: str
    role: str


DEMO_USERS = [
    DemoUser("admin", "系统管理员", p.ADMIN),
    DemoUser("center", "区指挥中心 值班员", p.COMMAND_CENTER),
    DemoUser("worker", "网格员 李丽", p.GRID_WORKER),
    DemoUser("clerk", "部门办事员 王强", p.DEPARTMENT_STAFF),
    DemoUser("party", "党组织书记 和红", p.PARTY_ORGANISER),
]


@transaction.atomic
def demo_users_create() -> list[User]:
    """Create (or reset) the demo accounts; idempotent."""
    users = []
    for demo in DEMO_USERS:
        user, _ = User.objects.get_or_create(username=demo.username)
        user.first_name = demo.full_name
        user.is_staff = demo.role == p.ADMIN
        user.is_superuser = demo.role == p.ADMIN
        user.set_password(DEMO_PASSWORD)
        user.save()
        user.groups.add(Group.objects.get(name=demo.role))
        users.append(user)
    return users
