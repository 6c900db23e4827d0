"""Writes of the services app: service points, and the proxy-handling (代办) loop.

`proxy_request_create` routes a resident's request to the grid they live in and notifies its
workers; `proxy_transition` is the only way a request's status changes (locked row, table of
steps, who may act, a log row, live push and notifications after commit); `proxy_deadline_scan`
reminds before the deadline and flags overdue requests, each exactly once.
"""

import secrets
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.gis.geos import Point
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from events import worktime
from govgrid import crypto, live
from govgrid.audit import PersonalData, personal_data_reveal_record
from govgrid.notify import notify, notify_resident
from govgrid.permissions import ADMIN, COMMAND_CENTER, has_role
from govgrid.phones import clean_phone
from grids.choices import Level, MemberRole
from grids.models import Grid, Membership
from grids.selectors import code_in_jurisdiction, grid_locate

from .choices import PROXY_OPEN, LimitUnit, ProxyStatus
from .hours import HoursError, parse_hours
from .models import ProxyDeadlineMark, ProxyLog, ProxyRequest, ServiceItem, ServicePoint
from .workflow import CENTER, PUBLIC, SYSTEM, WORKER, WORKFLOW

TRACKING_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read out over the phone
HANDLING_ROLES = (MemberRole.GRID_CHIEF, MemberRole.FULL_TIME, MemberRole.PART_TIME)
REMIND_BEFORE = timedelta(hours=24)
MAX_NOTE = 1000


class ServiceError(Exception):
    """A refused write; `message` is for the user, `status` for HTTP (400, 403, 404, 409)."""

    def __init__(self, message: str, *, status: int = 400, field: str | None = None):
        super().__init__(message)
        self.message, self.status, self.field = message, status, field


def point_from(lat, lng) -> Point:
    try:
        lat, lng = float(lat), float(lng)
    except (TypeError, ValueError):
        raise ServiceError(_("A location (lat, lng) is required."), field="lat") from None
    if not (-90 <= lat <= 90 and -180 <= lng <= 180):
        raise ServiceError(_("The location is not a WGS 84 latitude and longitude."), field="lat")
    return Point(lng, lat, srid=4326)


# --- service points ------------------------------------------------------------------------


def service_point_check(*, point: Point, hours_text: str) -> tuple[Grid, dict]:
    """The grid a point lies in and the parsed hours, or ServiceError: a point outside the
    deployment (the union of the root grids) and malformed hours are refused."""
    grid = grid_locate(point)
    if grid is None:
        raise ServiceError(_("This point lies outside the area this platform serves."), field="point")
    try:
        hours = parse_hours(hours_text)
    except HoursError as exc:
        raise ServiceError(_("Opening hours: %(error)s") % {"error": exc}, field="hours_text") from None
    return grid, hours


@transaction.atomic
def service_point_create(
    *,
    actor,
    name: str,
    kind: str,
    point: Point,
    hours_text: str,
    address: str = "",
    phone: str = "",
    services_text: str = "",
    items=(),
) -> ServicePoint:
    from .choices import PointKind

    name = (name or "").strip()
    if not name or len(name) > 100:
        raise ServiceError(_("A name of up to 100 characters is required."), field="name")
    if kind not in PointKind.values:
        raise ServiceError(_("Unknown kind of service point."), field="kind")
    grid, hours = service_point_check(point=point, hours_text=hours_text)
    sp = ServicePoint.objects.create(
        name=name,
        kind=kind,
        point=point,
        grid=grid,
        address=address[:200],
        phone=phone[:30],
        hours_text=hours_text.strip(),
        hours=hours,
        services_text=services_text[:300],
    )
    if items:
        sp.items.set(items)
    return sp


# --- proxy requests: routing and deadlines -------------------------------------------------


def _tracking_code() -> str:
    return "P" + "".join(secrets.choice(TRACKING_ALPHABET) for _ in range(9))


def _clean_phone(phone: str) -> str:
    phone = clean_phone(phone, error=ServiceError)
    if not phone:
        raise ServiceError(
            _("A phone number is required: the grid worker calls you about the materials."), field="phone"
        )
    return phone


