"""Writes of the events app: intake from every channel, and the closed-loop workflow.

`event_report` is the one intake for every channel; `event_transition` is the only way a case's
status changes. Both append to the hash-chained `EventLog` and push live updates and
notifications after commit.
"""

import hashlib
import json
import math
import secrets
from datetime import timedelta

from django.contrib.gis.geos import Point
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from dispatch import routing
from govgrid import crypto, live
from govgrid.audit import PersonalData, personal_data_reveal_record
from govgrid.notify import notify, notify_resident
from govgrid.permissions import ADMIN, COMMAND_CENTER, has_role
from govgrid.phones import clean_phone
from grids.choices import FIELD_ROLES, Level
from grids.models import Membership
from grids.selectors import code_in_jurisdiction, command_center_ids, grid_locate

from . import worktime
from .attributes import AttributeAnswerError, attribute_answers_clean
from .choices import OPEN_STATUSES, CategoryKind, PhotoStage, Source, Status
from .models import CallbackRecord, Category, DailySequence, Event, EventLog, EventPhoto
from .uploads import MAX_PHOTOS, UploadError, clean_image
from .workflow import ASSIGNEE, CENTER, GRID, PUBLIC, SYSTEM, WORKFLOW, allowed_actions

MAX_DESCRIPTION = 4000
DUPLICATE_RADIUS_M = 50
DUPLICATE_WINDOW = timedelta(hours=48)
TRACKING_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read out over the phone


class EventError(Exception):
    """A refused intake or action; `message` is for the user, `status` for HTTP (400, 403, 404, 409)."""

    def __init__(self, message: str, *, status: int = 400, field: str | None = None):
        super().__init__(message)
        self.message, self.status, self.field = message, status, field


# --- the log ------------------------------------------------------------------------------


def log_hash(
    *, event_id, seq, action, from_status, to_status, actor_ref, actor_label, note, data, created_at, prev_hash
) -> str:
    content = json.dumps(
        [
            event_id,
            seq,
            action,
            from_status,
            to_status,
            actor_ref,
            actor_label,
            note,
            data,
            created_at.isoformat(),
            prev_hash,
        ],
        ensure_ascii=False,
        sort_keys=True,
        separators=(",", ":"),
        default=str,
    )
    return hashlib.sha256(content.encode()).hexdigest()


def _log(event: Event, action: str, actor, *, from_status="", to_status="", note="", data=None) -> EventLog:
    """Append a row to the case's chain; the caller saves `event.log_head` with its other fields."""
    seq = (event.log.order_by("-seq").values_list("seq", flat=True).first() or 0) + 1
    now = timezone.now()
    data = data or {}
    # The chain covers who acted by the account id and name recorded at the time (`actor_ref`,
    # `actor_label`): the `actor` link may later become null when the account is deleted without
    # that being mistaken for tampering, but it may never point at anyone else.
    actor_label = (actor.get_full_name() or actor.get_username()) if actor else ""
    actor_ref = actor.pk if actor else None
    digest = log_hash(
        event_id=event.pk,
        seq=seq,
        action=action,
        from_status=from_status,
        to_status=to_status,
        actor_ref=actor_ref,
        actor_label=actor_label,
        note=note,
        data=data,
        created_at=now,
        prev_hash=event.log_head,
    )
    entry = EventLog.objects.create(
        event=event,
        seq=seq,
        action=action,
        from_status=from_status,
        to_status=to_status,
        actor=actor,
        actor_ref=actor_ref,
        actor_label=actor_label,
        note=note,
        data=data,
        created_at=now,
        prev_hash=event.log_head,
        hash=digest,
    )
    event.log_head = digest
    return entry


def event_record(*, event: Event, action: str, actor, note: str = "", data=None) -> EventLog:
    """Append a record that leaves the status as it is (e.g. a whistle, 吹哨报到) to the case's
    chain, under a lock of the case; call it inside the caller's transaction."""
    event = Event.objects.select_for_update().get(pk=event.pk)
    entry = _log(event, action, actor, from_status=event.status, to_status=event.status, note=note[:2000], data=data)
    event.save(update_fields=["log_head", "updated_at"])
    return entry


# --- who the actor is for this case ------------------------------------------------------


