"""Writes of the party app: the organisation tree, rosters (and their xlsx import), units and
co-building, wishes (post → dispatch or claim → complete → confirm, hours credited once),
activities and service hours.

Every refusal is a `PartyError` with a message for the user and an HTTP status: 404 for an
object outside the actor's jurisdiction (as if absent), 403 for a role that may not, 409 for a
state that does not allow the step, 400 for bad details. Nothing is half-saved: each service is
one transaction.
"""

import hashlib
import hmac
import logging
import re
import secrets
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from govgrid import crypto
from govgrid.audit import PersonalData, personal_data_reveal_record
from govgrid.notify import notify
from govgrid.permissions import ADMIN, GRID_WORKER, PARTY_ORGANISER, has_role
from govgrid.phones import clean_phone
from grids.choices import Level
from grids.models import Grid, Membership
from grids.selectors import code_in_jurisdiction

from .choices import (
    OPEN_WISH_STATUSES,
    ORG_PARENTS,
    ActivityKind,
    ItemKind,
    MemberKind,
    OrgKind,
    ProjectStatus,
    RecordSource,
    ServiceType,
    UnitKind,
    WishStatus,
)
from .models import (
    MAX_HOURS_PER_RECORD,
    Activity,
    ActivitySignup,
    CoBuildItem,
    CoBuildProject,
    PartyMember,
    PartyOrg,
    ServiceRecord,
    Unit,
    Wish,
    WishLog,
)

log = logging.getLogger(__name__)

TRACKING_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read out over the phone
DEFAULT_WISH_DAYS = 7
MAX_WISH_DAYS = 90
REMIND_BEFORE = timedelta(hours=24)
POINTS_PER_HOUR = 10
MIN_HOURS = Decimal("0.5")


class PartyError(Exception):
    """A refused write; `message` is for the user, `status` for HTTP (400, 403, 404, 409)."""

    def __init__(self, message: str, *, status: int = 400, field: str | None = None):
        super().__init__(message)
        self.message, self.status, self.field = message, status, field


def _not_found():
    return PartyError(_("Not found."), status=404)


# --- who may act -------------------------------------------------------------------------


def is_organiser_for(user, code: str) -> bool:
    """A party organiser (or administrator) whose jurisdiction covers `code`."""
    return (
        user is not None
        and user.is_authenticated
        and has_role(user, PARTY_ORGANISER, ADMIN)
        and code_in_jurisdiction(user, code)
    )


def is_grid_worker_for(user, code: str) -> bool:
    return (
        user is not None and user.is_authenticated and has_role(user, GRID_WORKER) and code_in_jurisdiction(user, code)
    )


def member_of(user) -> PartyMember | None:
    """The active roster row a signed-in user acts as on the phone pages, if any."""
    if user is None or not user.is_authenticated:
        return None
    return PartyMember.objects.filter(user=user, active=True).select_related("org", "home_grid", "work_unit").first()


def member_area_codes(member: PartyMember) -> tuple[str, ...]:
    """Where a member serves: the community they live in (双报到: where serving members report)
    and the community (or wider scope) of their organisation."""
    codes = {member.home_grid.code[:12], member.org.scope_code[:12]}
    return tuple(sorted(codes))


def wish_in_member_area(wish: Wish, member: PartyMember) -> bool:
    return any(wish.grid.code.startswith(code) for code in member_area_codes(member))


def _label(user) -> str:
    return (user.get_full_name() or user.get_username()) if user else ""


# --- personal data ------------------------------------------------------------------------

ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
ID_CHECK = "10X98765432"


def id_number_clean(value: str) -> str:
    """An 18-character resident ID number (GB 11643), checked digit included; else PartyError."""
    value = re.sub(r"\s", "", str(value or "")).upper()
    if not re.fullmatch(r"\d{17}[\dX]", value):
        raise PartyError(_("An ID number has 18 characters: 17 digits and a digit or X."), field="id_number")
    total = sum(int(d) * w for d, w in zip(value[:17], ID_WEIGHTS, strict=True))
    if ID_CHECK[total % 11] != value[-1]:
        raise PartyError(_("The ID number's check digit is wrong."), field="id_number")
    return value


def id_hash(value: str) -> str:
    """A keyed hash (HMAC-SHA256) of an ID number: equal numbers match, the number is not kept."""
    key = (settings.PERSONAL_DATA_KEY or ("govgrid-id-hash:" + settings.SECRET_KEY)).encode()
    return hmac.new(key, value.encode(), hashlib.sha256).hexdigest()


def id_mask(value: str) -> str:
    return f"{value[:4]}{'*' * 10}{value[-4:]}"


def hours_clean(value, *, field: str = "hours") -> Decimal:
    """Hours of one piece of service: 0.5 to 24 in steps of 0.1. Negative or absurd hours refused."""
    try:
        hours = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise PartyError(_("Give the hours as a number, like 1.5."), field=field) from None
    if not hours.is_finite() or hours < MIN_HOURS or hours > MAX_HOURS_PER_RECORD:
        raise PartyError(_("Hours must be between 0.5 and 24."), field=field)
    if hours != hours.quantize(Decimal("0.1")):
        raise PartyError(_("Give the hours to one decimal place."), field=field)
    return hours


