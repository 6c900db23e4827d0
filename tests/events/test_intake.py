"""`event_report`: the one intake of every channel. Refusals leave nothing behind; photos are
re-encoded without EXIF; numbers, idempotency keys, duplicate flags and on-the-spot resolution."""

import functools
import io
import math
import re

import pytest
from django.contrib.gis.geos import Point
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import ExifTags, Image

from events.choices import PhotoStage, Source, Status
from events.logchain import chain_problems
from events.models import Category, DailySequence, Event, EventLog, EventPhoto
from events.services import EventError, event_report
from events.uploads import MAX_BYTES

from .conftest import photo

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fast_passwords", "media_root")]

METRES_PER_DEGREE = 6371000 * math.pi / 180


def moved(point, *, north=0.0, east=0.0):
    """The point `north` and `east` metres away."""
    return Point(
        point.x + east / (METRES_PER_DEGREE * math.cos(math.radians(point.y))),
        point.y + north / METRES_PER_DEGREE,
        srid=4326,
    )


def counts():
    return (
        Event.objects.count(),
        EventPhoto.objects.count(),
        EventLog.objects.count(),
        list(DailySequence.objects.values_list("day", "last")),
    )


@pytest.fixture
def nothing_filed():
    """Assert, at the end of the `with` block, that the refused report left no trace."""

    class Check:
        def __enter__(self):
            self.before = counts()
            return self

        def __exit__(self, *exc):
            assert counts() == self.before
            return False

    return Check


def refuse(call, *, status=400, field=None):
    with pytest.raises(EventError) as excinfo:
        call()
    assert excinfo.value.status == status, excinfo.value.message
    assert excinfo.value.field == field, excinfo.value.message
    return excinfo.value


def jpeg_bytes(size=(64, 48), exif=None) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", size, (30, 140, 60)).save(buf, "JPEG", **({"exif": exif} if exif is not None else {}))
    return buf.getvalue()


@functools.lru_cache(maxsize=1)
def png_48_megapixels() -> bytes:
    """8000 × 6000 = 48 MP of one colour: a 1-bit PNG of ~17 kB."""
    buf = io.BytesIO()
    Image.new("1", (8000, 6000), 1).save(buf, "PNG")
    return buf.getvalue()


# --- validation ---------------------------------------------------------------------------------


def test_a_valid_report_is_filed_and_routed(report, grid, department, spot):
    event = report(phone="139 1234 5678", name="张三丰", address="新华街12号")
    stored = Event.objects.get(pk=event.pk)
    assert (stored.status, stored.grid, stored.category.code, stored.level) == (Status.REPORTED, grid, "0102", 3)
    assert (stored.suggested_department, stored.source, stored.address) == (department, "public_form", "新华街12号")
    assert (stored.reporter_name, stored.reporter_phone_masked) == ("张**", "139****5678")
    assert stored.reporter is None and stored.due_at is None and not stored.callback_required
    assert re.fullmatch(r"[A-HJ-NP-Z2-9]{10}", stored.tracking_code)
    row = stored.log.get()
    assert (row.seq, row.action, row.to_status, row.actor) == (1, "report", "reported", None)
    assert row.data == {"source": "public_form", "grid": grid.code, "category": "0102", "duplicate_of": None}


@pytest.mark.parametrize("code", ["9999", "01", "", "0102x"])
def test_unknown_or_major_class_category_is_refused(report, nothing_filed, code):
    with nothing_filed():
        refuse(lambda: report(category=code), field="category")


def test_an_inactive_category_is_refused(report, nothing_filed):
    Category.objects.filter(code="0102").update(active=False)
    with nothing_filed():
        refuse(lambda: report(category="0102"), field="category")


def test_unknown_source_is_refused(report, nothing_filed):
    with nothing_filed():
        refuse(lambda: report(source="fax"), field="source")


@pytest.mark.parametrize("description", ["", "   \n\t ", "字" * 4001])
def test_empty_or_too_long_description_is_refused(report, nothing_filed, description):
    with nothing_filed():
        refuse(lambda: report(description=description), field="description")