def event_roles(*, event: Event, user) -> set[str]:
    """The workflow roles `user` holds on this case."""
    if user is None or not user.is_authenticated:
        return set()
    roles = set()
    code = event.grid.code
    if has_role(user, COMMAND_CENTER, ADMIN) and code_in_jurisdiction(user, code):
        roles.add(CENTER)
    if event.assignee_user_id == user.pk or (
        event.assignee_department_id
        and user.department_memberships.filter(department_id=event.assignee_department_id).exists()
    ):
        roles.add(ASSIGNEE)
    if _field_worker_of(user, code):
        roles.add(GRID)
    return roles


def actions_for(*, event: Event, user, roles: set[str]) -> list[str]:
    """The steps to offer `user` on this case (buttons): the table's, less verifying one's own result."""
    actions = allowed_actions(event.status, roles)
    if any(a in actions for a in VERIFY_ACTIONS) and resolved_by(event) == user.pk:
        actions = [a for a in actions if a not in VERIFY_ACTIONS]
    return actions


# --- intake ------------------------------------------------------------------------------


def _next_number(day) -> str:
    DailySequence.objects.get_or_create(day=day)
    DailySequence.objects.filter(day=day).update(last=F("last") + 1)
    return f"{day:%Y%m%d}{DailySequence.objects.get(day=day).last:04d}"


def _tracking_code() -> str:
    return "".join(secrets.choice(TRACKING_ALPHABET) for _ in range(10))


def _distance_m(a: Point, b: Point) -> float:
    lat = math.radians((a.y + b.y) / 2)
    dx = math.radians(b.x - a.x) * math.cos(lat) * 6371000
    dy = math.radians(b.y - a.y) * 6371000
    return math.hypot(dx, dy)


def duplicates_near(category: Category, point: Point, since, until=None, cases=None) -> list[Event]:
    """Open cases of the same category within 50 m reported between `since` and `until`, nearest
    first (`cases`: the queryset to look in, e.g. what a user may see)."""
    box = 0.001  # degrees, a generous box around 50 m at these latitudes; exact distance below
    candidates = (Event.objects.all() if cases is None else cases).filter(
        category=category,
        status__in=OPEN_STATUSES,
        created_at__gte=since,
        point__intersects=Point(point.x, point.y, srid=4326).buffer(box).envelope,
    )
    if until is not None:
        candidates = candidates.filter(created_at__lte=until)
    near = [(d, e) for e in candidates if (d := _distance_m(point, e.point)) <= DUPLICATE_RADIUS_M]
    return [e for _d, e in sorted(near, key=lambda pair: pair[0])]


def _possible_duplicate(category: Category, point: Point, now) -> Event | None:
    """An open case of the same category within 50 m from the last 48 h: flagged, never merged."""
    near = duplicates_near(category, point, now - DUPLICATE_WINDOW)
    return near[0] if near else None


def merge_candidates(*, event: Event, user) -> list[Event]:
    """Cases this one may be merged into, as intake would flag them: open, of the same category,
    within 50 m and 48 h of it (either side), in its township, and visible to `user`."""
    from .selectors import event_list

    cases = event_list(user=user).filter(grid__code__startswith=event.grid.code[: Level.TOWNSHIP]).exclude(pk=event.pk)
    at = event.created_at
    return duplicates_near(event.category, event.point, at - DUPLICATE_WINDOW, at + DUPLICATE_WINDOW, cases)


def category_for_intake(code: str) -> Category:
    category = Category.objects.filter(code=str(code).strip(), active=True, parent__isnull=False).first()
    if category is None:
        raise EventError(_("Unknown category %(code)r.") % {"code": str(code)[:20]}, field="category")
    return category


def point_from(lat, lng) -> Point:
    try:
        lat, lng = float(lat), float(lng)
    except (TypeError, ValueError):
        raise EventError(_("A location (lat, lng) is required."), field="lat") from None
    if not (-90 <= lat <= 90 and -180 <= lng <= 180):
        raise EventError(_("The location is not a WGS 84 latitude and longitude."), field="lat")
    return Point(lng, lat, srid=4326)


def _is_web_url(url: str) -> bool:
    try:
        URLValidator(schemes=["http", "https"])(url)
    except ValidationError:
        return False
    return True


