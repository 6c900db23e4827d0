"""Command-center API: the dashboard snapshot, statistics, nearest workers, worker positions,
alerts and bulletins. Everything is scoped to the caller's jurisdiction."""

from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.exceptions import PermissionDenied, Throttled, ValidationError
from rest_framework.permissions import BasePermission
from rest_framework.response import Response
from rest_framework.views import APIView

from events import stats
from govgrid import ratelimit
from govgrid.permissions import GRID_WORKER, has_role, is_staff_role
from grids.selectors import code_in_jurisdiction, workers_nearby
from grids.services import PositionError, worker_live_payload, worker_position_update

from . import selectors, services

POSITION_RATE = 12  # reports a minute: a phone sends one every 30 s or so; more is a loop


class IsCommandStaff(BasePermission):
    """Command-center staff and administrators (the people who watch a whole jurisdiction)."""

    def has_permission(self, request, view):
        return bool(request.user and request.user.is_authenticated and is_staff_role(request.user))


def _root(request) -> str:
    grid = (request.query_params.get("grid") or "").strip()
    if grid and (not grid.isdigit() or len(grid) > 18):
        raise ValidationError({"grid": _("A grid code is up to 18 digits.")})
    if grid and not code_in_jurisdiction(request.user, grid):
        raise ValidationError({"grid": _("That grid is not in your jurisdiction.")})
    return selectors.dashboard_root(user=request.user, grid=grid)


def _stats_filter(request) -> stats.StatsFilter:
    try:
        return stats.stats_filter_parse(user=request.user, params=request.query_params)
    except stats.StatsError as exc:
        raise ValidationError({exc.field: exc.message}) from None


GRID_PARAM = OpenApiParameter("grid", str, description="grid code to drill into (default: your jurisdiction)")
STATS_PARAMS = [
    OpenApiParameter("date_from", OpenApiTypes.DATE),
    OpenApiParameter("date_to", OpenApiTypes.DATE),
    GRID_PARAM,
    OpenApiParameter("category", str, description="category or major class code"),
    OpenApiParameter("department", int),
]


class DashboardView(APIView):
    """The dashboard's state: today's tiles and 30-day KPIs, charts, open cases, grid load,
    worker positions, alerts and the feed. `parts` limits it (figures, charts, map, and load: the
    map's shading alone)."""

    permission_classes = [IsCommandStaff]

    @extend_schema(
        parameters=[GRID_PARAM, OpenApiParameter("parts", str, description="comma list: figures,charts,map,load")],
        responses=OpenApiTypes.OBJECT,
    )
    def get(self, request):
        raw = request.query_params.get("parts") or ",".join(selectors.PARTS)
        parts = [p for p in raw.split(",") if p]
        if not parts or set(parts) - set(selectors.PARTS):
            raise ValidationError({"parts": _("Parts are figures, charts, map and load.")})
        return Response(selectors.dashboard_snapshot(user=request.user, root=_root(request), parts=parts))


class StatsView(APIView):
    """Statistics of a period (default: the last 30 days): KPIs with the standard formulas,
    daily trend, categories, levels, weekday × hour, hot periods/areas/types, rankings."""

    permission_classes = [IsCommandStaff]

    @extend_schema(parameters=STATS_PARAMS, responses=OpenApiTypes.OBJECT)
    def get(self, request):
        return Response(stats.stats_report_shared(user=request.user, f=_stats_filter(request)))


class NearbySerializer(serializers.Serializer):
    lat = serializers.FloatField(min_value=-90, max_value=90)
    lng = serializers.FloatField(min_value=-180, max_value=180)
    radius = serializers.IntegerField(min_value=50, max_value=20000, default=2000)


class WorkersNearbyView(APIView):
    """On-duty grid workers within `radius` metres (default 2000) of a point, nearest first,
    by their last reported position, with their work phone for a one-tap call."""

    permission_classes = [IsCommandStaff]

    @extend_schema(
        parameters=[
            OpenApiParameter("lat", float, required=True),
            OpenApiParameter("lng", float, required=True),
            OpenApiParameter("radius", int, description="metres, 50–20000"),
        ],
        responses=OpenApiTypes.OBJECT,
    )
    def get(self, request):
        form = NearbySerializer(data=request.query_params)
        form.is_valid(raise_exception=True)
        d = form.validated_data
        workers = workers_nearby(user=request.user, lat=d["lat"], lng=d["lng"], radius_m=d["radius"])
        return Response({"radius": d["radius"], "count": len(workers), "results": workers})


class PositionSerializer(serializers.Serializer):
    lat = serializers.FloatField(min_value=-90, max_value=90, required=False)
    lng = serializers.FloatField(min_value=-180, max_value=180, required=False)
    on_duty = serializers.BooleanField(allow_null=True, default=None)

    def validate(self, data):
        if ("lat" in data) != ("lng" in data):
            raise serializers.ValidationError(_("Give both lat and lng."))
        if "lat" not in data and data.get("on_duty") is None:
            raise serializers.ValidationError(_("Give a position (lat and lng) or a duty status."))
        return data


