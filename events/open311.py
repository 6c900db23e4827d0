"""Open311 GeoReport v2 (http://wiki.open311.org/GeoReport_v2) under /open311/v2/.

Categories are the services (`group` is the major class, `metadata` is true where a category has
extra questions); cases are the service requests, `service_request_id` being the case number.
Filing goes through `events.services.event_report`, the intake of every channel, so routing,
departments and deadlines apply as they do to a resident's report. Every resource answers in
XML (`.xml`) and JSON (`.json`, the Spark convention); errors are the spec's `errors` list with
404 for what does not exist, 403 for a missing or wrong `api_key`, 400 for everything else.

What GET answers never contain: the reporter's name, phone, e-mail or account, the tracking code,
notes of staff. Cases about people (disputes, public security, livelihood services) and cases
entered by staff from hotline calls and petitions show no description or location; other
descriptions have long digit runs (phone and ID numbers) masked.
"""

import math
import re
from datetime import UTC, datetime, time, timedelta
from functools import wraps
from xml.etree.ElementTree import Element, SubElement, tostring

from django.contrib.gis.geos import Point
from django.db.models import F, Value
from django.http import HttpResponse, JsonResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.csrf import csrf_exempt

from govgrid import ratelimit
from govgrid.apikeys import ApiKeyError, api_key_check
from govgrid.models import ApiKey
from grids.models import Grid

from .attributes import LISTS, localized
from .choices import OPEN_STATUSES, CategoryKind, LimitUnit, Source, Status
from .models import Category, Event
from .services import EventError, event_report, point_from

SPECIFICATION = "http://wiki.open311.org/GeoReport_v2"
# When the shape of this API last changed (discovery's `changeset`).
CHANGESET = "2026-11-22T00:00:00+08:00"
CONTENT_TYPES = {"json": "application/json; charset=utf-8", "xml": "text/xml; charset=utf-8"}
WINDOW = timedelta(days=90)
MAX_RESULTS = 1000
MAX_IDS = 200
READ_RATE = 1200  # GET requests per client address per hour
# Kinds of problems in public space: their requests show description and location.
PUBLIC_KINDS = {CategoryKind.EVENT, CategoryKind.COMPONENT}
# Channels whose descriptions are the reporter's own words about a place, not a clerk's notes of a call.
PUBLIC_SOURCES = {Source.PUBLIC_FORM, Source.PUBLIC_API, Source.OPEN311, Source.WORKER, Source.SENSOR}
LONG_DIGITS = re.compile(r"\d[\d\s-]{5,}[\dXx]")
# XML element of each item of a list (the Spark convention maps JSON arrays this way).
ITEM_TAGS = {
    "services": "service",
    "service_requests": "request",
    "errors": "error",
    "attributes": "attribute",
    "values": "value",
    "endpoints": "endpoint",
    "formats": "format",
}


class Open311Error(Exception):
    """An error answered in the spec's format; `status` is 400, 403, 404, 405 or 429."""

    def __init__(self, status: int, description: str):
        super().__init__(description)
        self.status, self.description = status, description


# --- rendering ----------------------------------------------------------------------------------


# Characters XML 1.0 cannot carry (control characters, lone surrogates, U+FFFE/U+FFFF): dropped.
XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def _xml_add(parent, tag: str, value) -> None:
    element = SubElement(parent, tag)
    if value is None:
        return
    if isinstance(value, bool):
        element.text = "true" if value else "false"
    elif isinstance(value, dict):
        for key, item in value.items():
            _xml_add(element, key, item)
    elif isinstance(value, list):
        for item in value:
            _xml_add(element, ITEM_TAGS[tag], item)
    else:
        element.text = XML_INVALID.sub("", str(value))


def render(fmt: str, root: str, data, *, status: int = 200) -> HttpResponse:
    """`data` as JSON, or as XML under the element `root` (a list: one child per item)."""
    if fmt == "json":
        response = JsonResponse(data, safe=False, status=status, json_dumps_params={"ensure_ascii": False})
        response["Content-Type"] = CONTENT_TYPES["json"]
        return response
    element = Element(root)
    for key, value in data.items() if isinstance(data, dict) else ((ITEM_TAGS[root], v) for v in data):
        _xml_add(element, key, value)
    body = '<?xml version="1.0" encoding="utf-8"?>\n' + tostring(element, encoding="unicode")
    return HttpResponse(body.encode(), status=status, content_type=CONTENT_TYPES["xml"])


