"""Demo service points for the demo county: a 便民服务中心 in every township, a 党群服务中心 (urban
community) or 便民服务站 (village) in every community, the county's government service hall, and
some red stations (红色驿站), community canteens, 24-hour libraries and clinics. Points sit on grid
label points (always inside their grid), so every one is inside the deployment; each still goes
through `service_point_create`, which checks that. Phone numbers are made up (0888-00xxxxx: no
Lijiang number starts with 00)."""

from django.db import transaction

from grids.choices import Kind, Level
from grids.models import Grid

from .catalogue import catalogue_seed
from .choices import ItemCategory, PointKind
from .models import ServiceItem, ServicePoint
from .services import service_point_create

RURAL_GAPS = {ItemCategory.EMPLOYMENT, ItemCategory.VETERANS, ItemCategory.HOUSEHOLD, ItemCategory.DISABILITY}
OFFICE = "Mon-Fri 09:00-12:00,14:30-18:00"  # Yunnan's office hours
STATION = "Mon-Fri 09:00-12:00,14:30-18:00; Sat 09:00-12:00"
EXTRAS = [  # (kind, name pattern, hours, other services)
    (PointKind.RED_STATION, "{community}红色驿站", "Daily 08:00-20:00", "饮水、充电、休息、应急药箱、雨伞借用"),
    (PointKind.CANTEEN, "{community}长者食堂", "Daily 07:00-09:00,11:00-13:00,17:00-19:00", "老年人助餐、送餐上门"),
    (PointKind.CLINIC, "{community}卫生服务站", "Daily 08:00-20:00", "基本医疗、慢病随访、预防接种"),
    (PointKind.LIBRARY, "{community}24小时城市书房", "24/7", "借阅、自习、免费无线网络"),
]


def short_name(name: str) -> str:
    for suffix in ("居民委员会", "村民委员会", "居委会", "村委会"):
        if name.endswith(suffix):
            return name[: -len(suffix)]
    return name


@transaction.atomic
def demo_service_points_create(*, county_code: str) -> int:
    """Create the demo points under `county_code` (idempotent: existing names are kept)."""
    catalogue_seed()
    existing = set(ServicePoint.objects.values_list("name", flat=True))
    township_items = list(ServiceItem.objects.filter(active=True, at_township=True))
    village_items = list(ServiceItem.objects.filter(active=True, at_community=True))
    # Village stations in the countryside do the everyday social items; urban centres do them all.
    rural_items = [i for i in village_items if i.category not in RURAL_GAPS]
    county_items = list(ServiceItem.objects.filter(active=True, at_county=True))
    counter = 0

    def add(name, kind, grid, hours, items=(), services="", address=""):
        nonlocal counter
        counter += 1
        if name in existing:
            return
        service_point_create(
            actor=None,
            name=name,
            kind=kind,
            point=grid.label_point,
            hours_text=hours,
            address=address or name,
            phone=f"0888-00{counter:05d}",
            services_text=services,
            items=items,
        )

    county = Grid.objects.get(code=county_code)
    townships = list(Grid.objects.filter(code__startswith=county_code, level=Level.TOWNSHIP).order_by("code"))
    first_units = {}
    for grid in Grid.objects.filter(code__startswith=county_code, level=Level.GRID).order_by("code"):
        first_units.setdefault(grid.code[:12], []).append(grid)
    hall_grid = first_units[min(first_units)][-1]
    add(
        f"{county.name}政务服务中心",
        PointKind.COUNTY_HALL,
        hall_grid,
        OFFICE + "; Sat 09:00-12:00",
        county_items,
        "综合窗口、不动产登记、税务、公安户政、医保社保",
        f"{county.name}政务服务中心（{hall_grid.name}）",
    )
    for township in townships:
        add(
            f"{township.name}便民服务中心",
            PointKind.TOWNSHIP_CENTRE,
            township,
            OFFICE,
            township_items,
            "社保医保、民政救助、计生、就业、残联",
            f"{county.name}{township.name}",
        )
        communities = Grid.objects.filter(parent=township, level=Level.COMMUNITY).order_by("code")
        for index, community in enumerate(communities):
            short = short_name(community.name)
            urban = community.kind == Kind.COMMUNITY or short.endswith("社区")
            kind = PointKind.PARTY_CENTRE if urban else PointKind.COMMUNITY_STATION
            suffix = "党群服务中心" if urban else "便民服务站"
            add(
                f"{short}{suffix}",
                kind,
                community,
                STATION,
                village_items if urban else rural_items,
                "代办帮办、政策咨询、自助终端",
                f"{township.name}{short}",
            )
            units = first_units.get(community.code, [])
            extra = EXTRAS[index % len(EXTRAS)] if urban else EXTRAS[(index % 2) * 2]
            if len(units) > 1 and (urban or index % 2 == 0):
                kind, pattern, hours, services = extra
                add(pattern.format(community=short), kind, units[1], hours, (), services, f"{township.name}{short}")
    return counter