@transaction.atomic
def event_report(
    *,
    source: str,
    category: Category | str,
    description: str,
    point: Point,
    address: str = "",
    phone: str = "",
    name: str = "",
    photos=(),
    actor=None,
    idempotency_key: str | None = None,
    resolve_on_spot: bool = False,
    result: str = "",
    after_photos=(),
    attributes: dict[str, list[str]] | None = None,
    media_url: str = "",
    grid=None,
    via: str = "",
) -> tuple[Event, bool]:
    """File a case from any channel. Returns (event, created); with an `idempotency_key` already
    used, returns the existing case and False. Routing: the grid by point, the suggested
    department by the category's owner type and the grid; possible duplicates are flagged.
    A grid worker may resolve a `grid_can_resolve` case on the spot (自处置): it is accepted,
    resolved and closed at once, with before (`photos`) and after photos.

    `attributes` are answers to the category's extra questions ({code: [values]}), checked against
    its definitions when given (required ones included); `media_url` links to media held elsewhere.
    `grid` files the case on a grid the caller located by an address naming it (`point` is then the
    grid's label point) instead of routing the point. `via` names the integration in the log."""
    if idempotency_key:
        existing = Event.objects.filter(idempotency_key=idempotency_key[:80]).first()
        if existing:
            return existing, False
    if source not in Source.values:
        raise EventError(_("Unknown source."), field="source")
    category = category if isinstance(category, Category) else category_for_intake(category)
    description = (description or "").strip()
    if not description:
        raise EventError(_("Describe the problem."), field="description")
    if len(description) > MAX_DESCRIPTION:
        raise EventError(_("The description is longer than 4,000 characters."), field="description")
    if len(address) > 200:
        raise EventError(_("The address is longer than 200 characters."), field="address")
    phone = clean_phone(phone, error=EventError)
    answers = {}
    if attributes is not None:
        try:
            answers = attribute_answers_clean(category.attributes, attributes)
        except AttributeAnswerError as exc:
            raise EventError(str(exc), field=f"attribute[{exc.code}]") from None
    media_url = (media_url or "").strip()
    if media_url and (len(media_url) > 500 or not _is_web_url(media_url)):
        raise EventError(_("media_url must be an http(s) address of at most 500 characters."), field="media_url")
    grid = grid or grid_locate(point)
    if grid is None:
        raise EventError(_("This point lies outside the area this platform serves."), field="lat")
    photos, after_photos = list(photos), list(after_photos)
    if len(photos) + len(after_photos) > MAX_PHOTOS:
        raise EventError(_("At most 6 photos."), field="photos")
    try:
        cleaned = [clean_image(p) for p in photos]
        cleaned_after = [clean_image(p) for p in after_photos]
    except UploadError as exc:
        raise EventError(str(exc), field="photos") from None
    if resolve_on_spot:
        if not category.grid_can_resolve:
            raise EventError(_("This category cannot be resolved on the spot; report it for dispatch."))
        if not cleaned or not cleaned_after or not result.strip():
            raise EventError(_("Resolving on the spot needs before and after photos and a result."))
        if not _field_worker_of(actor, grid.code):
            raise EventError(_("Only a grid worker of this grid may resolve it on the spot."), status=403)

    now = timezone.now()
    department = routing.department_for(department_type=category.department_type, grid_code=grid.code)
    event = Event(
        number=_next_number(timezone.localdate(now)),
        tracking_code=_tracking_code(),
        source=source,
        category=category,
        level=category.level or 3,
        description=description,
        point=point,
        address=address,
        grid=grid,
        reporter=actor if actor and actor.is_authenticated else None,
        reporter_name=crypto.mask_name(name),
        reporter_phone_masked=crypto.mask_phone(phone),
        reporter_phone_encrypted=crypto.encrypt(phone),
        suggested_department=department,
        possible_duplicate_of=_possible_duplicate(category, point, now),
        idempotency_key=idempotency_key[:80] if idempotency_key else None,
        callback_required=source in (Source.HOTLINE, Source.PETITION),
        attributes=answers,
        media_url=media_url,
        created_at=now,
    )
    try:
        with transaction.atomic():
            event.save()
    except IntegrityError:
        if idempotency_key:  # a concurrent retry with the same key won the race
            return Event.objects.get(idempotency_key=idempotency_key[:80]), False
        raise
    stage = PhotoStage.BEFORE if resolve_on_spot else PhotoStage.REPORT
    for content in cleaned:
        EventPhoto.objects.create(event=event, stage=stage, image=content, uploaded_by=event.reporter)
    _log(
        event,
        "report",
        event.reporter,
        to_status=Status.REPORTED,
        data={
            "source": source,
            "grid": grid.code,
            "category": category.code,
            "duplicate_of": event.possible_duplicate_of.number if event.possible_duplicate_of else None,
            **({"via": via[:100]} if via else {}),
        },
    )
    event.save(update_fields=["log_head"])
    if resolve_on_spot:
        for content in cleaned_after:
            EventPhoto.objects.create(event=event, stage=PhotoStage.AFTER, image=content, uploaded_by=actor)
        _self_resolve(event, actor, result)
    _after_commit(event, "event.created")  # after an on-the-spot resolution: pushed as it commits, closed
    return event, True