def error(fmt: str, status: int, description: str) -> HttpResponse:
    response = render(fmt, "errors", [{"code": status, "description": description}], status=status)
    if status == 405:
        response["Allow"] = "GET, POST" if description.endswith("requests") else "GET"
    return response


def open311_view(*methods: str):
    """Check the method and `jurisdiction_id`, and answer every refusal in the spec's format."""

    def decorate(view):
        @wraps(view)
        def wrapper(request, *args, fmt: str, **kwargs):
            try:
                if request.method not in methods:
                    raise Open311Error(405, _("Method %(method)s is not allowed here.") % {"method": request.method})
                if request.method == "GET" and not ratelimit.hit(
                    f"open311:{ratelimit.client_ip(request)}", limit=READ_RATE, window=3600
                ):
                    raise Open311Error(429, _("Too many requests from your address; try again later."))
                if _has_null(kwargs.values(), request.GET, request.POST if request.method == "POST" else {}):
                    raise Open311Error(400, _("Null characters are not allowed."))
                jurisdiction = _jurisdiction(request)
                return view(request, *args, fmt=fmt, jurisdiction=jurisdiction, **kwargs)
            except Open311Error as exc:
                return error(fmt, exc.status, exc.description)
            except EventError as exc:
                # The intake's 403 (a rule about who may do what) is not about the api_key: 400.
                return error(fmt, 404 if exc.status == 404 else 400, _field_message(exc))

        return wrapper

    return decorate


def _has_null(path_values, *query_dicts) -> bool:
    """A NUL anywhere in the input (PostgreSQL cannot store it): refused as bad input."""
    texts = [str(v) for v in path_values]
    for data in query_dicts:
        for key, values in data.lists() if hasattr(data, "lists") else ():
            texts += [key, *values]
    return any("\x00" in t for t in texts)


def _field_message(exc: EventError) -> str:
    return f"{exc.field}: {exc.message}" if exc.field else exc.message


def _param(request, name: str, limit: int = 200) -> str:
    data = request.POST if request.method == "POST" else request.GET
    value = data.get(name, "") or (request.GET.get(name, "") if request.method == "POST" else "")
    return value.strip()[:limit]


def _jurisdiction(request) -> Grid | None:
    """The root grid named by `jurisdiction_id` (its code), or None when none is given.

    The endpoint serves every root grid of the platform; a client may name one to stay inside it."""
    code = _param(request, "jurisdiction_id", 50)
    if not code:
        return None
    grid = (
        Grid.objects.filter(code=code, parent__isnull=True, active_to__isnull=True).first() if code.isdigit() else None
    )
    if grid is None:
        raise Open311Error(404, _("jurisdiction_id %(id)s was not found.") % {"id": code[:20]})
    return grid


def _iso(value: datetime | None) -> str | None:
    return timezone.localtime(value).isoformat(timespec="seconds") if value else None


# --- services -----------------------------------------------------------------------------------


def _services():
    return (
        Category.objects.filter(active=True, parent__isnull=False, parent__active=True)
        .select_related("parent")
        .order_by("code")
    )


def _service(code: str) -> Category:
    code = (code or "").strip()
    category = _services().filter(code=code[:8]).first() if code else None
    if category is None:
        raise Open311Error(404, _("service_code %(code)s was not found.") % {"code": code[:20]})
    return category


def service_notice(category: Category) -> str | None:
    """What the reporter may expect: the category's time limit once the case is accepted."""
    hours = category.limit_hours
    if not hours:
        return None
    if category.limit_unit == LimitUnit.WORK_DAYS:
        return _("Handled within %(n)s working days once accepted.") % {"n": math.ceil(hours / 24)}
    if category.limit_unit == LimitUnit.EMERGENCY_HOURS:
        return _("Handled within %(n)s hours, day and night, once accepted.") % {"n": hours}
    return _("Handled within %(n)s working hours once accepted.") % {"n": hours}


def _service_json(category: Category) -> dict:
    words = [category.name, category.name_en, category.parent.name, category.parent.name_en, category.department_type]
    return {
        "service_code": category.code,
        "service_name": category.label,
        "description": service_notice(category),
        "metadata": bool(category.attributes),
        "type": "realtime",
        "keywords": ", ".join(dict.fromkeys(w for w in words if w)),
        "group": category.parent.label,
    }


