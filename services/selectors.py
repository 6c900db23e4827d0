"""Reads of the services app. The catalogue and service points are public; proxy requests are
scoped: a user sees those of their grid subtrees and those they handle, anything else is a 404."""

import math
from datetime import date

from django.contrib.gis.db.models.functions import Distance
from django.contrib.gis.geos import Point, Polygon
from django.db.models import Count, F, Q, QuerySet, Sum
from django.http import Http404
from django.utils import timezone

from grids.choices import Level
from grids.models import Grid
from grids.selectors import jurisdiction_q

from .choices import PROXY_FINISHED, PROXY_OPEN, VILLAGE_KINDS, ProxyStatus
from .models import ProxyRequest, ServiceItem, ServicePoint
from .text import bigrams, fold, strip_asking

# The 15-minute walking circle: 15 minutes at 5 km/h is 1,250 m, drawn as a straight-line radius.
# Streets detour, so the circle is the most anyone could reach on foot, not a promise.
WALK_SPEED_KMH = 5
WALK_MINUTES = 15
WALK_RADIUS_M = WALK_SPEED_KMH * 1000 * WALK_MINUTES / 60
WALKABLE_M = 3000  # pages give walking minutes up to here (about 36 minutes); beyond, the distance only


# --- the catalogue ---------------------------------------------------------------------------


def item_search(*, query: str = "", category: str = "", proxy_only: bool = False) -> list[ServiceItem]:
    """Active items matching everyday words. Every space-separated term must occur (folded) in the
    item's name, code, aliases, keywords or department; names first, then aliases, then the rest.
    When nothing matches a query written as a sentence ("我想给孩子上户口"), items sharing the most
    two-character pieces with it come back instead."""
    qs = ServiceItem.objects.filter(active=True)
    if category:
        qs = qs.filter(category=category)
    if proxy_only:
        qs = qs.filter(proxy_allowed=True)
    terms = [strip_asking(fold(t)) for t in (query or "").split()][:8]
    terms = [t for t in terms if t]
    if not terms:
        return list(qs)
    matched = qs
    for term in terms:
        matched = matched.filter(search_text__contains=term)
    found = list(matched)
    if found:

        def rank(item):
            name, aliases = fold(item.name), fold(item.aliases)
            return (0 if all(t in name for t in terms) else 1 if all(t in aliases for t in terms) else 2, item.code)

        return sorted(found, key=rank)
    pieces = bigrams("".join(terms))
    scored = []
    for item in qs:
        hits = sum(1 for piece in pieces if piece in item.search_text)
        if hits >= 2 or (hits and len(pieces) <= 2):
            scored.append((-hits, item.code, item))
    return [item for *_k, item in sorted(scored, key=lambda t: t[:2])][:20]


def item_get(*, code: str) -> ServiceItem:
    item = ServiceItem.objects.filter(code=str(code)[:20], active=True).first()
    if item is None:
        raise Http404("item not found")
    return item


def township_coverage() -> list[dict]:
    """办理不出村 per township: the share of active catalogue items a resident can get done without
    leaving their village: online, or offered at a community or village station in the township."""
    items = list(ServiceItem.objects.filter(active=True).values_list("pk", "online"))
    total = len(items)
    online = {pk for pk, is_online in items if is_online}
    offered: dict[str, set[int]] = {}
    rows = ServicePoint.items.through.objects.filter(
        servicepoint__active=True, servicepoint__kind__in=VILLAGE_KINDS, serviceitem__active=True
    ).values_list("servicepoint__grid__code", "serviceitem_id")
    for code, item_id in rows:
        if len(code) >= Level.TOWNSHIP:
            offered.setdefault(code[: Level.TOWNSHIP], set()).add(item_id)
    result = []
    for township in Grid.objects.filter(level=Level.TOWNSHIP, active_to__isnull=True).order_by("code"):
        count = len(online | offered.get(township.code, set()))
        result.append(
            {
                "code": township.code,
                "name": township.name,
                "items": total,
                "without_leaving_village": count,
                "share": round(count / total, 3) if total else 0.0,
            }
        )
    return result