def test_a_description_of_exactly_4000_characters_is_accepted(report):
    assert len(report(description="字" * 4000).description) == 4000


def test_an_address_over_200_characters_is_refused(report, nothing_filed):
    with nothing_filed():
        refuse(lambda: report(address="路" * 201), field="address")


@pytest.mark.parametrize(
    "point",
    [
        Point(116.397, 39.909, srid=4326),  # Beijing
        Point(102.712, 25.040, srid=4326),  # Kunming city, outside both counties
        Point(0, 0, srid=4326),
    ],
)
def test_a_point_outside_the_counties_is_refused(report, nothing_filed, point):
    with nothing_filed():
        refuse(lambda: report(point=point), field="lat")


@pytest.mark.parametrize("phone", ["1391234567x", "1234", "12345678901234567", "+86-139-abcd", "电话13912345678"])
def test_a_bad_phone_is_refused(report, nothing_filed, phone):
    with nothing_filed():
        refuse(lambda: report(phone=phone), field="phone")


def test_a_phone_is_stored_encrypted_and_masked(report):
    event = report(phone="+86 139-1234-5678")
    assert event.reporter_phone_masked == "139****5678"  # +86 dropped
    assert "13912345678" not in event.reporter_phone_encrypted and event.reporter_phone_encrypted


# --- photos -------------------------------------------------------------------------------------


def test_six_photos_are_kept_re_encoded(report):
    event = report(photos=[photo(f"p{i}.png", fmt="PNG") for i in range(6)])
    photos = list(event.photos.all())
    assert len(photos) == 6 and {p.stage for p in photos} == {PhotoStage.REPORT}
    for stored in photos:
        assert stored.image.name.endswith(".jpg") and f"/{event.number}/report-" in stored.image.name
        with stored.image.open("rb") as f, Image.open(f) as image:
            assert (image.format, image.size) == ("JPEG", (64, 48))


def test_more_than_six_photos_are_refused(report, nothing_filed):
    with nothing_filed():
        refuse(lambda: report(photos=[photo(f"p{i}.jpg") for i in range(7)]), field="photos")


def test_before_and_after_photos_count_together(report, gridworker, nothing_filed):
    with nothing_filed():
        refuse(
            lambda: report(
                source=Source.WORKER,
                actor=gridworker,
                resolve_on_spot=True,
                result="已清理",
                photos=[photo() for _ in range(4)],
                after_photos=[photo() for _ in range(3)],
            ),
            field="photos",
        )


@pytest.mark.parametrize(
    "upload",
    [
        SimpleUploadedFile("scan.pdf", b"%PDF-1.4\n1 0 obj<<>>endobj\n%%EOF", content_type="application/pdf"),
        SimpleUploadedFile("photo.jpg", b"just some text, not a JPEG", content_type="image/jpeg"),
        SimpleUploadedFile("cut.jpg", jpeg_bytes((640, 480))[:300], content_type="image/jpeg"),  # truncated
        SimpleUploadedFile("empty.jpg", b"", content_type="image/jpeg"),
    ],
    ids=["pdf", "text", "truncated-jpeg", "empty"],
)
def test_a_non_image_upload_is_refused(report, nothing_filed, upload):
    with nothing_filed():
        refuse(lambda: report(photos=[photo("ok.jpg"), upload]), field="photos")


def test_an_image_over_10_mb_is_refused(report, nothing_filed):
    data = jpeg_bytes()
    data += b"\0" * (MAX_BYTES + 1 - len(data))  # a real JPEG, padded past the limit
    upload = SimpleUploadedFile("huge.jpg", data, content_type="image/jpeg")
    assert upload.size == MAX_BYTES + 1
    with nothing_filed():
        error = refuse(lambda: report(photos=[upload]), field="photos")
    assert "10 MB" in error.message


def test_an_image_over_40_megapixels_is_refused(report, nothing_filed):
    upload = SimpleUploadedFile("wide.png", png_48_megapixels(), content_type="image/png")
    assert upload.size < MAX_BYTES
    with nothing_filed():
        error = refuse(lambda: report(photos=[upload]), field="photos")
    assert "40" in error.message