def _field_worker_of(user, grid_code: str) -> bool:
    """A field worker (grid chief, full- or part-time worker, …) seated on this grid or above it."""
    if user is None or not user.is_authenticated:
        return False
    ancestors = [grid_code[:n] for n in range(6, len(grid_code) + 1, 3)]
    return Membership.objects.filter(user=user, role__in=FIELD_ROLES, grid__code__in=ancestors).exists()


def _self_resolve(event: Event, actor, result: str) -> None:
    for action, target in (("accept", Status.ACCEPTED), ("resolve", Status.RESOLVED), ("close", Status.CLOSED)):
        before = event.status
        event.status = target
        _stamp(event, target)
        _log(
            event,
            action,
            actor,
            from_status=before,
            to_status=target,
            note=result if action == "resolve" else "",
            data={"on_the_spot": True},
        )
    event.self_resolved, event.result = True, result
    event.save(
        update_fields=[
            "status",
            "self_resolved",
            "result",
            "accepted_at",
            "resolved_at",
            "closed_at",
            "log_head",
            "updated_at",
        ]
    )


def _stamp(event: Event, status: str) -> list[str]:
    field = {
        Status.ACCEPTED: "accepted_at",
        Status.DISPATCHED: "dispatched_at",
        Status.IN_PROGRESS: "claimed_at",
        Status.RESOLVED: "resolved_at",
        Status.CLOSED: "closed_at",
    }.get(status)
    if field:
        setattr(event, field, timezone.now())
        return [field]
    return []


def _after_commit(event: Event, kind: str) -> None:
    live.publish(live.grid_groups(event.grid.code), {"type": kind, "event": event_live_payload(event)})


def event_live_payload(event: Event) -> dict:
    return {
        "id": event.pk,
        "number": event.number,
        "status": event.status,
        "colour": event.colour,
        "overdue": event.overdue,
        "category": event.category.name,
        "level": event.level,
        "lat": round(event.point.y, 6),
        "lng": round(event.point.x, 6),
        "grid": event.grid.code,
        "due_at": event.due_at.isoformat() if event.due_at else None,
    }


# --- the workflow ------------------------------------------------------------------------


