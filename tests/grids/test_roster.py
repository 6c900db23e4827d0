import pytest
from django.contrib.auth.models import User
from django.core.files.uploadedfile import SimpleUploadedFile

from grids.models import Membership

pytestmark = pytest.mark.django_db
GRID = "530702002001001"
URL = f"/grids/{GRID}/roster/"


def upload(text: str, encoding="utf-8"):
    return {"file": SimpleUploadedFile("roster.csv", text.encode(encoding), content_type="text/csv")}


def test_roster_import_seats_workers(client, county_center):
    client.force_login(county_center)
    csv_text = "username,name,role,phone\nzhang3,张三,专职网格员,13900001234\nli4,李四,building_head,\n"
    response = client.post(URL, upload(csv_text), follow=True)
    assert "已为" in response.content.decode()
    seats = {
        (m.user.username, m.role, m.phone) for m in Membership.objects.filter(grid__code=GRID).select_related("user")
    }
    assert {("zhang3", "full_time", "13900001234"), ("li4", "building_head", "")} <= seats
    new_user = User.objects.get(username="zhang3")
    assert not new_user.has_usable_password() and new_user.groups.filter(name="grid_worker").exists()
    # The grid page lists them with a tap-to-call link.
    page = client.get(f"/grids/{GRID}/").content.decode()
    assert 'href="tel:13900001234"' in page and "张三" in page


@pytest.mark.parametrize(
    "csv_text, message",
    [
        ("username,name,role,phone\nok1,甲,full_time,139\nbad user,乙,full_time,\n", "第 3 行：用户名为空"),
        ("username,name,role,phone\nok1,甲,captain,\n", "第 2 行：未知角色"),
        ("username,name,role,phone\nok1,甲,full_time,call me\n", "不是电话号码"),
        ("username,name,phone\nok1,甲,139\n", "缺少列 role"),
        ("username,name,role,phone\n", "文件中没有人员"),
    ],
)
def test_bad_rosters_save_nothing(client, county_center, csv_text, message):
    client.force_login(county_center)
    before = Membership.objects.count()
    response = client.post(URL, upload(csv_text), follow=True)
    assert message in response.content.decode()
    assert "未导入任何内容" in response.content.decode()
    assert Membership.objects.count() == before
    assert not User.objects.filter(username="ok1").exists()


def test_non_utf8_and_oversized_files_are_refused(client, county_center):
    client.force_login(county_center)
    response = client.post(URL, upload("username,name,role,phone\nx,张三,full_time,\n", "gbk"), follow=True)
    assert "不是 UTF-8" in response.content.decode()
    big = "username,name,role,phone\n" + "x,y,full_time,\n" * 80000
    assert "超过 1 MB" in client.post(URL, upload(big), follow=True).content.decode()


def test_only_command_center_may_import(client, worker):
    from tests.conftest import seat

    seat(worker, GRID, "full_time")
    client.force_login(worker)
    assert client.post(URL, upload("username,name,role,phone\nx,y,full_time,\n")).status_code == 403
    assert "导入人员名单" not in client.get(f"/grids/{GRID}/").content.decode()
