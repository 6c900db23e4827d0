"""Reads of the party app, always scoped by jurisdiction. Party organisers, grid workers and
command-center staff see the rows of their grid subtrees; a member on the phone pages sees the
wishes of the community they serve and those sent to them. Anything else is a 404."""

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Count, Q, QuerySet, Sum
from django.http import Http404

from grids.choices import Level
from grids.models import Grid
from grids.selectors import jurisdiction_q

from .choices import OPEN_WISH_STATUSES, OrgKind, WishStatus
from .models import (
    Activity,
    CoBuildItem,
    CoBuildProject,
    PartyMember,
    PartyOrg,
    ServiceRecord,
    Unit,
    Wish,
    YearPolicy,
)
from .services import member_area_codes, member_of

# The yearly score: hours against the minimum weigh 70, the completion rate of wishes taken on 30.
HOURS_WEIGHT = Decimal("70")
COMPLETION_WEIGHT = Decimal("30")
DEFAULT_MIN_HOURS = Decimal("50")
DEFAULT_PASS_MARK = 80
TENTH = Decimal("0.1")


def _prefix_q(field: str, codes) -> Q:
    q = Q(pk__in=[])
    for code in codes:
        q |= Q(**{f"{field}__startswith": code})
    return q


def org_list(*, user) -> QuerySet:
    return PartyOrg.objects.filter(jurisdiction_q(user, "scope_code")).select_related("grid", "parent")


def org_get(*, user, pk: int) -> PartyOrg:
    org = org_list(user=user).filter(pk=pk).first()
    if org is None:
        raise Http404("organisation not found")
    return org


def org_subtree_ids(org_id: int) -> list[int]:
    """The organisation and every organisation under it (a few levels: 党工委 → 党委 → 支部 → 小组)."""
    ids, level = [org_id], [org_id]
    while level:
        level = list(PartyOrg.objects.filter(parent_id__in=level).exclude(pk__in=ids).values_list("pk", flat=True))
        ids += level
    return ids


def wish_served_prefixes() -> set[str]:
    """Grid codes under which someone can take a wish on: the areas of active members (their home
    community and their organisation's scope, as dispatch and 接单 allow) and the communities units
    report to."""
    prefixes = set()
    for home, scope in PartyMember.objects.filter(active=True).values_list("home_grid__code", "org__scope_code"):
        prefixes.update((home[:12], scope[:12]))
    prefixes.update(Unit.objects.values_list("community__code", flat=True))
    return prefixes


def wish_served(code: str, prefixes: set[str] | None = None) -> bool:
    prefixes = wish_served_prefixes() if prefixes is None else prefixes
    return any(code[:n] in prefixes for n in (2, 4, 6, 9, 12) if n <= len(code))


def member_scope_q(user) -> Q:
    return jurisdiction_q(user, "home_grid__code") | jurisdiction_q(user, "org__scope_code")


def member_list(*, user, filters: dict | None = None) -> QuerySet:
    """Members whose home grid or organisation lies in the user's jurisdiction; filters `org`,
    `kind`, `grid` (code prefix of the home grid), `q` (name), `service_type`; `sub` with `org`:
    the members of the organisation and of the organisations under it."""
    f = filters or {}
    qs = PartyMember.objects.filter(member_scope_q(user))
    if f.get("org") and f.get("sub"):
        qs = qs.filter(org_id__in=org_subtree_ids(int(f["org"])))
    elif f.get("org"):
        qs = qs.filter(org_id=f["org"])
    if f.get("kind"):
        qs = qs.filter(kind=f["kind"])
    if f.get("grid"):
        qs = qs.filter(home_grid__code__startswith=f["grid"])
    if f.get("q"):
        qs = qs.filter(name__icontains=f["q"].strip())
    if f.get("service_type"):
        qs = qs.filter(service_types__contains=f["service_type"])
    if f.get("active"):
        qs = qs.filter(active=True)
    return qs.select_related("org", "home_grid", "work_unit").order_by("org__scope_code", "name")


def member_get(*, user, pk: int) -> PartyMember:
    member = member_list(user=user).filter(pk=pk).first()
    if member is None:
        raise Http404("member not found")
    return member


def unit_list(*, user) -> QuerySet:
    return Unit.objects.filter(jurisdiction_q(user, "community__code")).select_related("community")


def unit_get(*, user, pk: int) -> Unit:
    unit = unit_list(user=user).filter(pk=pk).first()
    if unit is None:
        raise Http404("unit not found")
    return unit


def item_list(*, user, kind: str | None = None) -> QuerySet:
    qs = CoBuildItem.objects.filter(jurisdiction_q(user, "community__code")).select_related("community", "unit")
    return qs.filter(kind=kind) if kind else qs


def project_list(*, user) -> QuerySet:
    return CoBuildProject.objects.filter(jurisdiction_q(user, "community__code")).select_related(
        "community", "unit", "need", "resource"
    )


