"""Demo grid staff: a grid chief and a full-time worker on every unit grid, with made-up names
and phone numbers (139 0000 xxxx, a range no real subscriber holds)."""

import random

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import transaction

from govgrid.permissions import GRID_WORKER

from .choices import Level, MemberRole
from .models import Grid, Membership

SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕和木杨"
GIVEN = "丽华明军秀英芳敏静强磊洋艳勇杰娟涛超霞平刚桂兰玉珍春梅海燕建国志红文斌金凤永福德才云贵"


def _name(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2))))


@transaction.atomic
def demo_grid_staff_create(*, root_code: str, password_hash: str, seed: int = 1) -> int:
    """Create the staff of every unit grid under `root_code` (idempotent); returns how many seats."""
    User = get_user_model()
    rng = random.Random(seed)
    grids = list(Grid.objects.filter(code__startswith=root_code, level=Level.GRID).order_by("code"))
    wanted = []
    for grid in grids:
        for prefix, role, on_duty in (("c", MemberRole.GRID_CHIEF, False), ("w", MemberRole.FULL_TIME, True)):
            wanted.append(
                (f"{prefix}{grid.code}", _name(rng), grid, role, on_duty, f"1390000{rng.randrange(10000):04d}")
            )
    existing = set(User.objects.filter(username__in=[w[0] for w in wanted]).values_list("username", flat=True))
    User.objects.bulk_create(
        [User(username=u, first_name=n, password=password_hash) for u, n, *_ in wanted if u not in existing]
    )
    users = {u.username: u for u in User.objects.filter(username__in=[w[0] for w in wanted])}
    seated = set(Membership.objects.filter(grid__in=grids).values_list("user__username", "grid_id", "role"))
    Membership.objects.bulk_create(
        [
            Membership(user=users[u], grid=g, role=r, on_duty=d, phone=p)
            for u, _, g, r, d, p in wanted
            if (u, g.pk, r) not in seated
        ]
    )
    group = Group.objects.get(name=GRID_WORKER)
    group.user_set.add(*users.values())
    return len(wanted)