@transaction.atomic
def member_phone_reveal(*, member: PartyMember, actor) -> str:
    """A member's whole phone, for party organisers of the member's jurisdiction (the masked one
    for anyone else); each reveal is recorded in the personal-data audit trail."""
    if not is_organiser_for(actor, member.home_grid.code) and not is_organiser_for(actor, member.org.scope_code):
        return member.phone_masked
    phone = crypto.decrypt(member.phone_encrypted)
    if phone:
        personal_data_reveal_record(
            actor=actor,
            kind=PersonalData.PARTY_MEMBER_PHONE,
            obj=member,
            label=crypto.mask_name(member.name),
            grid_code=member.home_grid.code,
        )
        log.info("party member phone revealed: member=%s to user=%s", member.pk, actor.pk)
    return phone


# --- organisation tree --------------------------------------------------------------------


@transaction.atomic
def org_create(
    *, actor, name: str, kind: str, parent: PartyOrg | None = None, grid: Grid | None = None, secretary: str = ""
) -> PartyOrg:
    """Add a node to the tree. A node's grid lies within its parent's scope; a top node needs a grid."""
    name = (name or "").strip()
    if not name or len(name) > 100:
        raise PartyError(_("Name the organisation (up to 100 characters)."), field="name")
    if kind not in OrgKind.values:
        raise PartyError(_("Unknown kind of organisation."), field="kind")
    allowed = ORG_PARENTS[OrgKind(kind)]
    if (parent.kind if parent else None) not in allowed:
        raise PartyError(_("A %(kind)s cannot sit there in the tree.") % {"kind": OrgKind(kind).label}, field="parent")
    if grid is None and parent is None:
        raise PartyError(_("A top organisation must sit on a grid."), field="grid")
    if grid is not None and parent is not None and not grid.code.startswith(parent.scope_code):
        raise PartyError(_("The grid lies outside the parent organisation's area."), field="grid")
    scope = grid.code if grid is not None else parent.scope_code
    if actor is not None and not is_organiser_for(actor, scope):
        raise _not_found()
    return PartyOrg.objects.create(
        name=name, kind=kind, parent=parent, grid=grid, scope_code=scope, secretary=(secretary or "")[:40]
    )


# --- members ------------------------------------------------------------------------------


def _duplicate_message(existing: PartyMember) -> str:
    return _("This ID number is already on the roster of %(org)s (%(name)s).") % {
        "org": existing.org.name,
        "name": crypto.mask_name(existing.name),
    }


def _member_fields(
    *,
    actor,
    name,
    phone,
    id_number,
    org: PartyOrg,
    home_grid: Grid,
    kind,
    work_unit: Unit | None,
    work_unit_name,
    skills,
    service_types,
    reported_on,
) -> dict:
    """Validated fields of a roster row (without saving); raises PartyError on the first problem."""
    name = (name or "").strip()
    if not name or len(name) > 40:
        raise PartyError(_("Give the member's name (up to 40 characters)."), field="name")
    if actor is not None and not (is_organiser_for(actor, org.scope_code) and is_organiser_for(actor, home_grid.code)):
        raise PartyError(_("That organisation or home grid is outside your jurisdiction."), status=404, field="org")
    if kind not in MemberKind.values:
        raise PartyError(_("Unknown kind of member."), field="kind")
    if kind == MemberKind.SERVING and not (work_unit or (work_unit_name or "").strip()):
        raise PartyError(_("A serving member reporting in needs their work unit."), field="work_unit")
    types = [t.strip() for t in (service_types or "").replace("，", ",").split(",") if t.strip()]
    unknown = [t for t in types if t not in ServiceType.values]
    if unknown:
        raise PartyError(_("Unknown service type %(type)s.") % {"type": unknown[0][:20]}, field="service_types")
    phone = clean_phone(phone, error=PartyError)
    number = id_number_clean(id_number) if id_number else ""
    return {
        "name": name,
        "phone_encrypted": crypto.encrypt(phone),
        "phone_masked": crypto.mask_phone(phone),
        "id_hash": id_hash(number) if number else None,
        "id_masked": id_mask(number) if number else "",
        "org": org,
        "home_grid": home_grid,
        "kind": kind,
        "work_unit": work_unit,
        "work_unit_name": (work_unit_name or (work_unit.name if work_unit else ""))[:100],
        "skills": (skills or "")[:200],
        "service_types": ",".join(types),
        "reported_on": reported_on or (timezone.localdate() if kind == MemberKind.SERVING else None),
    }


@transaction.atomic
def member_create(
    *,
    actor,
    name: str,
    org: PartyOrg,
    home_grid: Grid,
    phone: str = "",
    id_number: str = "",
    kind: str = MemberKind.REGISTERED,
    work_unit: Unit | None = None,
    work_unit_name: str = "",
    skills: str = "",
    service_types: str = "",
    reported_on: date | None = None,
    user=None,
) -> PartyMember:
    """Put a member on an organisation's roster. One member, one organisation: an ID number
    already on any roster is refused with where it is."""
    fields = _member_fields(
        actor=actor,
        name=name,
        phone=phone,
        id_number=id_number,
        org=org,
        home_grid=home_grid,
        kind=kind,
        work_unit=work_unit,
        work_unit_name=work_unit_name,
        skills=skills,
        service_types=service_types,
        reported_on=reported_on,
    )
    if fields["id_hash"]:
        existing = PartyMember.objects.filter(id_hash=fields["id_hash"]).select_related("org").first()
        if existing:
            raise PartyError(_duplicate_message(existing), status=409, field="id_number")
    if user is not None and PartyMember.objects.filter(user=user).exists():
        raise PartyError(_("That account already belongs to a member on a roster."), status=409, field="user")
    try:
        with transaction.atomic():
            return PartyMember.objects.create(user=user, **fields)
    except IntegrityError:  # a concurrent import of the same ID number
        raise PartyError(_("This ID number is already on a roster."), status=409, field="id_number") from None