def wish_scope_q(user) -> Q:
    """Wishes in the user's jurisdiction, plus, for a member, those of the communities they serve
    and those sent to them or to their work unit."""
    q = jurisdiction_q(user, "grid__code")
    member = member_of(user)
    if member is not None:
        q |= _prefix_q("grid__code", member_area_codes(member)) | Q(assignee_member=member)
    return q


def wish_list(*, user, filters: dict | None = None) -> QuerySet:
    """Wishes the user may see; filters `status` (one or a list), `open`, `overdue`, `grid`, `q`, `mine`."""
    f = filters or {}
    qs = Wish.objects.filter(wish_scope_q(user))
    if f.get("status"):
        statuses = f["status"] if isinstance(f["status"], list | tuple) else [f["status"]]
        qs = qs.filter(status__in=statuses)
    if f.get("open"):
        qs = qs.filter(status__in=OPEN_WISH_STATUSES)
    if f.get("overdue"):
        qs = qs.filter(overdue_at__isnull=False, status__in=OPEN_WISH_STATUSES)
    if f.get("grid"):
        qs = qs.filter(grid__code__startswith=f["grid"])
    if f.get("q"):
        q = f["q"].strip()
        qs = qs.filter(Q(number__startswith=q.upper()) | Q(title__icontains=q))
    if f.get("mine"):
        member = member_of(user)
        qs = qs.filter(assignee_member=member) if member else qs.none()
    return qs.select_related("grid", "assignee_member", "assignee_unit")


def wish_get(*, user, number: str) -> Wish:
    wish = wish_list(user=user).filter(number=str(number)[:16]).first()
    if wish is None:
        raise Http404("wish not found")
    return wish


def wish_by_tracking_code(code: str) -> Wish:
    wish = Wish.objects.filter(tracking_code=str(code).upper()[:12]).select_related("grid").first()
    if wish is None:
        raise Http404("wish not found")
    return wish


def member_inbox(*, member: PartyMember) -> dict:
    """A member's phone page: wishes they hold, wishes sent to them or their unit, and open wishes
    waiting for a taker in the communities they serve (due soonest first)."""
    area = _prefix_q("grid__code", member_area_codes(member))
    base = Wish.objects.select_related("grid").order_by("due_at")
    sent = Q(status=WishStatus.DISPATCHED) & (
        Q(assignee_member=member)
        | (Q(assignee_unit=member.work_unit_id, assignee_member__isnull=True) if member.work_unit_id else Q(pk__in=[]))
    )
    return {
        "mine": list(base.filter(assignee_member=member, status__in=[WishStatus.CLAIMED, WishStatus.COMPLETED])),
        "sent": list(base.filter(sent)),
        "open": list(base.filter(area, status=WishStatus.POSTED)[:50]),
    }


def activity_list(*, user) -> QuerySet:
    member = member_of(user)
    q = jurisdiction_q(user, "community__code")
    if member is not None:
        q |= Q(community__code__in=member_area_codes(member))
    return (
        Activity.objects.filter(q).select_related("community", "org").annotate(signed=Count("signups", distinct=True))
    )


def activity_get(*, user, pk: int) -> Activity:
    activity = activity_list(user=user).filter(pk=pk).first()
    if activity is None:
        raise Http404("activity not found")
    return activity


def record_list(*, user) -> QuerySet:
    return ServiceRecord.objects.filter(
        jurisdiction_q(user, "member__home_grid__code") | jurisdiction_q(user, "unit__community__code")
    ).select_related("member", "unit")


# --- coverage -----------------------------------------------------------------------------


def coverage(*, user) -> list[dict]:
    """Per township and community in the user's jurisdiction: how many unit grids have a branch or
    a group on them (bound to the grid or to one of its micro-grids), and the share."""
    grids = Grid.objects.filter(jurisdiction_q(user), active_to__isnull=True)
    areas = list(
        grids.filter(level__in=[Level.TOWNSHIP, Level.COMMUNITY]).order_by("code").values("code", "name", "level")
    )
    units = list(grids.filter(level=Level.GRID).values_list("code", flat=True))
    bound = {
        code[:15]
        for code in PartyOrg.objects.filter(kind__in=[OrgKind.BRANCH, OrgKind.GROUP], grid__isnull=False).values_list(
            "grid__code", flat=True
        )
        if len(code) >= 15
    }
    rows = []
    for area in areas:
        inside = [c for c in units if c.startswith(area["code"])]
        covered = sum(1 for c in inside if c in bound)
        rows.append(
            {
                **area,
                "grids": len(inside),
                "covered": covered,
                "share": round(100 * covered / len(inside), 1) if inside else None,
            }
        )
    return rows


# --- yearly evaluation (双评议) -----------------------------------------------------------