DATATYPE_HELP = {
    "number": gettext_lazy("A number, e.g. 3"),
    "datetime": gettext_lazy("ISO 8601 with time zone, e.g. 2026-11-22T08:30:00+08:00"),
    "singlevaluelist": gettext_lazy("One of the keys in values"),
    "multivaluelist": gettext_lazy("One or more of the keys in values: attribute[CODE][]=key"),
}


def _attribute_json(definition: dict) -> dict:
    item = {
        "variable": True,
        "code": definition["code"],
        "datatype": definition["datatype"],
        "required": definition["required"],
        "datatype_description": str(DATATYPE_HELP[definition["datatype"]])
        if definition["datatype"] in DATATYPE_HELP
        else None,
        "order": definition["order"],
        "description": localized(definition, "description"),
    }
    if definition["datatype"] in LISTS:
        item["values"] = [{"key": v["key"], "name": localized(v, "name")} for v in definition["values"]]
    return item


@open311_view("GET")
def discovery(request, *, fmt, jurisdiction):
    url = request.build_absolute_uri("/open311/v2").rstrip("/")
    return render(
        fmt,
        "discovery",
        {
            "changeset": CHANGESET,
            "contact": _("Ask the administrators of this GovGrid platform."),
            "key_service": _("API keys are issued by the platform administrators."),
            "endpoints": [
                {
                    "specification": SPECIFICATION,
                    "url": url,
                    "changeset": CHANGESET,
                    "type": "production",
                    "formats": ["text/xml", "application/json"],
                }
            ],
        },
    )


@open311_view("GET")
def services(request, *, fmt, jurisdiction):
    return render(fmt, "services", [_service_json(c) for c in _services()])


@open311_view("GET")
def service_definition(request, code, *, fmt, jurisdiction):
    category = _service(code)
    return render(
        fmt,
        "service_definition",
        {"service_code": category.code, "attributes": [_attribute_json(d) for d in category.attributes]},
    )


# --- service requests ---------------------------------------------------------------------------


def _scrub(text: str) -> str:
    return LONG_DIGITS.sub("***", text)


def request_json(event: Event) -> dict:
    """A case as a service request, with nothing personal (see the module's docstring)."""
    public = event.category.kind in PUBLIC_KINDS and event.source in PUBLIC_SOURCES
    closed = event.status not in OPEN_STATUSES
    department = event.assignee_department or event.suggested_department
    if event.status == Status.MERGED and event.merged_into_id:
        notes = _("Duplicate of %(number)s.") % {"number": event.merged_into.number}
    else:
        notes = event.get_status_display()
    return {
        "service_request_id": event.number,
        "status": "closed" if closed else "open",
        "status_notes": notes,
        "service_name": event.category.label,
        "service_code": event.category.code,
        "description": _scrub(event.description) if public and event.status != Status.REJECTED else None,
        "agency_responsible": department.name if department else None,
        "service_notice": service_notice(event.category),
        "requested_datetime": _iso(event.created_at),
        "updated_datetime": _iso(event.closed_at if event.status == Status.CLOSED else event.updated_at),
        "expected_datetime": _iso(event.due_at),
        "address": _scrub(event.address) if public and event.address else None,
        "address_id": event.grid.code,
        "zipcode": None,
        "lat": round(event.point.y, 6) if public else None,
        "long": round(event.point.x, 6) if public else None,
        "media_url": event.media_url if public and event.media_url else None,
    }


def _requests_qs(jurisdiction: Grid | None):
    qs = Event.objects.select_related(
        "category", "category__parent", "grid", "assignee_department", "suggested_department", "merged_into"
    )
    if jurisdiction is not None:
        qs = qs.filter(grid__code__startswith=jurisdiction.code)
    return qs


def _listed(request, name: str) -> list[str]:
    """A parameter that may be repeated and comma delimited."""
    return [v.strip() for raw in request.GET.getlist(name) for v in raw.split(",") if v.strip()]


