"""Demo departments for the demo county: county bureaus for every owner type of the catalogue, and
township stations for the types that work on the ground."""

from django.db import transaction

from grids.choices import Level
from grids.models import Grid

from .choices import DepartmentLevel
from .models import Department, DepartmentMember

COUNTY_NAMES = {
    "综合行政执法": "综合行政执法局",
    "环境卫生": "环境卫生管理站",
    "公安交警": "公安交警大队",
    "公安派出所": "公安分局",
    "司法所": "司法局",
    "住房城乡建设": "住房和城乡建设局",
    "供排水": "供排水公司",
    "供电": "供电局",
    "城市照明": "路灯管理所",
    "园林绿化": "园林绿化管理所",
    "市场监督管理": "市场监督管理局",
    "民政": "民政局",
    "生态环境": "生态环境分局",
    "自然资源": "自然资源分局",
    "林业和草原": "林业和草原局",
    "交通运输": "交通运输局",
    "消防救援": "消防救援大队",
    "教育": "教育体育局",
    "体育": "文化和旅游体育局",
    "人力资源社会保障": "人力资源和社会保障局",
    "综治中心": "社会治安综合治理中心",
    "便民服务中心": "政务服务管理局",
}
TOWNSHIP_TYPES = {"综合行政执法": "综合执法中队", "环境卫生": "环卫所", "司法所": "司法所", "公安派出所": "派出所"}


@transaction.atomic
def demo_departments_create(*, county_code: str, clerk=None) -> int:
    county = Grid.objects.get(code=county_code)
    count = 0
    for dtype, name in COUNTY_NAMES.items():
        Department.objects.get_or_create(
            type=dtype,
            area=county,
            defaults={"name": f"{county.name}{name}", "level": DepartmentLevel.COUNTY, "phone": "0888-5100000"},
        )
        count += 1
    for township in Grid.objects.filter(parent=county, level=Level.TOWNSHIP):
        for dtype, name in TOWNSHIP_TYPES.items():
            Department.objects.get_or_create(
                type=dtype,
                area=township,
                defaults={"name": f"{township.name}{name}", "level": DepartmentLevel.TOWNSHIP},
            )
            count += 1
    if clerk is not None:
        for dtype in ("综合行政执法", "环境卫生"):
            DepartmentMember.objects.get_or_create(
                department=Department.objects.get(type=dtype, area=county), user=clerk, defaults={"is_head": True}
            )
    return count
