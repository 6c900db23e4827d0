"""Roster import from xlsx: every row checked first, row-level messages, all or nothing;
duplicate ID numbers (in the sheet, or already on any roster) refused."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook

from party import services
from party.models import PartyMember
from party.services import ImportRejected, PartyError

from .conftest import GRID, OTHER_COMMUNITY, id_number

pytestmark = pytest.mark.django_db

HEADER = ["姓名", "手机", "身份证号", "所在党组织", "居住网格", "类别", "工作单位", "特长", "服务类型"]


def sheet(rows, header=HEADER) -> SimpleUploadedFile:
    book = Workbook()
    ws = book.active
    ws.append(header)
    for row in rows:
        ws.append(row)
    out = io.BytesIO()
    book.save(out)
    return SimpleUploadedFile("roster.xlsx", out.getvalue())


def good_row(n, org="新华第1网格党支部", grid=GRID, kind="在册"):
    return [f"党员{n}", f"1390000{n:04d}", id_number(n), org, grid, kind, "", "电工", "repair,elderly"]


def test_a_good_sheet_imports_every_row(organiser, tree):
    rows = [good_row(1), good_row(2, kind="在职报到")[:6] + ["古城区教育局", "", ""], good_row(3, kind="流动")]
    members = services.members_import(actor=organiser, upload=sheet(rows))
    assert len(members) == 3
    serving = PartyMember.objects.get(name="党员2")
    assert (serving.kind, serving.work_unit_name) == ("serving", "古城区教育局")
    one = PartyMember.objects.get(name="党员1")
    assert one.phone_masked == "139****0001" and one.service_types == "repair,elderly"
    assert one.id_hash == services.id_hash(id_number(1))


def test_bad_rows_are_each_named_and_nothing_is_saved(organiser, tree, make_member):
    existing = make_member("m-existing", org=tree["xinyi_branch"], home=OTHER_COMMUNITY + "001", id_number=id_number(9))
    bad_check = id_number(4)[:-1] + ("0" if id_number(4)[-1] != "0" else "1")
    rows = [
        good_row(1),
        good_row(2)[:2] + [bad_check] + good_row(2)[3:],  # row 3: check digit wrong
        good_row(3)[:3] + ["没有这个支部"] + good_row(3)[4:],  # row 4: unknown organisation
        good_row(4)[:4] + ["999999999999999"] + good_row(4)[5:],  # row 5: unknown grid
        good_row(1)[:1] + ["13900009999", id_number(1)] + good_row(1)[3:],  # row 6: same ID as row 2
        good_row(9),  # row 7: ID already on the roster of another organisation
        good_row(5, kind="在职报到"),  # row 8: serving member without a work unit
        good_row(6)[:8] + ["flying"],  # row 9: unknown service type
    ]
    with pytest.raises(ImportRejected) as rejected:
        services.members_import(actor=organiser, upload=sheet(rows))
    assert [row for row, _ in rejected.value.problems] == [3, 4, 5, 6, 7, 8, 9]
    assert "新义第1网格党支部" in dict(rejected.value.problems)[7]
    assert list(PartyMember.objects.values_list("pk", flat=True)) == [existing.pk]


def test_rows_outside_the_organisers_jurisdiction_are_refused(other_organiser, tree):
    with pytest.raises(ImportRejected) as rejected:
        services.members_import(actor=other_organiser, upload=sheet([good_row(1)]))
    assert [row for row, _ in rejected.value.problems] == [2]
    assert not PartyMember.objects.exists()


def test_a_file_that_is_not_a_workbook_is_refused(organiser):
    with pytest.raises(PartyError) as refused:
        services.members_import(actor=organiser, upload=SimpleUploadedFile("x.xlsx", b"not a workbook"))
    assert refused.value.field == "file"
    with pytest.raises(PartyError) as no_header:
        services.members_import(actor=organiser, upload=sheet([good_row(1)], header=["a", "b"]))
    assert "name" in no_header.value.message


def test_the_api_answers_400_with_each_bad_row(client, organiser, tree):
    client.force_login(organiser)
    bad = client.post("/api/v1/party/members/import/", {"file": sheet([good_row(1), good_row(1)])})
    assert bad.status_code == 400
    assert bad.json()["problems"] == [{"row": 3, "message": bad.json()["problems"][0]["message"]}]
    assert not PartyMember.objects.exists()
    good = client.post("/api/v1/party/members/import/", {"file": sheet([good_row(1), good_row(2)])})
    assert good.status_code == 201 and good.json() == {"imported": 2}
    assert client.post("/api/v1/party/members/import/", {}).status_code == 400


def test_the_page_shows_the_bad_rows(client, organiser, tree):
    client.force_login(organiser)
    response = client.post("/party/members/import/", {"file": sheet([good_row(1), good_row(1)])}, follow=True)
    assert response.status_code == 200 and b'data-row="3"' in response.content
    assert not PartyMember.objects.exists()