IMPORT_COLUMNS = (
    "name",
    "phone",
    "id_number",
    "org",
    "home_grid",
    "kind",
    "work_unit",
    "skills",
    "service_types",
)
# Headers accepted for each column (English and the Chinese of the county's roster sheets).
IMPORT_HEADERS = {
    "name": {"name", "姓名"},
    "phone": {"phone", "手机", "手机号", "联系电话"},
    "id_number": {"id_number", "id", "身份证号", "身份证号码"},
    "org": {"org", "organisation", "所在党组织", "党组织"},
    "home_grid": {"home_grid", "grid", "居住网格", "网格编码"},
    "kind": {"kind", "类别", "党员类别"},
    "work_unit": {"work_unit", "工作单位"},
    "skills": {"skills", "特长"},
    "service_types": {"service_types", "服务类型"},
}
KIND_WORDS = {
    "在册": MemberKind.REGISTERED,
    "在职报到": MemberKind.SERVING,
    "在职": MemberKind.SERVING,
    "流动": MemberKind.MOBILE,
    **{k: k for k in MemberKind.values},
}
MAX_IMPORT_ROWS = 5000


class ImportRejected(PartyError):
    """An import refused as a whole; `problems` lists (row number, message) for each bad row."""

    def __init__(self, problems: list[tuple[int, str]]):
        super().__init__(_("Nothing was imported: %(n)s rows have problems.") % {"n": len(problems)})
        self.problems = problems


def _read_sheet(upload) -> list[tuple[int, dict]]:
    from openpyxl import load_workbook

    try:
        upload.seek(0)
        book = load_workbook(upload, read_only=True, data_only=True)
    except Exception:  # openpyxl raises many kinds for a file that is not a workbook
        raise PartyError(_("This is not an xlsx workbook."), field="file") from None
    sheet = book.worksheets[0]
    rows = sheet.iter_rows(values_only=True)
    header = next(rows, None) or ()
    columns: dict[int, str] = {}
    for index, title in enumerate(header):
        title = str(title or "").strip().lower()
        for column, names in IMPORT_HEADERS.items():
            if title in names:
                columns[index] = column
    missing = {"name", "org", "home_grid"} - set(columns.values())
    if missing:
        raise PartyError(
            _("The first row must name the columns; missing: %(cols)s.") % {"cols": ", ".join(sorted(missing))},
            field="file",
        )
    out = []
    for number, row in enumerate(rows, start=2):
        values = {columns[i]: ("" if v is None else str(v).strip()) for i, v in enumerate(row) if i in columns}
        if not any(values.values()):
            continue
        out.append((number, values))
        if len(out) > MAX_IMPORT_ROWS:
            raise PartyError(_("At most 5,000 rows at a time."), field="file")
    book.close()
    return out


@transaction.atomic
def members_import(*, actor, upload) -> list[PartyMember]:
    """Import a roster from xlsx (one member a row). Every row is checked first; if any row has a
    problem nothing is saved and `ImportRejected.problems` names each bad row."""
    rows = _read_sheet(upload)
    if not rows:
        raise PartyError(_("The sheet has no members."), field="file")
    orgs = {}
    for org in PartyOrg.objects.all():
        orgs.setdefault(org.name, org)
        orgs[str(org.pk)] = org
    grid_codes = {r["home_grid"] for _, r in rows if r.get("home_grid")}
    grids = {g.code: g for g in Grid.objects.filter(code__in=grid_codes, active_to__isnull=True)}
    units = {u.name: u for u in Unit.objects.all()}
    problems: list[tuple[int, str]] = []
    prepared: list[dict] = []
    seen_ids: dict[str, int] = {}
    for number, r in rows:
        try:
            org = orgs.get(r.get("org", ""))
            if org is None:
                raise PartyError(_("Unknown organisation %(org)s.") % {"org": r.get("org", "")[:40]})
            grid = grids.get(r.get("home_grid", ""))
            if grid is None:
                raise PartyError(_("Unknown grid code %(code)s.") % {"code": r.get("home_grid", "")[:20]})
            kind = KIND_WORDS.get(r.get("kind") or "在册")
            if kind is None:
                raise PartyError(_("Unknown kind of member %(kind)s.") % {"kind": r.get("kind", "")[:20]})
            unit_name = r.get("work_unit", "")
            fields = _member_fields(
                actor=actor,
                name=r.get("name", ""),
                phone=r.get("phone", ""),
                id_number=r.get("id_number", ""),
                org=org,
                home_grid=grid,
                kind=kind,
                work_unit=units.get(unit_name),
                work_unit_name=unit_name,
                skills=r.get("skills", ""),
                service_types=r.get("service_types", ""),
                reported_on=None,
            )
            if fields["id_hash"]:
                if fields["id_hash"] in seen_ids:
                    raise PartyError(_("The same ID number as row %(row)s.") % {"row": seen_ids[fields["id_hash"]]})
                seen_ids[fields["id_hash"]] = number
        except PartyError as exc:
            problems.append((number, exc.message))
            continue
        prepared.append((number, fields))
    existing = {m.id_hash: m for m in PartyMember.objects.filter(id_hash__in=seen_ids).select_related("org")}
    for number, fields in prepared:
        if fields["id_hash"] in existing:
            problems.append((number, _duplicate_message(existing[fields["id_hash"]])))
    if problems:
        raise ImportRejected(sorted(problems))
    try:
        with transaction.atomic():
            return PartyMember.objects.bulk_create([PartyMember(**f) for _, f in prepared])
    except IntegrityError:
        raise PartyError(
            _("An ID number in the sheet was put on a roster meanwhile; nothing was imported."), status=409
        ) from None