def area_outline() -> dict:
    """The root grids and their townships, simplified, as GeoJSON: the public map's background
    when no tile server answers. Cached until a grid changes."""
    import hashlib
    import json

    from django.core.cache import cache

    roots = Grid.objects.filter(parent__isnull=True, active_to__isnull=True)
    stamp = list(roots.order_by("code").values_list("code", "updated_at"))
    key = "services:area:" + hashlib.sha1(repr(stamp).encode()).hexdigest()
    area = cache.get(key)
    if area is None:
        grids = list(roots) + list(Grid.objects.filter(parent__in=roots, active_to__isnull=True).order_by("code"))
        features = [
            {
                "type": "Feature",
                "geometry": json.loads(g.boundary.simplify(0.0005, preserve_topology=True).json),
                "properties": {"name": g.name, "root": g.parent_id is None},
            }
            for g in grids
        ]
        area = {"type": "FeatureCollection", "features": features}
        cache.set(key, area, 600)
    return area


# --- service points --------------------------------------------------------------------------


def point_list(*, kind: str = "", within: str = "") -> QuerySet:
    qs = ServicePoint.objects.filter(active=True).select_related("grid")
    if kind:
        qs = qs.filter(kind=kind)
    if within:
        qs = qs.filter(grid__code__startswith=within)
    return qs


def _box(origin: Point, radius_m: float) -> Polygon:
    """A lon/lat box that contains every point within `radius_m` of `origin` (an index prefilter)."""
    dlat = radius_m / 110_574 * 1.01
    dlng = radius_m / (111_320 * max(math.cos(math.radians(origin.y)), 0.01)) * 1.01
    return Polygon.from_bbox((origin.x - dlng, origin.y - dlat, origin.x + dlng, origin.y + dlat))


def points_near(*, origin: Point, radius_m: float | None = None, kind: str = "", limit: int = 50) -> list:
    """Active points nearest first, each with `distance` (a Distance, `.m` metres) and
    `walk_minutes` at 5 km/h. Distances are on the WGS 84 ellipsoid on both backends (PostGIS
    ST_DistanceSpheroid, SpatiaLite ST_Distance(…, 1)); `radius_m` keeps only points within it."""
    qs = point_list(kind=kind)
    if radius_m:
        qs = qs.filter(point__intersects=_box(origin, radius_m))
    qs = qs.annotate(distance=Distance("point", origin, spheroid=True)).order_by("distance", "pk")
    points = []
    for sp in qs:
        if radius_m and sp.distance.m > radius_m:
            break
        sp.walk_minutes = max(1, round(sp.distance.m / (WALK_SPEED_KMH * 1000 / 60)))
        sp.walkable = sp.distance.m <= WALKABLE_M
        points.append(sp)
        if len(points) >= limit:
            break
    return points


# --- proxy requests --------------------------------------------------------------------------


def proxy_scope_q(user) -> Q:
    if not user.is_authenticated:
        return Q(pk__in=[])
    return jurisdiction_q(user, "grid__code") | Q(worker=user)


def proxy_list(*, user, filters: dict | None = None) -> QuerySet:
    """Requests the user may see, filtered by `status`, `open`, `overdue`, `grid`, `item`."""
    f = filters or {}
    qs = ProxyRequest.objects.filter(proxy_scope_q(user))
    if f.get("status"):
        qs = qs.filter(status=f["status"])
    if f.get("open"):
        qs = qs.filter(status__in=PROXY_OPEN)
    if f.get("overdue"):
        qs = qs.filter(overdue=True, status__in=PROXY_OPEN)
    if f.get("grid"):
        qs = qs.filter(grid__code__startswith=f["grid"])
    if f.get("item"):
        qs = qs.filter(item__code=f["item"])
    return qs.select_related("item", "grid", "worker")


def proxy_get(*, user, code: str) -> ProxyRequest:
    request = proxy_list(user=user).filter(code=str(code).upper()[:12]).first()
    if request is None:
        raise Http404("request not found")
    return request


def proxy_by_code(code: str) -> ProxyRequest:
    """Public tracking: no login, the code is the key."""
    request = ProxyRequest.objects.filter(code=str(code).strip().upper()[:12]).select_related("item", "grid").first()
    if request is None:
        raise Http404("request not found")
    return request