@transaction.atomic
def event_transition(*, event: Event, action: str, actor, **details) -> Event:
    """Take one workflow step on a case: lock it, check the table and the actor, apply, log,
    and after commit push the change and notify whom it concerns."""
    step = WORKFLOW.get(action)
    if step is None:
        raise EventError(_("Unknown action %(action)r.") % {"action": action})
    event = Event.objects.select_for_update().select_related("grid", "category").get(pk=event.pk)
    if action == "rate" and details.get("tracking_code"):
        given = str(details["tracking_code"]).encode()
        roles = {PUBLIC} if secrets.compare_digest(given, event.tracking_code.encode()) else set()
    elif actor is None:
        roles = {SYSTEM}
    else:
        roles = event_roles(event=event, user=actor)
    if not roles & {CENTER, ASSIGNEE, GRID, PUBLIC, SYSTEM}:
        raise EventError(_("Case not found."), status=404)  # outside one's jurisdiction: as if absent
    if not step.who & roles:
        raise EventError(
            _("You may not %(action)s this case.") % {"action": ACTION_LABELS.get(action, action)}, status=403
        )
    if event.status not in step.sources:
        raise EventError(
            _("A case that is %(status)s cannot be %(action)s.")
            % {"status": event.get_status_display(), "action": ACTION_LABELS.get(action, action)},
            status=409,
        )
    for name in step.requires:
        if details.get(name) in (None, ""):
            raise EventError(_("%(field)s is required.") % {"field": name}, field=name)

    before = event.status
    fields = ["log_head", "updated_at"]
    note = str(details.get("reason") or details.get("note") or "")[:2000]
    data: dict = {}
    recipients: list[int] = []
    handler = _HANDLERS.get(action)
    if handler:
        note, data, recipients, more = handler(event, actor, details, note)
        fields += more
    if step.target:
        event.status = step.target
        fields += ["status"] + _stamp(event, step.target)
    _log(event, action, actor, from_status=before, to_status=event.status, note=note, data=data)
    event.save(update_fields=list(dict.fromkeys(fields)))
    _after_commit(event, "event.updated")
    if action in REPORTER_SMS:
        notify_resident(
            phone_encrypted=event.reporter_phone_encrypted,
            text=REPORTER_SMS[action],
            values={"category": event.category.name, "code": event.tracking_code, "note": note[:80]},
            dedupe_key=f"event:{event.pk}:reporter:{event.log_head[:16]}",
        )
    if recipients:
        notify(
            user_ids=recipients,
            kind=f"event.{action}",
            title=_("Case %(number)s: %(action)s") % {"number": event.number, "action": ACTION_LABELS.get(action)},
            body=note,
            url=f"/cases/{event.number}/",
            dedupe_key=f"event:{event.pk}:{event.log_head[:16]}",
        )
    return event


# What the reporter is told by SMS (when they left a number), in the site's language.
REPORTER_SMS = {
    "accept": gettext_lazy("Your report (%(category)s) has been accepted. Tracking code: %(code)s."),
    "reject": gettext_lazy("Your report (%(category)s) was not taken on: %(note)s. Tracking code: %(code)s."),
    "close": gettext_lazy(
        "Your report (%(category)s) has been dealt with. Tell us how it went with tracking code %(code)s."
    ),
}

ACTION_LABELS = {
    "accept": gettext_lazy("accept"),
    "reject": gettext_lazy("reject"),
    "merge": gettext_lazy("merge"),
    "dispatch": gettext_lazy("dispatch"),
    "claim": gettext_lazy("claim"),
    "return": gettext_lazy("return"),
    "resolve": gettext_lazy("resolve"),
    "close": gettext_lazy("close"),
    "rework": gettext_lazy("send back for rework"),
    "request_extension": gettext_lazy("ask for more time"),
    "approve_extension": gettext_lazy("approve more time"),
    "escalate": gettext_lazy("escalate"),
    "mark_overdue": gettext_lazy("mark overdue"),
    "rate": gettext_lazy("rate"),
}
# Labels of every log row, workflow steps and the other records.
LOG_LABELS = ACTION_LABELS | {
    "report": gettext_lazy("reported"),
    "callback": gettext_lazy("callback"),
    "reveal_phone": gettext_lazy("reporter's phone shown"),
    "mark_overdue": gettext_lazy("overdue"),
    "whistle": gettext_lazy("whistle blown (吹哨)"),
    "whistle_report": gettext_lazy("department reported (报到)"),
    "whistle_rate": gettext_lazy("department rated"),
    "merged_in": gettext_lazy("duplicate merged in"),
}


def _assignee_ids(event: Event) -> list[int]:
    if event.assignee_user_id:
        return [event.assignee_user_id]
    if event.assignee_department_id:
        return list(event.assignee_department.memberships.values_list("user_id", flat=True))
    return []


def _on_accept(event, actor, details, note):
    category = details.get("category")
    if category:
        event.category = category if isinstance(category, Category) else category_for_intake(category)
        event.suggested_department = routing.department_for(
            department_type=event.category.department_type, grid_code=event.grid.code
        )
    level = int(details.get("level") or event.category.level or event.level)
    if level not in (1, 2, 3):
        raise EventError(_("Level must be 1, 2 or 3."), field="level")
    event.level = level
    if event.category.limit_hours:
        _set_deadline(event, timezone.now(), event.category.limit_hours, event.category.limit_unit)
    return (
        note,
        {"level": level, "due_at": event.due_at.isoformat() if event.due_at else None},
        [],
        ["category", "suggested_department", "level", "due_at", "remind_at"],
    )