def parse_datetime_param(name: str, raw: str) -> datetime:
    """A w3/ISO 8601 date or date-time; without a zone it is local time (TIME_ZONE)."""
    try:
        if len(raw) == 10:
            value = datetime.combine(datetime.strptime(raw, "%Y-%m-%d").date(), time.min)
        else:
            value = datetime.fromisoformat(raw.replace("z", "Z"))
    except ValueError:
        raise Open311Error(
            400, _("%(name)s must be a date and time like 2026-11-01T00:00:00+08:00.") % {"name": name}
        ) from None
    try:
        return timezone.make_aware(value) if timezone.is_naive(value) else value
    except OverflowError:
        raise Open311Error(400, _("%(name)s is out of range.") % {"name": name}) from None


def _window(request) -> tuple[datetime, datetime]:
    raw_start, raw_end = request.GET.get("start_date", "").strip(), request.GET.get("end_date", "").strip()
    start = parse_datetime_param("start_date", raw_start) if raw_start else None
    end = parse_datetime_param("end_date", raw_end) if raw_end else None
    if start is None and end is None:
        end = timezone.now()
    try:
        if start is None:
            start = end - WINDOW
        if end is None:
            end = start + WINDOW
        start, end = start.astimezone(UTC), end.astimezone(UTC)  # the database compares in UTC
    except OverflowError:
        raise Open311Error(400, _("start_date or end_date is out of range.")) from None
    if end < start:
        raise Open311Error(400, _("end_date is before start_date."))
    if end - start > WINDOW:
        raise Open311Error(400, _("start_date to end_date may not span more than 90 days."))
    return start, end


def requests_list(request, *, fmt, jurisdiction):
    qs = _requests_qs(jurisdiction)
    ids = _listed(request, "service_request_id")
    if ids:  # "This overrides all other arguments."
        if len(ids) > MAX_IDS or not all(i.isdigit() and len(i) <= 16 for i in ids):
            raise Open311Error(
                400, _("service_request_id takes up to %(n)s case numbers, comma delimited.") % {"n": MAX_IDS}
            )
        events = qs.filter(number__in=ids).order_by("-created_at")
        return render(fmt, "service_requests", [request_json(e) for e in events])
    codes = _listed(request, "service_code")
    if codes:
        known = set(_services().filter(code__in=codes).values_list("code", flat=True))
        unknown = [c for c in codes if c not in known]
        if unknown:
            raise Open311Error(404, _("service_code %(code)s was not found.") % {"code": unknown[0][:20]})
        qs = qs.filter(category__code__in=codes)
    statuses = {s.lower() for s in _listed(request, "status")}
    if statuses - {"open", "closed"}:
        raise Open311Error(400, _("status must be open or closed (comma delimited)."))
    if statuses == {"open"}:
        qs = qs.filter(status__in=OPEN_STATUSES)
    elif statuses == {"closed"}:
        qs = qs.exclude(status__in=OPEN_STATUSES)
    start, end = _window(request)
    events = qs.filter(created_at__gte=start, created_at__lte=end).order_by("-created_at")[:MAX_RESULTS]
    return render(fmt, "service_requests", [request_json(e) for e in events])


ATTRIBUTE_PARAM = re.compile(r"^attribute\[([^\[\]]{1,60})\](\[\])?$")


def _attributes(request) -> dict[str, list[str]]:
    answers: dict[str, list[str]] = {}
    for name in request.POST:
        match = ATTRIBUTE_PARAM.match(name)
        if match:
            answers.setdefault(match.group(1), []).extend(request.POST.getlist(name))
        elif name.startswith("attribute"):
            raise Open311Error(400, _("Send attributes as attribute[CODE]=value."))
    return answers


def locate_address(address: str) -> Grid | None:
    """The grid an address names: the deepest active grid whose name, and whose ancestors' names
    down from the first one named, appear in the address (e.g. "…大研街道新华社区第1网格"). None
    when no grid is named, or when two grids fit equally well."""
    named = list(
        Grid.objects.filter(active_to__isnull=True)
        .alias(address=Value(address))
        .filter(address__contains=F("name"))
        .only("code", "name", "label_point")
    )
    by_code = {g.code: g for g in named}

    def chain(grid: Grid) -> int:
        # How many of the grid and its ancestors are named (the nearest named ancestor, then its own).
        depth, code = 0, grid.code
        while code in by_code:
            depth += 1
            code = max((c for c in by_code if code.startswith(c) and c != code), key=len, default="")
        return depth

    ranked = sorted(((chain(g), len(g.code), g) for g in named), key=lambda t: (t[0], t[1]), reverse=True)
    if not ranked:
        return None
    if len(ranked) > 1 and ranked[1][:2] == ranked[0][:2]:
        return None
    return ranked[0][2]


