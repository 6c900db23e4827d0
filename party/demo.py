"""Demo party data for 大研街道 of the demo county: the organisation tree of two communities on
their grids, about thirty members (registered, serving members reporting in from three units,
mobile), co-building lists and a project, wishes at every step, an activity, some service hours.
Made-up names; phones in 139 0001 xxxx (no real subscriber); ID numbers with valid check digits
for made-up people. The demo member account `member` is linked to the first member."""

import random
from datetime import timedelta
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils import timezone

from grids.models import Grid

from . import services
from .choices import ActivityKind, ItemKind, MemberKind, OrgKind, UnitKind
from .models import PartyMember, PartyOrg

TOWNSHIP = "530702002"  # 大研街道
COMMUNITIES = ("530702002001", "530702002002")  # 新华社区, 新义社区
SURNAMES = "和木杨李王张赵周段习牛杜"
GIVEN = "文志国丽红华明秀英建云春军芳兰玉海德"
UNITS = [
    ("古城区人民医院", UnitKind.INSTITUTION, ["义诊和健康讲座"]),
    ("丽江古城供电局", UnitKind.ENTERPRISE, ["楼道电线检修"]),
    ("古城区教育局", UnitKind.ORGAN, ["周末学生辅导"]),
]


def demo_id_number(rng: random.Random) -> str:
    born = f"{rng.randrange(1955, 2000)}{rng.randrange(1, 13):02d}{rng.randrange(1, 29):02d}"
    body = f"530702{born}{rng.randrange(1000):03d}"
    total = sum(int(d) * w for d, w in zip(body, services.ID_WEIGHTS, strict=True))
    return body + services.ID_CHECK[total % 11]


def _photo():
    import io

    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", (320, 240), (200, 60, 40)).save(buf, "JPEG")
    return SimpleUploadedFile("done.jpg", buf.getvalue(), content_type="image/jpeg")