REMIND_BEFORE = timedelta(hours=24)


def _set_deadline(event: Event, start, hours: int, unit: str) -> None:
    """Set the deadline and when to remind: 24 h before it, or at half the limit when the limit
    is shorter than 48 h (half counted in the limit's own unit: working hours stay working hours)."""
    unit = unit or "work_hours"
    event.due_at = worktime.deadline(start, hours, unit)
    if hours >= 48:
        event.remind_at = event.due_at - REMIND_BEFORE
    else:
        event.remind_at = (
            worktime.deadline(start, hours / 2, unit)
            if unit != "work_days_as_hours"
            else (start + (event.due_at - start) / 2)
        )


def _on_merge(event, actor, details, note):
    """Merging is for duplicates: the target is another open case the actor can see, of the same
    major category (大类) and in the same township."""
    from .selectors import event_list

    number = str(details["into"]).strip()[:16]
    if number == event.number:
        raise EventError(_("A case cannot be merged into itself."), status=400, field="into")
    into = event_list(user=actor).filter(number=number).first()
    if into is None:
        raise EventError(_("Merge into an existing open case number."), field="into")
    if into.status not in OPEN_STATUSES:
        raise EventError(
            _("Case %(number)s is %(status)s: merge only into an open case.")
            % {"number": into.number, "status": into.get_status_display()},
            field="into",
        )
    if into.category.parent_id != event.category.parent_id:
        raise EventError(
            _("Case %(number)s is of another kind (%(category)s): only a duplicate of the same problem is merged.")
            % {"number": into.number, "category": into.category.parent.name if into.category.parent_id else ""},
            status=409,
            field="into",
        )
    if into.grid.code[: Level.TOWNSHIP] != event.grid.code[: Level.TOWNSHIP]:
        raise EventError(
            _("Case %(number)s is in another township: only a duplicate of the same problem is merged.")
            % {"number": into.number},
            status=409,
            field="into",
        )
    event.merged_into = into
    # The case kept says so in its own history: which duplicate joined it.
    event_record(event=into, action="merged_in", actor=actor, note=event.number, data={"from": event.number})
    return note, {"into": into.number}, [], ["merged_into"]


def _on_dispatch(event, actor, details, note):
    from django.contrib.auth import get_user_model

    from dispatch.models import Department

    department, worker = details.get("department"), details.get("worker")
    if bool(department) == bool(worker):
        raise EventError(_("Dispatch to one department or one worker."), field="department")
    if department:
        pk = department.pk if isinstance(department, Department) else department
        department = routing.departments_serving(event.grid.code).filter(pk=pk).first()
        if department is None:
            raise EventError(_("That department does not serve this case's area."), field="department")
        event.assignee_department, event.assignee_user = department, None
        target = {"department": department.name}
    else:
        worker = worker if hasattr(worker, "pk") else get_user_model().objects.filter(pk=worker).first()
        if worker is None or not _field_worker_of(worker, event.grid.code):
            raise EventError(_("That worker does not serve this grid."), field="worker")
        event.assignee_user, event.assignee_department = worker, None
        target = {"worker": worker.get_full_name() or worker.get_username()}
    return note, target, _assignee_ids(event), ["assignee_department", "assignee_user"]


def _on_return(event, actor, details, note):
    """The assignee says it is not theirs: it leaves them (no reminders, supervision or personal
    data for them any more) and goes back to the center for re-dispatch (改派)."""
    returned_by = (
        event.assignee_department.name
        if event.assignee_department_id
        else (event.assignee_user.get_username() if event.assignee_user_id else "")
    )
    event.assignee_department, event.assignee_user = None, None
    return note, {"returned_by": returned_by}, list(_center_ids(event)), ["assignee_department", "assignee_user"]


def _on_resolve(event, actor, details, note):
    event.result = str(details["result"])[:4000]
    for content in details.get("photos") or ():
        EventPhoto.objects.create(event=event, stage=PhotoStage.AFTER, image=content, uploaded_by=actor)
    return event.result, {}, [], ["result"]


def resolved_by(event: Event) -> int | None:
    """The account that reported the result now awaiting verification (the last resolve step)."""
    return event.log.filter(action="resolve").order_by("-seq").values_list("actor_ref", flat=True).first()