class MyPositionView(APIView):
    """A grid worker's phone reports where they are and/or whether they are on duty (going off
    duty needs no position); dashboards see the worker move. At most 12 reports a minute."""

    @extend_schema(
        request=PositionSerializer,
        responses=inline_serializer("PositionResult", {"seats": serializers.ListField(child=serializers.DictField())}),
    )
    def post(self, request):
        if not has_role(request.user, GRID_WORKER):
            raise PermissionDenied(_("Only grid workers report their position."))
        if not ratelimit.hit(f"position:{request.user.pk}", limit=POSITION_RATE, window=60):
            raise Throttled(detail=_("Too many position reports; one every few seconds is enough."))
        form = PositionSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        try:
            seats = worker_position_update(actor=request.user, **form.validated_data)
        except PositionError as exc:
            raise ValidationError({"detail": str(exc)}) from None
        return Response({"seats": [worker_live_payload(s) for s in seats]})


class AlertListView(APIView):
    """Early warnings in your jurisdiction, newest first (`open=1`: not yet acknowledged)."""

    permission_classes = [IsCommandStaff]

    @extend_schema(parameters=[GRID_PARAM, OpenApiParameter("open", bool)], responses=OpenApiTypes.OBJECT)
    def get(self, request):
        qs = selectors.alert_list(
            user=request.user, root=_root(request), open_only=request.query_params.get("open") in ("1", "true")
        )
        return Response({"results": [selectors.alert_live_payload(a) for a in qs[:200]]})


class AlertAcknowledgeView(APIView):
    """Take note of an alert (once: a second acknowledgement answers 409)."""

    permission_classes = [IsCommandStaff]

    @extend_schema(request=None, responses=OpenApiTypes.OBJECT)
    def post(self, request, pk: int):
        alert = selectors.alert_get(user=request.user, pk=pk)
        try:
            alert = services.alert_acknowledge(alert=alert, actor=request.user)
        except services.AlertError as exc:
            return Response({"detail": exc.message}, status=exc.status)
        return Response(selectors.alert_live_payload(alert))


class BulletinListView(APIView):
    """Daily bulletins of your jurisdiction, newest first, with links to the page and the xlsx."""

    permission_classes = [IsCommandStaff]

    @extend_schema(responses=OpenApiTypes.OBJECT)
    def get(self, request):
        rows = selectors.bulletin_list(user=request.user)[:200]
        return Response(
            {
                "results": [
                    {
                        "id": b.pk,
                        "day": b.day.isoformat(),
                        "grid": b.grid.code,
                        "grid_name": b.grid.name,
                        "reported": b.data.get("reported"),
                        "closed": b.data.get("closed"),
                        "overdue_open": b.data.get("overdue_open"),
                        "url": f"/dashboard/bulletins/{b.pk}/",
                        "xlsx": f"/dashboard/bulletins/{b.pk}/xlsx/",
                    }
                    for b in rows
                ]
            }
        )


class WhistleSerializer(serializers.Serializer):
    departments = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=2**31 - 1), min_length=1, max_length=20
    )
    reason = serializers.CharField(max_length=300)
    minutes = serializers.IntegerField(min_value=5, max_value=1440, default=services.WHISTLE_MINUTES)


def _alert_error(exc: services.AlertError) -> Response:
    return Response({"detail": exc.message}, status=exc.status)


class CaseWhistlesView(APIView):
    """Whistles on a case (吹哨报到): list them, or summon departments that serve its area."""

    @extend_schema(responses=OpenApiTypes.OBJECT)
    def get(self, request, number: str):
        _event, whistles, *_rest = selectors.whistles_of_case(user=request.user, number=number)
        return Response({"results": [selectors.whistle_live_payload(w) for w in whistles]})

    @extend_schema(request=WhistleSerializer, responses=OpenApiTypes.OBJECT)
    def post(self, request, number: str):
        event, *_rest = selectors.whistles_of_case(user=request.user, number=number)
        form = WhistleSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        d = form.validated_data
        try:
            whistle = services.whistle_blow(
                actor=request.user,
                event=event,
                department_ids=d["departments"],
                reason=d["reason"],
                minutes=d["minutes"],
            )
        except services.AlertError as exc:
            return _alert_error(exc)
        return Response(selectors.whistle_live_payload(whistle), status=201)


class WhistleReportSerializer(serializers.Serializer):
    note = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")


class WhistleReportView(APIView):
    """报到: a member of a summoned department reports (once)."""

    @extend_schema(request=WhistleReportSerializer, responses=OpenApiTypes.OBJECT)
    def post(self, request, pk: int):
        response = selectors.whistle_response_get(user=request.user, pk=pk)
        form = WhistleReportSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        try:
            services.whistle_report(actor=request.user, response=response, note=form.validated_data["note"])
        except services.AlertError as exc:
            return _alert_error(exc)
        return Response(selectors.whistle_live_payload(response.whistle))


class WhistleRateSerializer(serializers.Serializer):
    rating = serializers.IntegerField(min_value=1, max_value=5)


class WhistleRateView(APIView):
    """The whistler's side rates a department that reported, 1–5 (once)."""

    @extend_schema(request=WhistleRateSerializer, responses=OpenApiTypes.OBJECT)
    def post(self, request, pk: int):
        response = selectors.whistle_response_get(user=request.user, pk=pk)
        form = WhistleRateSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        try:
            services.whistle_rate(actor=request.user, response=response, rating=form.validated_data["rating"])
        except services.AlertError as exc:
            return _alert_error(exc)
        return Response(selectors.whistle_live_payload(response.whistle))