@transaction.atomic
def demo_party_create(*, password_hash: str, seed: int = 7) -> int:
    """Create the demo party data once (idempotent: does nothing when the township's committee
    exists); returns how many members were created."""
    User = get_user_model()
    if PartyOrg.objects.filter(grid__code=TOWNSHIP, kind=OrgKind.WORKING_COMMITTEE).exists():
        return 0
    rng = random.Random(seed)
    organiser = User.objects.get(username="party")
    worker = User.objects.get(username="worker")
    grids = {g.code: g for g in Grid.objects.filter(code__startswith=TOWNSHIP, level__lte=15)}
    top = services.org_create(
        actor=None,
        name="中共大研街道工作委员会",
        kind=OrgKind.WORKING_COMMITTEE,
        grid=grids[TOWNSHIP],
        secretary="和建国",
    )
    branches = []
    for code in COMMUNITIES:
        community = grids[code]
        short = community.name.replace("居委会", "")
        committee = services.org_create(
            actor=None, name=f"中共{short}委员会", kind=OrgKind.COMMUNITY_COMMITTEE, parent=top, grid=community
        )
        unit_grids = sorted(c for c in grids if c.startswith(code) and len(c) == 15)[:4]
        for n, grid_code in enumerate(unit_grids, start=1):
            branch = services.org_create(
                actor=None, name=f"{short}第{n}网格党支部", kind=OrgKind.BRANCH, parent=committee, grid=grids[grid_code]
            )
            branches.append(branch)
            if n <= 2:
                group = services.org_create(
                    actor=None, name=f"{short}第{n}网格1号楼党小组", kind=OrgKind.GROUP, parent=branch
                )
                services.org_create(
                    actor=None, name=f"{short}第{n}网格党员中心户", kind=OrgKind.HOUSEHOLD, parent=group
                )
    units = []
    for name, kind, resources in UNITS:
        unit = services.unit_create(
            actor=None,
            name=name,
            kind=kind,
            community=grids[COMMUNITIES[0]],
            contact_name=rng.choice(SURNAMES) + rng.choice(GIVEN),
            contact_phone=f"1390001{rng.randrange(10000):04d}",
            reported_on=timezone.localdate() - timedelta(days=200),
            co_building=kind != UnitKind.ORGAN,
            agreement_from=timezone.localdate() - timedelta(days=200),
            agreement_to=timezone.localdate() + timedelta(days=165),
        )
        units.append(unit)
        for title in resources:
            services.item_create(actor=None, kind=ItemKind.RESOURCE, community=unit.community, unit=unit, title=title)
    need = services.item_create(
        actor=None,
        kind=ItemKind.NEED,
        community=grids[COMMUNITIES[0]],
        title="老旧小区楼道线路老化",
        description="3 栋楼道照明时好时坏",
    )
    services.item_create(actor=None, kind=ItemKind.NEED, community=grids[COMMUNITIES[0]], title="独居老人定期体检")
    services.project_match(
        actor=organiser,
        need=need,
        resource=units[1].items.first(),
        owner="木志华",
        starts_on=timezone.localdate() - timedelta(days=30),
        ends_on=timezone.localdate() + timedelta(days=60),
    )

    members = []
    types = ["elderly", "repair", "health", "children", "errands", "legal", "environment"]
    for i in range(30):
        branch = branches[i % len(branches)]
        kind = MemberKind.SERVING if i % 4 == 1 else (MemberKind.MOBILE if i in (7, 19) else MemberKind.REGISTERED)
        unit = units[i % 3] if kind == MemberKind.SERVING else None
        members.append(
            services.member_create(
                actor=None,
                name=rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2)))),
                org=branch,
                home_grid=branch.grid,
                phone=f"1390001{rng.randrange(10000):04d}",
                id_number=demo_id_number(rng),
                kind=kind,
                work_unit=unit,
                skills=rng.choice(["电工", "护理", "法律咨询", "辅导功课", "理发", ""]),
                service_types=",".join(rng.sample(types, 2)),
            )
        )
    member_user, _ = User.objects.get_or_create(username="member", defaults={"first_name": "党员 和志华"})
    member_user.password = password_hash
    member_user.save(update_fields=["password"])
    first = members[0]
    first.name, first.user = "和志华", member_user
    first.save(update_fields=["name", "user"])

    # Some service the community recorded this year, so the evaluation sheet has something to show.
    today = timezone.localdate()
    for member in members[:20]:
        for _n in range(rng.randrange(1, 5)):
            services.record_add(
                actor=organiser,
                member=member,
                hours=Decimal(rng.randrange(2, 17)) / 2,
                on=today - timedelta(days=rng.randrange(0, 120)),
                note=rng.choice(["巷道清扫", "入户走访独居老人", "疫苗接种引导", "古城防火巡查", "垃圾分类宣传"]),
            )
    services.record_add(actor=organiser, unit=units[0], hours=6, on=today - timedelta(days=20), note="社区义诊")

    home = first.home_grid
    posted = [
        ("帮忙修一下家里漏水的水龙头", "repair"),
        ("想请人陪我去医院复查", "elderly"),
        ("孩子暑假数学辅导", "children"),
        ("帮忙代买降压药", "errands"),
    ]
    wishes = [
        services.wish_post(
            actor=None,
            grid=home,
            title=t,
            service_type=s,
            resident_name="木秀英",
            phone="13900018888",
            address="新华街 18 号 2 单元 301",
        )
        for t, s in posted
    ]
    services.wish_dispatch(actor=organiser, wish=wishes[1], member=first)
    services.wish_claim(actor=member_user, wish=wishes[2])
    services.wish_claim(actor=member_user, wish=wishes[3])
    services.wish_complete(actor=member_user, wish=wishes[3], note="已代买并送到家中", hours="1.5", photo=_photo())
    services.wish_confirm(actor=worker, wish=wishes[3], rating=5, comment="很及时")
    services.wish_post(
        actor=worker, grid=grids["530702002001001"], title="楼下路灯不亮了，想请党员帮忙联系", resident_name="杨丽"
    )

    start = timezone.localtime().replace(hour=9, minute=0, second=0, microsecond=0) + timedelta(days=5)
    activity = services.activity_create(
        actor=organiser,
        title="主题党日：古城巷道清洁行动",
        kind=ActivityKind.THEME_DAY,
        community=grids[COMMUNITIES[0]],
        starts_at=start,
        ends_at=start + timedelta(hours=3),
        hours="3",
        place="新华社区党群服务中心",
        capacity=30,
        org=top,
    )
    from .models import ActivitySignup

    ActivitySignup.objects.bulk_create([ActivitySignup(activity=activity, member=m) for m in members[1:6]])
    return PartyMember.objects.count()