# Verifying a result (closing, or sending it back for rework) is for someone other than who reported it.
VERIFY_ACTIONS = ("close", "rework")


def _verifier_check(event, actor) -> None:
    """Four eyes: who reported the result does not verify it (自处置 closes in `event_report`)."""
    if actor is not None and resolved_by(event) == actor.pk:
        raise EventError(
            _(
                "You reported this result yourself: someone else verifies it (the grid chief, another worker "
                "of the grid or the command center)."
            ),
            status=403,
        )


def _on_close(event, actor, details, note):
    _verifier_check(event, actor)
    for content in details.get("photos") or ():
        EventPhoto.objects.create(event=event, stage=PhotoStage.VERIFY, image=content, uploaded_by=actor)
    return note, {}, [], []


def _on_rework(event, actor, details, note):
    _verifier_check(event, actor)
    event.rework_count += 1
    return note, {"rework": event.rework_count}, _assignee_ids(event), ["rework_count"]


def _on_request_extension(event, actor, details, note):
    try:
        hours = int(details["hours"])
    except (TypeError, ValueError):
        hours = 0
    if not 1 <= hours <= 720:
        raise EventError(_("Ask for 1 to 720 hours."), field="hours")
    event.extension_requested_hours = hours
    return note, {"hours": hours}, list(_center_ids(event)), ["extension_requested_hours"]


def _on_approve_extension(event, actor, details, note):
    hours = event.extension_requested_hours
    if not hours:
        raise EventError(_("Nobody asked for more time."), status=409)
    base = max(event.due_at or timezone.now(), timezone.now())
    _set_deadline(event, base, hours, event.category.limit_unit)
    event.extension_count += 1
    event.extension_requested_hours = None
    event.overdue = False
    return (
        note,
        {"hours": hours, "due_at": event.due_at.isoformat()},
        _assignee_ids(event),
        ["due_at", "remind_at", "extension_count", "extension_requested_hours", "overdue"],
    )


def _on_escalate(event, actor, details, note):
    if event.escalation_level >= len(event.grid.code) // 3 - 2:
        raise EventError(_("The case is already at the top level."), status=409)
    event.escalation_level += 1
    return note, {"escalation_level": event.escalation_level}, list(_center_ids(event)), ["escalation_level"]


def _on_mark_overdue(event, actor, details, note):
    event.overdue = True
    return note, {"due_at": event.due_at.isoformat() if event.due_at else None}, _assignee_ids(event), ["overdue"]


def _on_rate(event, actor, details, note):
    try:
        satisfaction = int(details["satisfaction"])
    except (TypeError, ValueError):
        satisfaction = 0
    if not 1 <= satisfaction <= 5:
        raise EventError(_("Rate from 1 to 5."), field="satisfaction")
    if event.satisfaction is not None:
        raise EventError(_("This case has been rated already."), status=409)
    if event.callback_required and not event.callbacks.filter(reached=True).exists():
        raise EventError(_("Call the reporter back (回访) before the final evaluation."), status=409)
    event.satisfaction = satisfaction
    event.rating_comment = str(details.get("comment") or "")[:500]
    return event.rating_comment, {"satisfaction": satisfaction}, [], ["satisfaction", "rating_comment"]


_HANDLERS = {
    "accept": _on_accept,
    "merge": _on_merge,
    "dispatch": _on_dispatch,
    "return": _on_return,
    "resolve": _on_resolve,
    "close": _on_close,
    "rework": _on_rework,
    "request_extension": _on_request_extension,
    "approve_extension": _on_approve_extension,
    "escalate": _on_escalate,
    "mark_overdue": _on_mark_overdue,
    "rate": _on_rate,
}


def _center_ids(event: Event):
    """Command-center staff seated on the case's grid or above it."""
    return command_center_ids(event.grid.code)


# --- other writes on a case --------------------------------------------------------------


# A callback follows up a case taken on: from acceptance to closing (the rating needs one first).
CALLBACK_STATUSES = (
    Status.ACCEPTED,
    Status.DISPATCHED,
    Status.RETURNED,
    Status.IN_PROGRESS,
    Status.RESOLVED,
    Status.CLOSED,
)