def proxy_due(item: ServiceItem, start: datetime) -> datetime:
    """The deadline of a request: the item's time limit counted from the request, at least one
    working day (an on-the-spot item still needs the worker to come and go). Working days follow
    the Chinese calendar (events.worktime: the first day is not counted, due at close of office);
    calendar days are due at close of office of the Nth day."""
    days = max(item.limit_days, 1)
    if item.limit_unit == LimitUnit.CALENDAR_DAYS:
        local = timezone.localtime(start, timezone.get_default_timezone())
        close = worktime.parse_office_hours(settings.OFFICE_HOURS)[-1][1]
        return datetime.combine(local.date() + timedelta(days=days), close, tzinfo=local.tzinfo)
    return worktime.add_working_days(start, days)


def _remind_at(start: datetime, due: datetime) -> datetime:
    return due - REMIND_BEFORE if due - start >= 2 * REMIND_BEFORE else start + (due - start) / 2


def handler_ids(grid: Grid) -> list[int]:
    """Who a new request for `grid` goes to: the grid's own workers; for a community (or higher)
    with no worker seated on it, the grid chiefs of the unit grids in it; else the nearest grid
    up the tree that has workers."""
    seats = Membership.objects.filter(role__in=HANDLING_ROLES)
    own = list(seats.filter(grid=grid).values_list("user_id", flat=True))
    if own:
        return sorted(set(own))
    if grid.level < Level.GRID:
        chiefs = list(
            seats.filter(
                grid__code__startswith=grid.code, grid__level=Level.GRID, role=MemberRole.GRID_CHIEF
            ).values_list("user_id", flat=True)
        )
        if chiefs:
            return sorted(set(chiefs))
    for code in reversed(grid.ancestor_codes()):
        up = list(seats.filter(grid__code=code).values_list("user_id", flat=True))
        if up:
            return sorted(set(up))
    return []


def _resolve_grid(*, point: Point | None, community: str | None, for_resident: bool = False) -> Grid:
    if point is not None:
        grid = grid_locate(point)
        if grid is None:
            raise ServiceError(_("This point lies outside the area this platform serves."), field="lat")
        return grid
    code = str(community or "").strip()
    grid = None
    if code.isdigit() and len(code) == Level.COMMUNITY:
        grid = Grid.objects.filter(code=code, level=Level.COMMUNITY, active_to__isnull=True).first()
    if grid is None:
        if for_resident:  # a grid worker files it for someone else
            raise ServiceError(_("Choose the resident's community or village."), field="community")
        raise ServiceError(_("Choose your community or village, or mark where you live on the map."), field="community")
    return grid


def item_for_proxy(code: str) -> ServiceItem:
    item = ServiceItem.objects.filter(code=str(code or "").strip()[:20], active=True).first()
    if item is None:
        raise ServiceError(
            _("Unknown service item %(code)r.") % {"code": str(code)[:20]}, field="item", status=404 if code else 400
        )
    if not item.proxy_allowed:
        raise ServiceError(
            _("%(name)s cannot be handled by proxy: it must be done in person.") % {"name": item.name}, field="item"
        )
    return item


@transaction.atomic
def proxy_request_create(
    *,
    item: ServiceItem | str,
    phone: str,
    name: str = "",
    address: str = "",
    point: Point | None = None,
    community: str | None = None,
    note: str = "",
    actor=None,
    now: datetime | None = None,
) -> ProxyRequest:
    """File a proxy request, from the public page (actor None) or by a grid worker for a resident
    (then it is accepted by that worker at once). Routed by the point, or by the community chosen."""
    item = item if isinstance(item, ServiceItem) else item_for_proxy(item)
    if not item.proxy_allowed or not item.active:
        raise ServiceError(
            _("%(name)s cannot be handled by proxy: it must be done in person.") % {"name": item.name}, field="item"
        )
    phone = _clean_phone(phone)
    if len(address) > 200:
        raise ServiceError(_("The address is longer than 200 characters."), field="address")
    if len(note) > MAX_NOTE:
        raise ServiceError(_("The note is longer than 1,000 characters."), field="note")
    if len(name) > 40:
        raise ServiceError(_("The name is longer than 40 characters."), field="name")
    grid = _resolve_grid(point=point, community=community, for_resident=actor is not None)
    by_worker = actor is not None and actor.is_authenticated
    if by_worker and WORKER not in proxy_roles(request=ProxyRequest(grid=grid), user=actor):
        raise ServiceError(_("Only a grid worker of this grid may file a request for a resident."), status=403)
    now = now or timezone.now()
    due = proxy_due(item, now)
    request = ProxyRequest(
        code=_tracking_code(),
        item=item,
        grid=grid,
        point=point,
        address=address.strip(),
        resident_name=crypto.mask_name(name),
        phone_masked=crypto.mask_phone(phone),
        phone_encrypted=crypto.encrypt(phone),
        note=note.strip(),
        filed_by=actor if by_worker else None,
        due_at=due,
        remind_at=_remind_at(now, due),
        created_at=now,
    )
    for _attempt in range(3):
        try:
            with transaction.atomic():
                request.save()
            break
        except IntegrityError:  # a tracking code collision: draw another
            request.code, request.pk = _tracking_code(), None
    _log(
        request,
        "request",
        actor if by_worker else None,
        to_status=ProxyStatus.REQUESTED,
        data={"grid": grid.code, "item": item.code},
    )
    if by_worker:
        return proxy_transition(request=request, action="accept", actor=actor)
    notify(
        user_ids=handler_ids(grid),
        kind="proxy.new",
        title=_("Proxy request %(code)s: %(item)s") % {"code": request.code, "item": item.name},
        body=request.address,
        url=f"/m/proxy/{request.code}/",
        dedupe_key=f"proxy:{request.pk}:new",
    )
    _push(request)
    return request