def test_exif_and_gps_are_stripped(report):
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "SpyCam"
    exif[ExifTags.Base.Model] = "HomeFinder 3000"
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    gps.update(
        {
            ExifTags.GPS.GPSLatitudeRef: "N",
            ExifTags.GPS.GPSLatitude: (26.0, 52.0, 20.0),
            ExifTags.GPS.GPSLongitudeRef: "E",
            ExifTags.GPS.GPSLongitude: (100.0, 13.0, 50.0),
        }
    )
    data = jpeg_bytes(exif=exif)
    with Image.open(io.BytesIO(data)) as original:  # the upload really carries them
        assert original.getexif()[ExifTags.Base.Make] == "SpyCam"
        assert original.getexif().get_ifd(ExifTags.IFD.GPSInfo)[ExifTags.GPS.GPSLatitudeRef] == "N"

    event = report(photos=[SimpleUploadedFile("home.jpg", data, content_type="image/jpeg")])
    stored = event.photos.get()
    with stored.image.open("rb") as f:
        raw = f.read()
    with Image.open(io.BytesIO(raw)) as image:
        assert len(image.getexif()) == 0
        assert "exif" not in image.info
    assert b"SpyCam" not in raw and b"HomeFinder" not in raw and b"Exif\0\0" not in raw


def test_exif_orientation_is_applied_before_it_is_dropped(report):
    exif = Image.Exif()
    exif[ExifTags.Base.Orientation] = 6  # rotate 90° clockwise to view
    event = report(photos=[SimpleUploadedFile("r.jpg", jpeg_bytes((64, 48), exif=exif), content_type="image/jpeg")])
    with event.photos.get().image.open("rb") as f, Image.open(f) as image:
        assert image.size == (48, 64)


# --- numbers, idempotency, duplicates -----------------------------------------------------------


def test_numbers_are_the_local_date_and_four_increasing_digits(report):
    first, second, third = report(), report(), report()
    today = timezone.localdate().strftime("%Y%m%d")
    for event in (first, second, third):
        assert re.fullmatch(r"\d{12}", event.number) and event.number.startswith(today)
    assert [int(e.number[8:]) for e in (first, second, third)] == [int(first.number[8:]) + i for i in range(3)]
    assert DailySequence.objects.get(day=timezone.localdate()).last == int(third.number[8:])


def test_the_same_idempotency_key_files_one_case(spot):
    kwargs = {"source": Source.PUBLIC_API, "category": "0102", "description": "垃圾", "point": spot}
    event, created = event_report(idempotency_key="client-42-retry", **kwargs)
    again, created_again = event_report(idempotency_key="client-42-retry", **dict(kwargs, description="别的描述"))
    assert (created, created_again) == (True, False)
    assert again.pk == event.pk and again.description == "垃圾"
    assert Event.objects.count() == 1 and EventLog.objects.count() == 1
    other, created_other = event_report(idempotency_key="client-43", **kwargs)
    assert created_other and other.pk != event.pk and Event.objects.count() == 2


def test_an_over_long_idempotency_key_is_matched_on_its_first_80_characters(spot):
    kwargs = {"source": Source.PUBLIC_API, "category": "0102", "description": "垃圾", "point": spot}
    event, _ = event_report(idempotency_key="k" * 100, **kwargs)
    again, created = event_report(idempotency_key="k" * 100, **kwargs)
    assert (again.pk, created, event.idempotency_key) == (event.pk, False, "k" * 80)


@pytest.mark.parametrize("north, east", [(0, 0), (30, 0), (0, -40), (28, 28)])
def test_a_near_open_case_of_the_same_category_is_flagged_not_merged(report, spot, north, east):
    first = report()
    second = report(point=moved(spot, north=north, east=east))
    assert second.possible_duplicate_of == first
    assert (second.status, second.merged_into) == (Status.REPORTED, None)
    assert Event.objects.filter(status=Status.REPORTED).count() == 2
    assert second.log.get().data["duplicate_of"] == first.number