@transaction.atomic
def callback_record(*, event: Event, actor, reached: bool, satisfaction: int | None = None, note: str = ""):
    """Record a callback (回访) to the reporter of a hotline or petition case."""
    event = Event.objects.select_for_update().select_related("grid").get(pk=event.pk)
    if CENTER not in event_roles(event=event, user=actor):
        raise EventError(_("Case not found."), status=404)
    if event.status not in CALLBACK_STATUSES:
        raise EventError(
            _("A callback is recorded once the case has been accepted; this case is %(status)s.")
            % {"status": event.get_status_display()},
            status=409,
        )
    if satisfaction is not None and not 1 <= int(satisfaction) <= 5:
        raise EventError(_("Rate from 1 to 5."), field="satisfaction")
    record = CallbackRecord.objects.create(
        event=event, staff=actor, reached=reached, satisfaction=satisfaction, note=note[:2000]
    )
    _log(
        event,
        "callback",
        actor,
        from_status=event.status,
        to_status=event.status,
        note=note[:2000],
        data={"reached": reached, "satisfaction": satisfaction},
    )
    event.save(update_fields=["log_head", "updated_at"])
    return record


@transaction.atomic
def reporter_phone_reveal(*, event: Event, actor) -> str:
    """The reporter's whole phone number, for staff who call back. Every reveal is logged twice:
    in the case's own history and in the personal-data audit trail (`govgrid.audit`)."""
    event = Event.objects.select_for_update().select_related("grid").get(pk=event.pk)
    if not event_roles(event=event, user=actor) & {CENTER, ASSIGNEE}:
        raise EventError(_("Case not found."), status=404)
    _log(event, "reveal_phone", actor, from_status=event.status, to_status=event.status)
    event.save(update_fields=["log_head", "updated_at"])
    phone = crypto.decrypt(event.reporter_phone_encrypted)
    if phone:
        personal_data_reveal_record(
            actor=actor, kind=PersonalData.CASE_REPORTER_PHONE, obj=event, label=event.number, grid_code=event.grid.code
        )
    return phone


def photos_clean(files) -> list:
    files = list(files)
    if len(files) > MAX_PHOTOS:
        raise EventError(_("At most 6 photos."), field="photos")
    try:
        return [clean_image(f) for f in files]
    except UploadError as exc:
        raise EventError(str(exc), field="photos") from None


MEDIATION_LEVELS = ("grid", "community", "township")


@transaction.atomic
def mediation_record(*, event: Event, actor, level: str, parties: str, outcome: str, agreement: str = ""):
    """Record a mediation of a dispute (矛盾纠纷) at one level: grid 初调, community 再调, township
    联调. Levels go upward in order; a failed mediation below the township escalates the case
    one grid level so the next level takes it up."""
    from .models import MediationRecord

    event = Event.objects.select_for_update().select_related("grid", "category").get(pk=event.pk)
    if event.category.kind != CategoryKind.DISPUTE:
        raise EventError(_("Only disputes are mediated."), status=409)
    if not event_roles(event=event, user=actor) & {CENTER, ASSIGNEE, GRID}:
        raise EventError(_("Case not found."), status=404)
    if event.status not in OPEN_STATUSES:
        raise EventError(_("The case is no longer open."), status=409)
    if level not in MEDIATION_LEVELS or outcome not in ("agreed", "failed"):
        raise EventError(_("Choose a mediation level and outcome."), field="level")
    done = list(event.mediations.values_list("level", flat=True))
    expected = MEDIATION_LEVELS[len(done)] if len(done) < len(MEDIATION_LEVELS) else None
    if level != expected:
        raise EventError(_("Mediate level by level: next is %(level)s.") % {"level": expected or "—"}, field="level")
    if not parties.strip():
        raise EventError(_("Name the parties."), field="parties")
    record = MediationRecord.objects.create(
        event=event, level=level, parties=parties[:2000], outcome=outcome, agreement=agreement[:4000], mediator=actor
    )
    _log(
        event,
        "mediation",
        actor,
        from_status=event.status,
        to_status=event.status,
        note=agreement[:2000],
        data={"level": level, "outcome": outcome},
    )
    fields = ["log_head", "updated_at"]
    if outcome == "failed" and level != "township" and event.escalation_level < len(event.grid.code) // 3 - 2:
        event.escalation_level += 1
        fields.append("escalation_level")
    event.save(update_fields=fields)
    _after_commit(event, "event.updated")
    return record