@dataclass
class EvaluationRow:
    kind: str  # "member" or "unit"
    id: int
    name: str
    org: str
    hours: Decimal
    accepted: int
    completed: int
    rate: Decimal | None  # completed / accepted, None when nothing was taken on
    score: Decimal
    hours_met: bool
    passed: bool


def year_policy(year: int) -> YearPolicy:
    return YearPolicy.objects.filter(year=year).first() or YearPolicy(
        year=year, min_hours=DEFAULT_MIN_HOURS, pass_mark=DEFAULT_PASS_MARK
    )


def evaluation_score(
    *, hours: Decimal, accepted: int, completed: int, policy: YearPolicy, by_dispatch: bool = False
) -> tuple:
    """(rate, score, hours_met, passed). Score = 70 × min(hours / minimum, 1) + 30 × completion
    rate. A member who took on no wish scores 0 on the completion part: taking wishes on is half of
    what is evaluated, and counting it in full (or re-weighting to hours alone) would rank a member
    who took none above one who took two and finished one. A unit (`by_dispatch`) only gets wishes
    the organiser sends it, so with none its score is the hours part scaled to 100."""
    hours = Decimal(hours)
    rate = (Decimal(completed) / Decimal(accepted)) if accepted else None
    share = min(hours / Decimal(policy.min_hours), Decimal(1))
    if rate is None and by_dispatch:
        score = (HOURS_WEIGHT + COMPLETION_WEIGHT) * share
    else:
        score = HOURS_WEIGHT * share + COMPLETION_WEIGHT * (rate or Decimal(0))
    score = score.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
    return (
        rate.quantize(Decimal("0.001"), rounding=ROUND_HALF_UP) if rate is not None else None,
        score,
        hours >= policy.min_hours,
        score >= policy.pass_mark,
    )


def evaluation_sheet(*, user, year: int, within: str = "") -> dict:
    """The yearly evaluation of every member and unit in the user's jurisdiction (or under `within`).

    Hours: the member's service records dated in the year. Wishes taken on: claimed in the year;
    completed: of those, confirmed. A unit's hours are its own records plus the hours of confirmed
    wishes dispatched to it; its wishes are those dispatched to it in the year."""
    policy = year_policy(year)
    members = member_list(user=user).filter(active=True)
    units = unit_list(user=user)
    if within:
        members = members.filter(home_grid__code__startswith=within)
        units = units.filter(community__code__startswith=within)
    member_hours = dict(
        ServiceRecord.objects.filter(member__in=members, date__year=year)
        .values_list("member")
        .annotate(total=Sum("hours"))
        .values_list("member", "total")
    )
    member_wishes = {
        m: (a, c)
        for m, a, c in Wish.objects.filter(assignee_member__in=members, claimed_at__year=year)
        .values_list("assignee_member")
        .annotate(a=Count("pk"), c=Count("pk", filter=Q(status=WishStatus.CONFIRMED)))
        .values_list("assignee_member", "a", "c")
    }
    unit_hours = dict(
        ServiceRecord.objects.filter(unit__in=units, date__year=year)
        .values_list("unit")
        .annotate(total=Sum("hours"))
        .values_list("unit", "total")
    )
    unit_wish_hours = dict(
        Wish.objects.filter(assignee_unit__in=units, status=WishStatus.CONFIRMED, confirmed_at__year=year)
        .values_list("assignee_unit")
        .annotate(total=Sum("hours"))
        .values_list("assignee_unit", "total")
    )
    unit_wishes = {
        u: (a, c)
        for u, a, c in Wish.objects.filter(assignee_unit__in=units, dispatched_at__year=year)
        .values_list("assignee_unit")
        .annotate(a=Count("pk"), c=Count("pk", filter=Q(status=WishStatus.CONFIRMED)))
        .values_list("assignee_unit", "a", "c")
    }
    rows = []
    for m in members:
        hours = Decimal(member_hours.get(m.pk) or 0).quantize(TENTH)
        accepted, completed = member_wishes.get(m.pk, (0, 0))
        rate, score, met, passed = evaluation_score(hours=hours, accepted=accepted, completed=completed, policy=policy)
        rows.append(
            EvaluationRow("member", m.pk, m.name, m.org.name, hours, accepted, completed, rate, score, met, passed)
        )
    unit_rows = []
    for u in units:
        hours = (Decimal(unit_hours.get(u.pk) or 0) + Decimal(unit_wish_hours.get(u.pk) or 0)).quantize(TENTH)
        accepted, completed = unit_wishes.get(u.pk, (0, 0))
        rate, score, met, passed = evaluation_score(
            hours=hours, accepted=accepted, completed=completed, policy=policy, by_dispatch=True
        )
        unit_rows.append(
            EvaluationRow("unit", u.pk, u.name, u.community.name, hours, accepted, completed, rate, score, met, passed)
        )
    return {"year": year, "policy": policy, "members": rows, "units": unit_rows}