# --- units and co-building ----------------------------------------------------------------


def _community(grid: Grid) -> Grid:
    if grid.level != Level.COMMUNITY:
        raise PartyError(_("Choose a community (村/社区)."), field="community")
    return grid


@transaction.atomic
def unit_create(
    *,
    actor,
    name: str,
    kind: str,
    community: Grid,
    contact_name: str = "",
    contact_phone: str = "",
    reported_on: date | None = None,
    co_building: bool = False,
    agreement_from: date | None = None,
    agreement_to: date | None = None,
) -> Unit:
    """A unit reports to a community (单位双报到), optionally as a co-building unit."""
    _community(community)
    if actor is not None and not is_organiser_for(actor, community.code):
        raise _not_found()
    name = (name or "").strip()
    if not name or len(name) > 100:
        raise PartyError(_("Name the unit (up to 100 characters)."), field="name")
    if kind not in UnitKind.values:
        raise PartyError(_("Unknown kind of unit."), field="kind")
    if agreement_from and agreement_to and agreement_to < agreement_from:
        raise PartyError(_("The agreement ends before it starts."), field="agreement_to")
    if Unit.objects.filter(community=community, name=name).exists():
        raise PartyError(_("This unit already reports to this community."), status=409, field="name")
    phone = clean_phone(contact_phone, error=PartyError)
    return Unit.objects.create(
        name=name,
        kind=kind,
        community=community,
        contact_name=(contact_name or "")[:40],
        contact_phone_encrypted=crypto.encrypt(phone),
        contact_phone_masked=crypto.mask_phone(phone),
        reported_on=reported_on or timezone.localdate(),
        co_building=co_building,
        agreement_from=agreement_from,
        agreement_to=agreement_to,
    )


@transaction.atomic
def item_create(*, actor, kind: str, community: Grid, title: str, unit: Unit | None = None, description: str = ""):
    """Add a line to a list: a unit's resource, or a community's need."""
    _community(community)
    if actor is not None and not is_organiser_for(actor, community.code):
        raise _not_found()
    if kind not in ItemKind.values:
        raise PartyError(_("Unknown list."), field="kind")
    if kind == ItemKind.RESOURCE and (unit is None or unit.community_id != community.pk):
        raise PartyError(_("A resource belongs to a unit that reports to this community."), field="unit")
    title = (title or "").strip()
    if not title or len(title) > 100:
        raise PartyError(_("Give a title (up to 100 characters)."), field="title")
    return CoBuildItem.objects.create(
        kind=kind, community=community, unit=unit, title=title, description=(description or "")[:4000]
    )


@transaction.atomic
def project_match(
    *, actor, need: CoBuildItem, resource: CoBuildItem, owner: str, starts_on: date, ends_on: date, title: str = ""
) -> CoBuildProject:
    """Match a community's need to a unit's resource: the match becomes a project."""
    if not is_organiser_for(actor, need.community.code):
        raise _not_found()
    if need.kind != ItemKind.NEED or resource.kind != ItemKind.RESOURCE:
        raise PartyError(_("Match a need with a resource."), field="resource")
    if resource.community_id != need.community_id:
        raise PartyError(_("The resource belongs to another community."), field="resource")
    if not (owner or "").strip():
        raise PartyError(_("Name the project's owner."), field="owner")
    if not starts_on or not ends_on or ends_on < starts_on:
        raise PartyError(_("The project ends before it starts."), field="ends_on")
    if CoBuildProject.objects.filter(need=need, resource=resource).exists():
        raise PartyError(_("This need and resource are already a project."), status=409)
    return CoBuildProject.objects.create(
        community=need.community,
        need=need,
        resource=resource,
        unit=resource.unit,
        title=((title or "").strip() or f"{need.title} × {resource.unit.name}")[:100],
        owner=owner.strip()[:40],
        starts_on=starts_on,
        ends_on=ends_on,
    )


@transaction.atomic
def project_update(*, actor, project: CoBuildProject, status: str, outcome: str = "") -> CoBuildProject:
    project = CoBuildProject.objects.select_for_update(of=("self",)).select_related("community").get(pk=project.pk)
    if not is_organiser_for(actor, project.community.code):
        raise _not_found()
    if status not in ProjectStatus.values:
        raise PartyError(_("Unknown project status."), field="status")
    if status == ProjectStatus.DONE and not (outcome or project.outcome).strip():
        raise PartyError(_("Describe the outcome of a finished project."), field="outcome")
    project.status = status
    if outcome:
        project.outcome = outcome[:4000]
    project.save(update_fields=["status", "outcome"])
    return project


# --- service hours ------------------------------------------------------------------------


def _credit(*, member: PartyMember | None = None, unit: Unit | None = None, hours: Decimal, points: int = 0, **record):
    """Add a record and the totals it feeds; returns None when the record exists already."""
    try:
        with transaction.atomic():
            row = ServiceRecord.objects.create(member=member, unit=unit, hours=hours, points=points, **record)
    except IntegrityError:
        return None
    if member is not None:
        PartyMember.objects.filter(pk=member.pk).update(hours=F("hours") + hours, points=F("points") + points)
    else:
        Unit.objects.filter(pk=unit.pk).update(hours=F("hours") + hours)
    return row


