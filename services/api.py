"""API of the services app under /api/v1/services/. The catalogue, service points, coverage and
the resident's side of proxy requests are public; staff lists, actions and statistics need a login
and are scoped to the user's jurisdiction."""

import json
from datetime import date

from django.conf import settings
from django.http import HttpResponse
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import generics, serializers
from rest_framework.exceptions import NotFound, Throttled, ValidationError
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from govgrid import ratelimit
from grids.api import GeoJSONRenderer, parse_lat_lng
from grids.selectors import code_in_jurisdiction

from . import selectors
from .choices import ItemCategory, PointKind
from .models import ProxyRequest, ServiceItem, ServicePoint
from .services import ServiceError, point_from, proxy_request_create, proxy_transition


def error_response(exc: ServiceError) -> Response:
    body = {"detail": exc.message}
    if exc.field:
        body["field"] = exc.field
    return Response(body, status=exc.status)


class ServiceItemSerializer(serializers.ModelSerializer):
    category_label = serializers.CharField(source="get_category_display", read_only=True)
    where = serializers.SerializerMethodField()

    class Meta:
        model = ServiceItem
        fields = [
            "code",
            "name",
            "category",
            "category_label",
            "department",
            "aliases",
            "keywords",
            "description",
            "conditions",
            "materials",
            "limit_days",
            "limit_unit",
            "where",
            "online_url",
            "proxy_allowed",
            "fee",
            "faq",
        ]

    def get_where(self, item) -> list[str]:
        flags = {
            "county": item.at_county,
            "township": item.at_township,
            "community": item.at_community,
            "online": item.online,
        }
        return [name for name, on in flags.items() if on]


class ItemListView(APIView):
    """Catalogue items; `q` finds them by everyday words (names, aliases, keywords). Public."""

    permission_classes = [AllowAny]
    authentication_classes = []

    @extend_schema(
        parameters=[
            OpenApiParameter("q", str),
            OpenApiParameter("category", str, enum=ItemCategory.values),
            OpenApiParameter("proxy", bool, description="only items a grid worker may handle"),
        ],
        responses=ServiceItemSerializer(many=True),
    )
    def get(self, request):
        category = request.query_params.get("category", "")
        if category and category not in ItemCategory.values:
            raise ValidationError({"category": _("Unknown category.")})
        items = selectors.item_search(
            query=request.query_params.get("q", "")[:60],
            category=category,
            proxy_only=request.query_params.get("proxy") in ("1", "true"),
        )
        return Response(ServiceItemSerializer(items, many=True).data)


class ItemDetailView(APIView):
    permission_classes = [AllowAny]
    authentication_classes = []

    @extend_schema(responses=ServiceItemSerializer)
    def get(self, request, code):
        return Response(ServiceItemSerializer(selectors.item_get(code=code)).data)


class CoverageView(APIView):
    """办理不出村 per township: share of the catalogue doable without leaving the village. Public."""

    permission_classes = [AllowAny]
    authentication_classes = []

    @extend_schema(responses=OpenApiTypes.OBJECT)
    def get(self, request):
        return Response(selectors.township_coverage())


def _point_json(sp: ServicePoint) -> dict:
    body = {
        "id": sp.pk,
        "name": sp.name,
        "kind": sp.kind,
        "kind_label": sp.get_kind_display(),
        "colour": sp.colour,
        "lat": round(sp.point.y, 6),
        "lng": round(sp.point.x, 6),
        "address": sp.address,
        "phone": sp.phone,
        "hours_text": sp.hours_text,
        "hours_label": sp.hours_display,
        "hours": sp.hours,
        "services": sp.services_text,
        "grid": sp.grid.code,
    }
    if hasattr(sp, "distance"):
        body["distance_m"] = round(sp.distance.m, 1)
        body["walk_minutes"] = sp.walk_minutes
    return body


class PointListView(APIView):
    """Service points. With `lat` and `lng`: nearest first with `distance_m` (on the WGS 84
    ellipsoid) and `walk_minutes` at 5 km/h; `radius` (metres) keeps those within it. Public."""

    permission_classes = [AllowAny]
    authentication_classes = []

    @extend_schema(
        parameters=[
            OpenApiParameter("lat", float),
            OpenApiParameter("lng", float),
            OpenApiParameter("radius", int, description="metres, up to 50,000"),
            OpenApiParameter("kind", str, enum=PointKind.values),
        ],
        responses=OpenApiTypes.OBJECT,
    )
    def get(self, request):
        params = request.query_params
        kind = params.get("kind", "")
        if kind and kind not in PointKind.values:
            raise ValidationError({"kind": _("Unknown kind of service point.")})
        if "lat" in params or "lng" in params:
            origin = parse_lat_lng(params)
            radius = None
            if params.get("radius"):
                try:
                    radius = float(params["radius"])
                    if not 1 <= radius <= 50_000:
                        raise ValueError
                except ValueError:
                    raise ValidationError({"radius": _("A radius from 1 to 50,000 metres.")}) from None
            points = selectors.points_near(origin=origin, radius_m=radius, kind=kind, limit=100)
        else:
            points = selectors.point_list(kind=kind).order_by("name")
        return Response([_point_json(sp) for sp in points])