def worker_proxy_tasks(*, user) -> QuerySet:
    """A grid worker's proxy tasks: theirs and the unaccepted ones of their grids, overdue first,
    then due soonest."""
    from .services import HANDLING_ROLES

    seats = list(user.memberships.filter(role__in=HANDLING_ROLES).values_list("grid__code", flat=True))
    q = Q(worker=user)
    for code in seats:
        q |= Q(worker__isnull=True, grid__code__startswith=code) | Q(
            worker__isnull=True, grid__code__in=[code[:n] for n in range(6, len(code), 3)]
        )
    return (
        ProxyRequest.objects.filter(q, status__in=PROXY_OPEN)
        .select_related("item", "grid")
        .order_by("-overdue", "due_at", "created_at")
    )


def public_timeline(request: ProxyRequest) -> list[dict]:
    shown = {"request", "accept", "collect", "submit", "complete", "fail", "decline", "cancel", "rate"}
    return [
        {"action": row.action, "status": row.to_status, "at": timezone.localtime(row.created_at)}
        for row in request.log.filter(action__in=shown).order_by("created_at", "pk")
    ]


def proxy_stats(
    *, user, date_from: date | None = None, date_to: date | None = None, by: str = "township", grid: str = ""
) -> dict:
    """Proxy handling figures in the user's jurisdiction, per township (or per unit grid with
    by="grid"): requests, handled (completed or not granted), completed, on time (finished by the
    deadline), on-time rate, rated and average satisfaction; plus the totals. Plain JSON types.
    `grid` narrows to one area of the jurisdiction (a code the caller has checked)."""
    length = {"township": Level.TOWNSHIP, "community": Level.COMMUNITY, "grid": Level.GRID}.get(by)
    if length is None:
        raise ValueError("by must be township, community or grid")
    qs = ProxyRequest.objects.filter(jurisdiction_q(user, "grid__code"))
    if grid:
        qs = qs.filter(grid__code__startswith=grid)
    if date_from:
        qs = qs.filter(created_at__date__gte=date_from)
    if date_to:
        qs = qs.filter(created_at__date__lte=date_to)
    handled = Q(status__in=PROXY_FINISHED)
    rows = (
        qs.values("grid__code")
        .annotate(
            requests=Count("pk"),
            open=Count("pk", filter=Q(status__in=PROXY_OPEN)),
            overdue=Count("pk", filter=Q(status__in=PROXY_OPEN, overdue=True)),
            handled=Count("pk", filter=handled),
            completed=Count("pk", filter=Q(status=ProxyStatus.COMPLETED)),
            on_time=Count("pk", filter=handled & Q(finished_at__lte=F("due_at"))),
            rated=Count("satisfaction"),
            satisfaction_sum=Sum("satisfaction"),
        )
        .order_by()
    )
    groups: dict[str, dict] = {}
    keys = ("requests", "open", "overdue", "handled", "completed", "on_time", "rated")
    for row in rows:
        code = row["grid__code"][:length]
        group = groups.setdefault(code, {"code": code, **dict.fromkeys(keys, 0), "satisfaction_sum": 0.0})
        for key in keys:
            group[key] += row[key]
        group["satisfaction_sum"] += float(row["satisfaction_sum"] or 0)
    names = dict(Grid.objects.filter(code__in=groups).values_list("code", "name"))
    total = {"code": "", "name": "", **dict.fromkeys(keys, 0), "satisfaction_sum": 0.0}

    def finish(group: dict) -> dict:
        ssum = group.pop("satisfaction_sum")
        group["on_time_rate"] = round(group["on_time"] / group["handled"], 3) if group["handled"] else None
        group["satisfaction"] = round(ssum / group["rated"], 2) if group["rated"] else None
        return group

    result = []
    for code in sorted(groups):
        group = groups[code]
        for key in keys:
            total[key] += group[key]
        total["satisfaction_sum"] += group["satisfaction_sum"]
        result.append(finish({**group, "name": names.get(code, code)}))
    return {
        "by": by,
        "date_from": date_from.isoformat() if date_from else None,
        "date_to": date_to.isoformat() if date_to else None,
        "total": finish(total),
        "groups": result,
    }