@transaction.atomic
def record_add(
    *, actor, hours, on: date, note: str, member: PartyMember | None = None, unit: Unit | None = None
) -> ServiceRecord:
    """The community records service it saw (outside wishes and activities)."""
    if (member is None) == (unit is None):
        raise PartyError(_("Record hours for one member or one unit."), field="member")
    code = member.home_grid.code if member else unit.community.code
    if not is_organiser_for(actor, code):
        raise _not_found()
    hours = hours_clean(hours)
    if on is None or on > timezone.localdate():
        raise PartyError(_("The date cannot be in the future."), field="date")
    if not (note or "").strip():
        raise PartyError(_("Say what the service was."), field="note")
    return _credit(
        member=member,
        unit=unit,
        hours=hours,
        points=int(hours * POINTS_PER_HOUR),
        source=RecordSource.MANUAL,
        date=on,
        note=note.strip()[:200],
        recorded_by=actor,
    )


# --- wishes -------------------------------------------------------------------------------


def _code(n: int) -> str:
    return "".join(secrets.choice(TRACKING_ALPHABET) for _ in range(n))


def _wish_log(wish: Wish, action: str, actor, note: str = "") -> None:
    WishLog.objects.create(wish=wish, action=action, actor=actor, actor_label=_label(actor), note=(note or "")[:500])


def _organiser_ids(code: str) -> list[int]:
    """Party organisers seated on the wish's grid or above it."""
    ancestors = [code[:n] for n in (2, 4, 6, 9, 12, 15, 18) if n <= len(code)]
    return list(
        Membership.objects.filter(grid__code__in=ancestors, user__groups__name=PARTY_ORGANISER)
        .values_list("user_id", flat=True)
        .distinct()
    )


def _wish_url(wish: Wish) -> str:
    return f"/party/wishes/{wish.number}/"


@transaction.atomic
def wish_post(
    *,
    actor,
    title: str,
    grid: Grid,
    description: str = "",
    service_type: str = "",
    resident_name: str = "",
    phone: str = "",
    address: str = "",
    due_days: int = DEFAULT_WISH_DAYS,
    idempotency_key: str | None = None,
) -> Wish:
    """A resident's wish (actor None: the public page), or one a grid worker or party organiser
    posts for them on a grid of their jurisdiction."""
    if idempotency_key:
        existing = Wish.objects.filter(idempotency_key=idempotency_key).first()
        if existing:
            return existing
    if grid is None or grid.level < Level.COMMUNITY or not grid.is_active:
        raise PartyError(_("Choose the community or grid where you live."), field="grid")
    if actor is not None and not (is_grid_worker_for(actor, grid.code) or is_organiser_for(actor, grid.code)):
        raise PartyError(_("This grid is outside your jurisdiction."), status=404, field="grid")
    title = (title or "").strip()
    if not title or len(title) > 100:
        raise PartyError(_("Say what you wish for (up to 100 characters)."), field="title")
    if len(description or "") > 2000:
        raise PartyError(_("The details are longer than 2,000 characters."), field="description")
    if service_type and service_type not in ServiceType.values:
        raise PartyError(_("Unknown service type."), field="service_type")
    try:
        due_days = int(due_days)
    except (TypeError, ValueError):
        due_days = 0
    if not 1 <= due_days <= MAX_WISH_DAYS:
        raise PartyError(_("The deadline is 1 to 90 days away."), field="due_days")
    if len(address or "") > 200:
        raise PartyError(_("The address is longer than 200 characters."), field="address")
    phone = clean_phone(phone, error=PartyError)
    now = timezone.now()
    for _attempt in range(5):
        number = f"W{timezone.localdate():%y%m%d}{_code(5)}"
        if not Wish.objects.filter(number=number).exists():
            break
    wish = Wish.objects.create(
        number=number,
        tracking_code=_code(10),
        title=title,
        description=(description or "").strip(),
        service_type=service_type or "",
        grid=grid,
        resident_name=crypto.mask_name((resident_name or "").strip()[:40]),
        resident_phone_encrypted=crypto.encrypt(phone),
        resident_phone_masked=crypto.mask_phone(phone),
        resident_address=(address or "").strip(),
        posted_by=actor,
        due_at=now + timedelta(days=due_days),
        idempotency_key=idempotency_key or None,
    )
    _wish_log(wish, "post", actor)
    notify(
        user_ids=_organiser_ids(grid.code),
        kind="wish.posted",
        title=_("New wish %(number)s: %(title)s") % {"number": wish.number, "title": title[:60]},
        url=_wish_url(wish),
        dedupe_key=f"wish-posted:{wish.pk}",
    )
    return wish


def _locked(wish: Wish) -> Wish:
    return (
        Wish.objects.select_for_update(of=("self",))
        .select_related("grid", "assignee_member__org", "assignee_unit")
        .get(pk=wish.pk)
    )