class PointGeoJSONView(APIView):
    """Every active service point as a GeoJSON FeatureCollection (for maps). Public."""

    permission_classes = [AllowAny]
    authentication_classes = []
    renderer_classes = [GeoJSONRenderer]

    @extend_schema(responses={(200, "application/geo+json"): OpenApiTypes.OBJECT})
    def get(self, request):
        features = []
        for sp in selectors.point_list():
            props = _point_json(sp)
            lat, lng = props.pop("lat"), props.pop("lng")
            features.append(
                {"type": "Feature", "geometry": {"type": "Point", "coordinates": [lng, lat]}, "properties": props}
            )
        body = json.dumps(
            {"type": "FeatureCollection", "features": features}, ensure_ascii=False, separators=(",", ":")
        )
        return HttpResponse(body, content_type="application/geo+json")


class ProxyCreateSerializer(serializers.Serializer):
    item = serializers.CharField(max_length=20)
    phone = serializers.CharField(max_length=20)
    name = serializers.CharField(max_length=40, required=False, allow_blank=True)
    address = serializers.CharField(max_length=200, required=False, allow_blank=True)
    community = serializers.CharField(max_length=12, required=False, allow_blank=True)
    lat = serializers.FloatField(min_value=-90, max_value=90, required=False)
    lng = serializers.FloatField(min_value=-180, max_value=180, required=False)
    note = serializers.CharField(max_length=1000, required=False, allow_blank=True)


def _track_json(proxy: ProxyRequest, request) -> dict:
    return {
        "code": proxy.code,
        "item": proxy.item.code,
        "item_name": proxy.item.name,
        "status": proxy.status,
        "grid": proxy.grid.name,
        "due_at": proxy.due_at.isoformat(),
        "overdue": proxy.overdue,
        "materials_collected": proxy.materials_collected,
        "result": proxy.result if proxy.status in ("completed", "failed") else "",
        "satisfaction": proxy.satisfaction,
        "timeline": [
            {"action": s["action"], "status": s["status"], "at": s["at"].isoformat()}
            for s in selectors.public_timeline(proxy)
        ],
        "track_url": request.build_absolute_uri(f"/services/proxy/{proxy.code}/"),
    }


class ProxyCreateView(APIView):
    """Ask for a catalogue item to be handled by the grid worker (代办). Give `lat`/`lng` of where
    you live, or the 12-digit code of your `community`. Public, limited per address per hour."""

    permission_classes = [AllowAny]
    authentication_classes = []

    @extend_schema(request=ProxyCreateSerializer, responses={201: OpenApiTypes.OBJECT})
    def post(self, request):
        if not ratelimit.hit(f"proxy:{ratelimit.client_ip(request)}", limit=settings.PUBLIC_REPORT_RATE, window=3600):
            raise Throttled(detail=_("Too many requests from your address; try again later."))
        form = ProxyCreateSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        v = form.validated_data
        try:
            point = point_from(v.get("lat"), v.get("lng")) if "lat" in v or "lng" in v else None
            proxy = proxy_request_create(
                item=v["item"],
                phone=v["phone"],
                name=v.get("name", ""),
                address=v.get("address", ""),
                point=point,
                community=v.get("community") or None,
                note=v.get("note", ""),
            )
        except ServiceError as exc:
            return error_response(exc)
        return Response(_track_json(proxy, request), status=201)


class ProxyTrackView(APIView):
    """A proxy request by its tracking code (no personal data). Public."""

    permission_classes = [AllowAny]
    authentication_classes = []

    @extend_schema(responses=OpenApiTypes.OBJECT)
    def get(self, request, code):
        return Response(_track_json(selectors.proxy_by_code(code), request))


class ProxyRateView(APIView):
    """Rate a finished request once (1–5), with its tracking code. Public."""

    permission_classes = [AllowAny]
    authentication_classes = []

    @extend_schema(
        request=inline_serializer(
            "ProxyRating",
            {
                "satisfaction": serializers.IntegerField(min_value=1, max_value=5),
                "comment": serializers.CharField(required=False),
            },
        ),
        responses=OpenApiTypes.OBJECT,
    )
    def post(self, request, code):
        proxy = selectors.proxy_by_code(code)
        try:
            proxy = proxy_transition(
                request=proxy,
                action="rate",
                actor=None,
                tracking_code=proxy.code,
                satisfaction=request.data.get("satisfaction"),
                comment=str(request.data.get("comment", ""))[:500],
            )
        except ServiceError as exc:
            return error_response(exc)
        return Response(_track_json(proxy, request))