# --- proxy requests: the loop --------------------------------------------------------------


def _seats(user):
    if not hasattr(user, "_proxy_seats"):
        user._proxy_seats = list(
            Membership.objects.filter(user=user, role__in=HANDLING_ROLES).values_list("grid__code", "role")
        )
    return user._proxy_seats


def proxy_roles(*, request: ProxyRequest, user) -> set[str]:
    """The workflow roles `user` holds on this request."""
    if user is None or not user.is_authenticated:
        return set()
    roles = set()
    code = request.grid.code
    if has_role(user, COMMAND_CENTER, ADMIN) and code_in_jurisdiction(user, code):
        roles.add(CENTER)
    for seat, role in _seats(user):
        covers = code.startswith(seat)  # seated on the request's grid or above it
        if request.worker_id is None and (covers or seat.startswith(code)):
            roles.add(WORKER)
        elif covers and role == MemberRole.GRID_CHIEF:  # the grid chief may step in for the worker
            roles.add(WORKER)
    if request.worker_id == user.pk:
        roles.add(WORKER)
    return roles


def _actor_label(actor) -> str:
    return (actor.get_full_name() or actor.get_username()) if actor else ""


def _log(request, action, actor, *, from_status="", to_status="", note="", data=None) -> ProxyLog:
    return ProxyLog.objects.create(
        request=request,
        action=action,
        from_status=from_status,
        to_status=to_status or request.status,
        actor=actor,
        actor_label=_actor_label(actor),
        note=note[:2000],
        data=data or {},
    )


def proxy_live_payload(request: ProxyRequest) -> dict:
    return {
        "code": request.code,
        "status": request.status,
        "colour": request.colour,
        "overdue": request.overdue,
        "item": request.item.name,
        "grid": request.grid.code,
        "due_at": request.due_at.isoformat(),
    }


def _push(request: ProxyRequest) -> None:
    live.publish(live.grid_groups(request.grid.code), {"type": "proxy.updated", "proxy": proxy_live_payload(request)})


ACTION_LABELS = {
    "request": gettext_lazy("requested"),
    "accept": pgettext_lazy("proxy request", "accept"),
    "decline": gettext_lazy("decline"),
    "collect": gettext_lazy("record materials collected"),
    "submit": gettext_lazy("submit"),
    "complete": gettext_lazy("record it done"),
    "fail": gettext_lazy("record it not granted"),
    "cancel": gettext_lazy("cancel"),
    "rate": gettext_lazy("rate"),
    "mark_overdue": gettext_lazy("overdue"),
    "reveal_phone": gettext_lazy("resident's phone shown"),
}


# What the resident is told by SMS, in the site's language.
RESIDENT_SMS = {
    "accept": gettext_lazy(
        "Your proxy request for %(item)s has been taken on by a grid worker. Tracking code: %(code)s."
    ),
    "decline": gettext_lazy(
        "Your proxy request for %(item)s cannot be handled by proxy: %(note)s. Tracking code: %(code)s."
    ),
    "complete": gettext_lazy("Your proxy request for %(item)s is done: %(note)s. Tracking code: %(code)s."),
    "fail": gettext_lazy("Your proxy request for %(item)s was not granted: %(note)s. Tracking code: %(code)s."),
}