@transaction.atomic
def wish_dispatch(*, actor, wish: Wish, member: PartyMember | None = None, unit: Unit | None = None) -> Wish:
    """派单: the party organisation sends an open wish to a member or a unit (again, to change it)."""
    wish = _locked(wish)
    if not is_organiser_for(actor, wish.grid.code):
        raise _not_found()
    if (member is None) == (unit is None):
        raise PartyError(_("Dispatch to one member or one unit."), field="member")
    if wish.status not in (WishStatus.POSTED, WishStatus.DISPATCHED):
        raise PartyError(_("This wish has been taken on already."), status=409)
    if member is not None:
        member = PartyMember.objects.select_related("org", "home_grid").get(pk=member.pk)
        if not member.active:
            raise PartyError(_("That member is no longer active."), field="member")
        if not wish_in_member_area(wish, member):
            raise PartyError(_("The wish lies outside that member's community."), field="member")
        target = member.name
    else:
        if not wish.grid.code.startswith(unit.community.code):
            raise PartyError(_("The wish lies outside the community that unit reports to."), field="unit")
        target = unit.name
    wish.status, wish.assignee_member, wish.assignee_unit = WishStatus.DISPATCHED, member, unit
    wish.dispatched_at = timezone.now()
    wish.save(update_fields=["status", "assignee_member", "assignee_unit", "dispatched_at"])
    _wish_log(wish, "dispatch", actor, target)
    if member is not None and member.user_id:
        recipients = [member.user_id]
    else:
        recipients = (
            list(
                PartyMember.objects.filter(work_unit=unit, active=True, user__isnull=False).values_list(
                    "user_id", flat=True
                )
            )
            if unit
            else []
        )
    notify(
        user_ids=recipients,
        kind="wish.dispatched",
        title=_("A wish was sent to you: %(title)s") % {"title": wish.title[:60]},
        url=f"/party/m/wishes/{wish.number}/",
        dedupe_key=f"wish-dispatch:{wish.pk}:{wish.dispatched_at.isoformat()}",
    )
    return wish


def wish_claimable_by(wish: Wish, member: PartyMember) -> bool:
    """Whether the member may take the wish on now (the page shows the button)."""
    if wish.status == WishStatus.POSTED:
        return True
    return wish.status == WishStatus.DISPATCHED and (
        wish.assignee_member_id == member.pk
        or (not wish.assignee_member_id and bool(member.work_unit_id) and wish.assignee_unit_id == member.work_unit_id)
    )


@transaction.atomic
def wish_claim(*, actor, wish: Wish) -> Wish:
    """接单: a member takes on a wish that waits for a taker, or one dispatched to them or to their
    work unit. Two members claiming at once: one conditional UPDATE wins, the other is told the
    wish is taken."""
    member = member_of(actor)
    if member is None:
        raise PartyError(_("Only members on a roster can take on wishes."), status=403)
    wish = Wish.objects.select_related("grid").filter(pk=wish.pk).first()
    if wish is None or not wish_in_member_area(wish, member):
        raise _not_found()
    claimable = Q(status=WishStatus.POSTED) | Q(status=WishStatus.DISPATCHED, assignee_member=member)
    if member.work_unit_id:
        claimable |= Q(status=WishStatus.DISPATCHED, assignee_member__isnull=True, assignee_unit=member.work_unit_id)
    now = timezone.now()
    won = Wish.objects.filter(claimable, pk=wish.pk).update(
        status=WishStatus.CLAIMED, assignee_member=member, claimed_at=now
    )
    if not won:
        current = Wish.objects.get(pk=wish.pk)
        if current.status == WishStatus.CLAIMED and current.assignee_member_id == member.pk:
            raise PartyError(_("You have taken on this wish already."), status=409)
        if current.status == WishStatus.DISPATCHED:
            raise PartyError(_("This wish was sent to someone else."), status=409)
        raise PartyError(_("Someone has taken on this wish already."), status=409)
    wish = Wish.objects.select_related("grid", "assignee_member").get(pk=wish.pk)
    _wish_log(wish, "claim", actor, member.name)
    notify(
        user_ids=_organiser_ids(wish.grid.code),
        kind="wish.claimed",
        title=_("Wish %(number)s taken on by %(name)s") % {"number": wish.number, "name": member.name},
        url=_wish_url(wish),
        dedupe_key=f"wish-claim:{wish.pk}",
    )
    return wish


def photo_clean(photo):
    """Re-encode the completion photo as events do (JPEG, no EXIF, no GPS)."""
    from events.services import EventError, photos_clean

    try:
        return photos_clean([photo])[0]
    except EventError as exc:
        raise PartyError(exc.message, field="photo") from None


@transaction.atomic
def wish_complete(*, actor, wish: Wish, note: str, hours, photo) -> Wish:
    """The member who took the wish on reports it done, with a note, the hours spent and a photo."""
    member = member_of(actor)
    wish = _locked(wish)
    if member is None or wish.assignee_member_id != member.pk:
        if member is not None and wish_in_member_area(wish, member):
            raise PartyError(_("Only the member who took on this wish can complete it."), status=403)
        raise _not_found()
    if wish.status != WishStatus.CLAIMED:
        raise PartyError(_("This wish is not waiting to be completed."), status=409)
    note = (note or "").strip()
    if not note:
        raise PartyError(_("Say what you did."), field="note")
    if len(note) > 2000:
        raise PartyError(_("The note is longer than 2,000 characters."), field="note")
    hours = hours_clean(hours)
    if not photo:
        raise PartyError(_("Add a photo of the wish fulfilled."), field="photo")
    image = photo_clean(photo)
    wish.status, wish.completion_note, wish.hours = WishStatus.COMPLETED, note, hours
    wish.completed_at = timezone.now()
    wish.completion_photo.save(image.name, image, save=False)
    wish.save(update_fields=["status", "completion_note", "hours", "completed_at", "completion_photo"])
    _wish_log(wish, "complete", actor)
    posted_by = [wish.posted_by_id] if wish.posted_by_id else []
    notify(
        user_ids=posted_by + _organiser_ids(wish.grid.code),
        kind="wish.completed",
        title=_("Wish %(number)s is done: please confirm") % {"number": wish.number},
        url=_wish_url(wish),
        dedupe_key=f"wish-complete:{wish.pk}",
    )
    return wish