@pytest.mark.parametrize("north, east", [(60, 0), (0, 80), (40, 40)])  # 60 m, 80 m, 56.6 m
def test_a_case_more_than_50_m_away_is_not_flagged(report, spot, north, east):
    report()
    assert report(point=moved(spot, north=north, east=east)).possible_duplicate_of is None


def test_another_category_or_a_finished_case_is_not_flagged(report):
    first = report()
    assert report(category="0103").possible_duplicate_of is None
    Event.objects.filter(pk=first.pk).update(status=Status.CLOSED)
    assert report().possible_duplicate_of is None


def test_the_nearest_of_several_open_cases_is_flagged(report, spot):
    far = report(point=moved(spot, north=40))
    near = report(point=moved(spot, north=10))
    assert far.possible_duplicate_of is None  # 40 m from nothing yet
    assert near.possible_duplicate_of == far  # 30 m apart
    assert report(point=spot).possible_duplicate_of == near  # 10 m vs 40 m


# --- on-the-spot resolution (自处置) ------------------------------------------------------------


def on_the_spot(spot, actor, **kwargs):
    kwargs = {
        "source": Source.WORKER,
        "category": "0102",
        "description": "路口有垃圾",
        "point": spot,
        "actor": actor,
        "resolve_on_spot": True,
        "photos": [photo("before.jpg")],
        "after_photos": [photo("after.jpg")],
        "result": "已当场清理",
        **kwargs,
    }
    return event_report(**kwargs)


def test_a_grid_worker_resolves_on_the_spot(spot, gridworker):
    event, created = on_the_spot(spot, gridworker)
    assert created
    stored = Event.objects.get(pk=event.pk)
    assert (stored.status, stored.self_resolved, stored.result, stored.reporter) == (
        Status.CLOSED,
        True,
        "已当场清理",
        gridworker,
    )
    assert stored.accepted_at and stored.resolved_at and stored.closed_at
    assert sorted(stored.photos.values_list("stage", flat=True)) == ["after", "before"]
    assert stored.photos.get(stage="before").uploaded_by == gridworker
    rows = list(stored.log.order_by("seq").values_list("action", "from_status", "to_status", "actor", "data"))
    assert [r[:3] for r in rows] == [
        ("report", "", "reported"),
        ("accept", "reported", "accepted"),
        ("resolve", "accepted", "resolved"),
        ("close", "resolved", "closed"),
    ]
    assert {r[3] for r in rows} == {gridworker.pk}
    assert [r[4] for r in rows[1:]] == [{"on_the_spot": True}] * 3
    assert stored.log.get(action="resolve").note == "已当场清理"
    assert chain_problems(events=Event.objects.filter(pk=event.pk)) == []


def test_on_the_spot_is_refused_for_a_category_the_grid_may_not_resolve(spot, gridworker, nothing_filed):
    assert not Category.objects.get(code="0101").grid_can_resolve
    with nothing_filed():
        refuse(lambda: on_the_spot(spot, gridworker, category="0101"))


@pytest.mark.parametrize("who", ["other_worker", "neighbour_worker", "center", "public"])
def test_on_the_spot_is_refused_for_anyone_but_a_worker_of_the_grid(request, spot, nothing_filed, who):
    actor = None if who == "public" else request.getfixturevalue(who)
    with nothing_filed():
        refuse(lambda: on_the_spot(spot, actor), status=403)


@pytest.mark.parametrize(
    "missing", [{"photos": []}, {"after_photos": []}, {"result": "  "}], ids=["no-before", "no-after", "no-result"]
)
def test_on_the_spot_is_refused_without_photos_or_result(spot, gridworker, nothing_filed, missing):
    with nothing_filed():
        refuse(lambda: on_the_spot(spot, gridworker, **missing))


def test_a_worker_report_without_resolving_stays_reported(spot, gridworker):
    event, _ = on_the_spot(spot, gridworker, resolve_on_spot=False, after_photos=[], result="")
    assert (event.status, event.self_resolved, event.reporter) == (Status.REPORTED, False, gridworker)
    assert list(event.photos.values_list("stage", flat=True)) == ["report"]