@transaction.atomic
def proxy_transition(*, request: ProxyRequest, action: str, actor, tracking_code: str | None = None, **details):
    """Take one step on a request: lock it, check the table and the actor, apply, log, and after
    commit push the change and notify whom it concerns."""
    step = WORKFLOW.get(action)
    if step is None:
        raise ServiceError(_("Unknown action %(action)r.") % {"action": str(action)[:20]})
    request = ProxyRequest.objects.select_for_update().select_related("grid", "item").get(pk=request.pk)
    if tracking_code is not None:
        same = secrets.compare_digest(str(tracking_code).upper().encode(), request.code.encode())
        roles = {PUBLIC} if same else set()
    elif actor is None:
        roles = {SYSTEM}
    else:
        roles = proxy_roles(request=request, user=actor)
    if not roles:
        raise ServiceError(_("Request not found."), status=404)
    if not step.who & roles:
        raise ServiceError(_("You may not %(action)s this request.") % {"action": ACTION_LABELS[action]}, status=403)
    if request.status not in step.sources:
        raise ServiceError(
            _("A request that is %(status)s cannot be %(action)s.")
            % {"status": request.get_status_display(), "action": ACTION_LABELS[action]},
            status=409,
        )
    for name in step.requires:
        if details.get(name) in (None, "", [], ()):
            raise ServiceError(_("%(field)s is required.") % {"field": name}, field=name)

    before, now = request.status, timezone.now()
    fields = ["updated_at"]
    note = str(details.get("reason") or details.get("note") or "")[:2000]
    data: dict = {}
    recipients: list[int] = []
    if action == "accept":
        request.worker, request.accepted_at = actor, now
        fields += ["worker", "accepted_at"]
    elif action == "decline":
        recipients = (
            [request.worker_id] if request.worker_id and request.worker_id != getattr(actor, "pk", None) else []
        )
        request.finished_at = now
        fields += ["finished_at"]
    elif action == "collect":
        materials = details["materials"]
        materials = [str(m).strip()[:100] for m in (materials if isinstance(materials, list | tuple) else [materials])]
        materials = [m for m in materials if m]
        unknown = [m for m in materials if m not in request.item.materials]
        if unknown or not materials:
            raise ServiceError(_("Tick the materials of this item that you collected."), field="materials")
        request.materials_collected = sorted(set(materials), key=request.item.materials.index)
        data = {
            "materials": request.materials_collected,
            "missing": [m for m in request.item.materials if m not in request.materials_collected],
        }
        fields += ["materials_collected"]
    elif action == "submit":
        missing = [m for m in request.item.materials if m not in request.materials_collected]
        if missing and not details.get("allow_missing"):
            raise ServiceError(
                _("Materials still missing: %(missing)s.") % {"missing": "、".join(missing)},
                field="materials",
                status=409,
            )
        request.submitted_to = str(details["submitted_to"])[:100]
        request.submitted_at = now
        data = {"submitted_to": request.submitted_to}
        fields += ["submitted_to", "submitted_at"]
    elif action in ("complete", "fail"):
        request.result = str(details["result"])[:4000]
        request.finished_at = now
        note = request.result
        data = {"on_time": now <= request.due_at}
        fields += ["result", "finished_at"]
    elif action == "cancel":
        recipients = [request.worker_id] if request.worker_id else handler_ids(request.grid)
        request.finished_at = now
        fields += ["finished_at"]
    elif action == "rate":
        try:
            satisfaction = int(details["satisfaction"])
        except (TypeError, ValueError):
            satisfaction = 0
        if not 1 <= satisfaction <= 5:
            raise ServiceError(_("Rate from 1 to 5."), field="satisfaction")
        if request.satisfaction is not None:
            raise ServiceError(_("This request has been rated already."), status=409)
        request.satisfaction = satisfaction
        request.rating_comment = str(details.get("comment") or "")[:500]
        note, data = request.rating_comment, {"satisfaction": satisfaction}
        fields += ["satisfaction", "rating_comment"]
    elif action == "mark_overdue":
        request.overdue = True
        data = {"due_at": request.due_at.isoformat()}
        fields += ["overdue"]
    if step.target:
        request.status = step.target
        fields.append("status")
    if request.status not in PROXY_OPEN and request.remind_at is not None:
        request.remind_at = None
        fields.append("remind_at")
    request.save(update_fields=list(dict.fromkeys(fields)))
    entry = _log(
        request, action, actor if actor and actor.is_authenticated else None, from_status=before, note=note, data=data
    )
    _push(request)
    if action in RESIDENT_SMS:
        notify_resident(
            phone_encrypted=request.phone_encrypted,
            text=RESIDENT_SMS[action],
            values={"item": request.item.name, "code": request.code, "note": note[:80]},
            dedupe_key=f"proxy:{request.pk}:resident:{entry.pk}",
        )
    if recipients:
        notify(
            user_ids=recipients,
            kind=f"proxy.{action}",
            title=_("Proxy request %(code)s: %(action)s") % {"code": request.code, "action": ACTION_LABELS[action]},
            body=note,
            url=f"/m/proxy/{request.code}/",
            dedupe_key=f"proxy:{request.pk}:{entry.pk}",
        )
    return request