class ProxyRequestSerializer(serializers.ModelSerializer):
    item = serializers.CharField(source="item.code")
    item_name = serializers.CharField(source="item.name")
    grid = serializers.CharField(source="grid.code")
    grid_name = serializers.CharField(source="grid.name")
    worker = serializers.SerializerMethodField()

    class Meta:
        model = ProxyRequest
        fields = [
            "code",
            "item",
            "item_name",
            "grid",
            "grid_name",
            "status",
            "overdue",
            "due_at",
            "address",
            "resident_name",
            "phone_masked",
            "worker",
            "materials_collected",
            "submitted_to",
            "result",
            "satisfaction",
            "created_at",
            "accepted_at",
            "submitted_at",
            "finished_at",
        ]

    def get_worker(self, proxy) -> str | None:
        return (proxy.worker.get_full_name() or proxy.worker.get_username()) if proxy.worker_id else None


class ProxyListView(generics.ListAPIView):
    """Proxy requests in your jurisdiction (phone numbers masked)."""

    serializer_class = ProxyRequestSerializer
    filter_backends = []

    @extend_schema(
        parameters=[
            OpenApiParameter("status", str),
            OpenApiParameter("open", bool),
            OpenApiParameter("overdue", bool),
            OpenApiParameter("grid", str),
        ]
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        p = self.request.query_params
        grid = p.get("grid", "")
        if grid and not grid.isdigit():
            raise ValidationError({"grid": _("A grid code is up to 18 digits.")})
        return selectors.proxy_list(
            user=self.request.user,
            filters={
                "status": p.get("status"),
                "open": p.get("open") in ("1", "true"),
                "overdue": p.get("overdue") in ("1", "true"),
                "grid": grid,
            },
        ).order_by("-created_at")


class ProxyActionView(APIView):
    """Take a step on a request: accept, decline (reason), collect (materials: list), submit
    (submitted_to), complete or fail (result)."""

    @extend_schema(
        request=inline_serializer(
            "ProxyAction",
            {
                "action": serializers.ChoiceField(
                    choices=["accept", "decline", "collect", "submit", "complete", "fail"]
                ),
                "reason": serializers.CharField(required=False),
                "materials": serializers.ListField(child=serializers.CharField(), required=False),
                "submitted_to": serializers.CharField(required=False),
                "result": serializers.CharField(required=False),
            },
        ),
        responses=ProxyRequestSerializer,
    )
    def post(self, request, code):
        proxy = ProxyRequest.objects.filter(code=str(code).upper()[:12]).select_related("grid").first()
        if proxy is None:
            raise NotFound(_("Request not found."))
        action = str(request.data.get("action", ""))
        if action in ("cancel", "rate", "mark_overdue"):
            return Response({"detail": _("Not an action for staff."), "field": "action"}, status=400)
        data = request.data
        materials = data.getlist("materials") if hasattr(data, "getlist") else data.get("materials", [])
        try:
            proxy = proxy_transition(
                request=proxy,
                action=action,
                actor=request.user,
                reason=str(data.get("reason", "")),
                materials=materials,
                submitted_to=str(data.get("submitted_to", "")),
                result=str(data.get("result", "")),
                allow_missing=str(data.get("allow_missing", "")).lower() in ("1", "true"),
            )
        except ServiceError as exc:
            return error_response(exc)
        return Response(ProxyRequestSerializer(proxy).data)


def _date_param(params, name) -> date | None:
    raw = params.get(name, "")
    if not raw:
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise ValidationError({name: _("A date like 2026-01-31.")}) from None


class ProxyStatsView(APIView):
    """Proxy handling figures in your jurisdiction per township, community or grid: requests,
    handled, completed, on-time rate and satisfaction (see services.selectors.proxy_stats)."""

    @extend_schema(
        parameters=[
            OpenApiParameter("by", str, enum=["township", "community", "grid"]),
            OpenApiParameter("date_from", OpenApiTypes.DATE),
            OpenApiParameter("date_to", OpenApiTypes.DATE),
            OpenApiParameter("grid", str, description="only this area (a grid code in your jurisdiction)"),
        ],
        responses=OpenApiTypes.OBJECT,
    )
    def get(self, request):
        by = request.query_params.get("by", "township")
        if by not in ("township", "community", "grid"):
            raise ValidationError({"by": _("township, community or grid.")})
        grid = request.query_params.get("grid", "").strip()
        if grid and (not grid.isdigit() or len(grid) > 18):
            raise ValidationError({"grid": _("A grid code is up to 18 digits.")})
        if grid and not code_in_jurisdiction(request.user, grid):
            raise ValidationError({"grid": _("That grid is not in your jurisdiction.")})
        return Response(
            selectors.proxy_stats(
                user=request.user,
                by=by,
                grid=grid,
                date_from=_date_param(request.query_params, "date_from"),
                date_to=_date_param(request.query_params, "date_to"),
            )
        )