def _location(request) -> tuple[Point, Grid | None]:
    lat, lng = _param(request, "lat", 40), _param(request, "long", 40)
    address, address_id = _param(request, "address_string", 400), _param(request, "address_id", 40)
    if lat or lng:
        if not (lat and lng):
            raise Open311Error(400, _("lat and long both need to be sent."))
        return point_from(lat, lng), None
    if address_id:
        grid = Grid.objects.filter(code=address_id, active_to__isnull=True).first() if address_id.isdigit() else None
        if grid is None:
            raise Open311Error(400, _("address_id must be the code of a grid of this platform."))
        return grid.label_point, grid
    if address:
        grid = locate_address(address)
        if grid is None:
            raise Open311Error(
                400, _("address_string does not name one grid of this platform; send lat and long as well.")
            )
        return grid.label_point, grid
    raise Open311Error(400, _("A location is required: lat and long, address_string or address_id."))


def requests_create(request, *, fmt, jurisdiction):
    if request.content_type not in ("application/x-www-form-urlencoded", "multipart/form-data"):
        raise Open311Error(400, _("Send the request as application/x-www-form-urlencoded."))
    try:
        key = api_key_check(_param(request, "api_key", 200), scope=ApiKey.SCOPE_OPEN311)
    except ApiKeyError as exc:
        raise Open311Error(exc.status, exc.message) from None
    code = _param(request, "service_code", 40)
    if not code:
        raise Open311Error(400, _("service_code was not provided."))
    category = _service(code)
    point, grid = _location(request)
    if jurisdiction is not None:
        located = grid or _grid_at(point)
        if located is None or not located.code.startswith(jurisdiction.code):
            raise Open311Error(400, _("The location lies outside jurisdiction %(id)s.") % {"id": jurisdiction.code})
    data = request.POST
    description = data.get("description", "").strip()
    if len(description) > 4000:
        raise Open311Error(400, _("description is longer than 4,000 characters."))
    name = f"{data.get('last_name', '').strip()}{data.get('first_name', '').strip()}"[:40]
    event, _created = event_report(
        source=Source.OPEN311,
        category=category,
        description=description or category.label,
        point=point,
        grid=grid,
        address=(data.get("address_string", "") or "").strip(),
        phone=data.get("phone", ""),
        name=name,
        attributes=_attributes(request),
        media_url=data.get("media_url", ""),
        via=f"open311:{key.name}",
    )
    return render(
        fmt,
        "service_requests",
        [{"service_request_id": event.number, "service_notice": service_notice(category), "account_id": None}],
    )


def _grid_at(point: Point) -> Grid | None:
    from grids.selectors import grid_locate

    return grid_locate(point)


@csrf_exempt  # authenticated by api_key, not by a cookie
@open311_view("GET", "POST")
def requests_(request, *, fmt, jurisdiction):
    if request.method == "POST":
        return requests_create(request, fmt=fmt, jurisdiction=jurisdiction)
    return requests_list(request, fmt=fmt, jurisdiction=jurisdiction)


@open311_view("GET")
def request_detail(request, number, *, fmt, jurisdiction):
    event = _requests_qs(jurisdiction).filter(number=number[:16]).first()
    if event is None:
        raise Open311Error(404, _("service_request_id %(id)s was not found.") % {"id": number[:20]})
    return render(fmt, "service_requests", [request_json(event)])


@open311_view("GET")
def token(request, token, *, fmt, jurisdiction):
    """A token is a case's tracking code (what a resident holds): it resolves to the case number."""
    qs = Event.objects.filter(tracking_code=token.upper()[:12])
    if jurisdiction is not None:
        qs = qs.filter(grid__code__startswith=jurisdiction.code)
    number = qs.values_list("number", flat=True).first()
    if number is None:
        raise Open311Error(404, _("token %(token)s was not found.") % {"token": token[:20]})
    return render(fmt, "service_requests", [{"service_request_id": number, "token": token.upper()[:12]}])


def not_found(request, path=""):
    fmt = "json" if request.path.endswith(".json") else "xml"
    return error(fmt, 404, _("No such Open311 resource: see discovery.xml."))