@transaction.atomic
def proxy_phone_reveal(*, request: ProxyRequest, actor) -> str:
    """The resident's whole number for the worker who calls them. Every reveal is logged twice:
    in the request's own history and in the personal-data audit trail (`govgrid.audit`)."""
    request = ProxyRequest.objects.select_for_update().select_related("grid").get(pk=request.pk)
    if not proxy_roles(request=request, user=actor) & {WORKER, CENTER}:
        raise ServiceError(_("Request not found."), status=404)
    _log(request, "reveal_phone", actor, from_status=request.status)
    phone = crypto.decrypt(request.phone_encrypted)
    if phone:
        personal_data_reveal_record(
            actor=actor,
            kind=PersonalData.PROXY_RESIDENT_PHONE,
            obj=request,
            label=request.code,
            grid_code=request.grid.code,
        )
    return phone


# --- the deadline scan ---------------------------------------------------------------------


def _claim(request_id: int, kind: str, deadline) -> bool:
    try:
        with transaction.atomic():
            ProxyDeadlineMark.objects.create(request_id=request_id, kind=kind, deadline=deadline)
        return True
    except IntegrityError:
        return False


def _responsible_ids(request: ProxyRequest) -> list[int]:
    return [request.worker_id] if request.worker_id else handler_ids(request.grid)


def _chief_ids(request: ProxyRequest) -> list[int]:
    from grids.selectors import grid_chief_ids

    return grid_chief_ids(request.grid.code)


def proxy_deadline_scan(*, now: datetime | None = None) -> dict:
    """Remind before the deadline; at the deadline flag the request overdue and tell its worker and
    the grid chief (by SMS too). Exactly once per request and deadline (ProxyDeadlineMark)."""
    now = now or timezone.now()
    counts = {"reminded": 0, "overdue": 0}
    open_requests = ProxyRequest.objects.filter(status__in=PROXY_OPEN).select_related("grid", "item")
    reminded = ProxyDeadlineMark.objects.filter(
        request=OuterRef("pk"), kind=ProxyDeadlineMark.REMINDER, deadline=OuterRef("due_at")
    )
    for request in open_requests.filter(overdue=False, due_at__gt=now, remind_at__lte=now).exclude(Exists(reminded)):
        if not _claim(request.pk, ProxyDeadlineMark.REMINDER, request.due_at):
            continue
        counts["reminded"] += 1
        ProxyRequest.objects.filter(pk=request.pk, due_at=request.due_at).update(remind_at=None)
        with transaction.atomic():
            notify(
                user_ids=_responsible_ids(request),
                kind="proxy.reminder",
                title=_("Proxy request %(code)s (%(item)s) is due at %(due)s")
                % {
                    "code": request.code,
                    "item": request.item.name,
                    "due": timezone.localtime(request.due_at).strftime("%m-%d %H:%M"),
                },
                url=f"/m/proxy/{request.code}/",
                dedupe_key=f"proxy-remind:{request.pk}:{request.due_at.isoformat()}",
            )
    for request in open_requests.filter(overdue=False, due_at__lte=now):
        if not _claim(request.pk, ProxyDeadlineMark.OVERDUE, request.due_at):
            continue
        counts["overdue"] += 1
        with transaction.atomic():
            proxy_transition(request=request, action="mark_overdue", actor=None)
            notify(
                user_ids=_responsible_ids(request) + _chief_ids(request),
                kind="proxy.overdue",
                title=_("Proxy request %(code)s (%(item)s) is overdue")
                % {"code": request.code, "item": request.item.name},
                url=f"/m/proxy/{request.code}/",
                dedupe_key=f"proxy-overdue:{request.pk}:{request.due_at.isoformat()}",
                sms=True,
            )
    return counts