@transaction.atomic
def wish_confirm(*, actor, wish: Wish, rating: int, comment: str = "", tracking_code: str | None = None) -> Wish:
    """The resident (with the tracking code) or a grid worker of the wish's grid confirms a done
    wish and rates it; the member is credited the hours and points, exactly once."""
    try:
        rating = int(rating)
    except (TypeError, ValueError):
        rating = 0
    if not 1 <= rating <= 5:
        raise PartyError(_("Rate from 1 to 5."), field="rating")
    wish = _locked(wish)
    by_resident = (
        actor is None
        and tracking_code is not None
        and secrets.compare_digest(str(tracking_code).upper(), wish.tracking_code)
    )
    if (
        not by_resident
        and not is_grid_worker_for(actor, wish.grid.code)
        and not is_organiser_for(actor, wish.grid.code)
    ):
        raise _not_found()
    if wish.status == WishStatus.CONFIRMED:
        raise PartyError(_("This wish has been confirmed already."), status=409)
    if wish.status != WishStatus.COMPLETED:
        raise PartyError(_("This wish is not done yet."), status=409)
    now = timezone.now()
    wish.status, wish.rating, wish.rating_comment = WishStatus.CONFIRMED, rating, (comment or "").strip()[:500]
    wish.confirmed_at, wish.confirmed_by = now, actor
    wish.save(update_fields=["status", "rating", "rating_comment", "confirmed_at", "confirmed_by"])
    _wish_log(wish, "confirm", actor, f"{rating}/5")
    member = wish.assignee_member
    if member is not None and wish.hours:
        _credit(
            member=member,
            hours=wish.hours,
            points=int(wish.hours * POINTS_PER_HOUR) + rating,
            source=RecordSource.WISH,
            wish=wish,
            date=timezone.localdate(now),
            note=wish.title[:200],
            recorded_by=actor,
        )
        if member.user_id:
            notify(
                user_ids=[member.user_id],
                kind="wish.confirmed",
                title=_("Wish %(number)s confirmed: %(hours)s hours credited")
                % {"number": wish.number, "hours": wish.hours},
                url="/party/m/hours/",
                dedupe_key=f"wish-confirm:{wish.pk}",
            )
    return wish


@transaction.atomic
def wish_cancel(*, actor, wish: Wish, reason: str) -> Wish:
    """The party organisation withdraws an open wish (duplicate, not a wish, resident withdrew)."""
    wish = _locked(wish)
    if not is_organiser_for(actor, wish.grid.code):
        raise _not_found()
    if wish.status not in OPEN_WISH_STATUSES:
        raise PartyError(_("Only an open wish can be cancelled."), status=409)
    if not (reason or "").strip():
        raise PartyError(_("Say why."), field="reason")
    wish.status = WishStatus.CANCELLED
    wish.save(update_fields=["status"])
    _wish_log(wish, "cancel", actor, reason.strip())
    return wish


@transaction.atomic
def resident_phone_reveal(*, wish: Wish, actor) -> str:
    """The resident's phone for the member who took the wish on or an organiser; each reveal is
    recorded in the personal-data audit trail."""
    member = member_of(actor)
    if not (is_organiser_for(actor, wish.grid.code) or (member and wish.assignee_member_id == member.pk)):
        raise _not_found()
    phone = crypto.decrypt(wish.resident_phone_encrypted)
    if phone:
        personal_data_reveal_record(
            actor=actor, kind=PersonalData.WISH_RESIDENT_PHONE, obj=wish, label=wish.number, grid_code=wish.grid.code
        )
        log.info("wish resident phone revealed: wish=%s to user=%s", wish.pk, actor.pk)
    return phone


def wish_deadline_scan(*, now: datetime | None = None) -> dict:
    """Beat runs this every five minutes. A day before the deadline the member who holds a wish
    is reminded; at the deadline the wish is marked overdue and the organisers above it are told.
    Each happens once per wish: the conditional UPDATE of `reminded_at` / `overdue_at` picks one
    scan, and the notification's dedupe key guards the delivery."""
    now = now or timezone.now()
    counts = {"reminded": 0, "overdue": 0}
    open_wishes = Wish.objects.filter(status__in=OPEN_WISH_STATUSES)
    for wish in open_wishes.filter(
        reminded_at__isnull=True, due_at__gt=now, due_at__lte=now + REMIND_BEFORE, assignee_member__isnull=False
    ).select_related("assignee_member"):
        if not Wish.objects.filter(pk=wish.pk, reminded_at__isnull=True).update(reminded_at=now):
            continue
        counts["reminded"] += 1
        with transaction.atomic():
            notify(
                user_ids=[wish.assignee_member.user_id],
                kind="wish.reminder",
                title=_("Wish %(number)s is due at %(due)s")
                % {"number": wish.number, "due": timezone.localtime(wish.due_at).strftime("%m-%d %H:%M")},
                url=f"/party/m/wishes/{wish.number}/",
                dedupe_key=f"wish-remind:{wish.pk}:{wish.due_at.isoformat()}",
            )
    for wish in open_wishes.filter(overdue_at__isnull=True, due_at__lte=now).select_related("grid", "assignee_member"):
        if not Wish.objects.filter(pk=wish.pk, overdue_at__isnull=True).update(overdue_at=now):
            continue
        counts["overdue"] += 1
        holder = [wish.assignee_member.user_id] if wish.assignee_member_id else []
        with transaction.atomic():
            WishLog.objects.create(wish=wish, action="overdue")
            notify(
                user_ids=_organiser_ids(wish.grid.code) + holder,
                kind="wish.overdue",
                title=_("Wish %(number)s is overdue: %(title)s") % {"number": wish.number, "title": wish.title[:60]},
                url=_wish_url(wish),
                dedupe_key=f"wish-overdue:{wish.pk}:{wish.due_at.isoformat()}",
            )
    return counts


# --- activities ---------------------------------------------------------------------------


@transaction.atomic
def activity_create(
    *,
    actor,
    title: str,
    kind: str,
    community: Grid,
    starts_at: datetime,
    ends_at: datetime,
    hours,
    place: str = "",
    description: str = "",
    capacity: int | None = None,
    org: PartyOrg | None = None,
) -> Activity:
    """Publish an activity to a community's members (they are told in their inbox)."""
    _community(community)
    if not is_organiser_for(actor, community.code):
        raise _not_found()
    if kind not in ActivityKind.values:
        raise PartyError(_("Unknown kind of activity."), field="kind")
    title = (title or "").strip()
    if not title or len(title) > 100:
        raise PartyError(_("Give the activity a title (up to 100 characters)."), field="title")
    if not starts_at or not ends_at or ends_at <= starts_at:
        raise PartyError(_("The activity ends before it starts."), field="ends_at")
    hours = hours_clean(hours)
    if capacity is not None and int(capacity) < 1:
        raise PartyError(_("Places must be at least 1."), field="capacity")
    activity = Activity.objects.create(
        title=title,
        kind=kind,
        community=community,
        org=org,
        place=(place or "")[:100],
        description=(description or "")[:4000],
        starts_at=starts_at,
        ends_at=ends_at,
        hours=hours,
        capacity=capacity,
        created_by=actor,
    )
    members = PartyMember.objects.filter(active=True, user__isnull=False).filter(
        Q(home_grid__code__startswith=community.code) | Q(org__scope_code__startswith=community.code)
    )
    notify(
        user_ids=list(members.values_list("user_id", flat=True)),
        kind="party.activity",
        title=_("New activity: %(title)s") % {"title": title[:60]},
        url="/party/m/activities/",
        dedupe_key=f"activity:{activity.pk}",
    )
    return activity


@transaction.atomic
def activity_signup(*, actor, activity: Activity) -> ActivitySignup:
    member = member_of(actor)
    if member is None:
        raise PartyError(_("Only members on a roster can sign up."), status=403)
    activity = Activity.objects.select_for_update(of=("self",)).select_related("community").get(pk=activity.pk)
    if activity.community.code[:12] not in member_area_codes(member):
        raise _not_found()
    if activity.ends_at <= timezone.now():
        raise PartyError(_("This activity is over."), status=409)
    if activity.signups.filter(member=member).exists():
        raise PartyError(_("You have signed up already."), status=409)
    if activity.capacity and activity.signups.count() >= activity.capacity:
        raise PartyError(_("This activity is full."), status=409)
    return ActivitySignup.objects.create(activity=activity, member=member)


@transaction.atomic
def activity_checkin(*, actor, activity: Activity, member: PartyMember) -> ActivitySignup:
    """Attendance check-in by the organiser: credits the activity's hours once."""
    if not is_organiser_for(actor, activity.community.code):
        raise _not_found()
    signup = ActivitySignup.objects.select_for_update(of=("self",)).filter(activity=activity, member=member).first()
    if signup is None:
        raise PartyError(_("That member has not signed up."), status=409)
    if activity.starts_at > timezone.now() + timedelta(hours=1):
        raise PartyError(_("Check-in opens an hour before the activity starts."), status=409)
    if signup.checked_in_at:
        raise PartyError(_("Already checked in."), status=409)
    signup.checked_in_at = timezone.now()
    signup.save(update_fields=["checked_in_at"])
    _credit(
        member=member,
        hours=activity.hours,
        points=int(activity.hours * POINTS_PER_HOUR),
        source=RecordSource.ACTIVITY,
        activity=activity,
        date=timezone.localdate(activity.starts_at),
        note=activity.title[:200],
        recorded_by=actor,
    )
    return signup


# --- yearly evaluation (双评议) -----------------------------------------------------------


@transaction.atomic
def evaluation_record(*, actor, year: int, within: str = "", comments: dict | None = None) -> int:
    """Freeze the year's evaluation sheet of the actor's jurisdiction (or of `within`) into
    `Evaluation` rows, with the community's comments (`{("member", id): "…"}`); re-recording a
    year updates the rows. Returns how many rows were written."""
    from .models import Evaluation
    from .selectors import evaluation_sheet

    if not has_role(actor, PARTY_ORGANISER, ADMIN):
        raise PartyError(_("Only party organisers record evaluations."), status=403)
    if within and not is_organiser_for(actor, within):
        raise _not_found()
    if not 2000 <= int(year) <= timezone.localdate().year:
        raise PartyError(_("Choose a year up to this one."), field="year")
    comments = comments or {}
    sheet = evaluation_sheet(user=actor, year=year, within=within)
    written = 0
    for row in sheet["members"] + sheet["units"]:
        Evaluation.objects.update_or_create(
            year=year,
            **{f"{row.kind}_id": row.id},
            defaults={
                "hours": row.hours,
                "accepted": row.accepted,
                "completed": row.completed,
                "score": row.score,
                "passed": row.passed,
                "comment": (comments.get((row.kind, row.id)) or "")[:500],
                "evaluated_by": actor,
            },
        )
        written += 1
    return written
