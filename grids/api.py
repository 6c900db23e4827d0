import hashlib
import json

from django.contrib.gis.geos import Point
from django.core.cache import cache
from django.db.models import Count, Max
from django.http import HttpResponse, HttpResponseNotModified
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers, viewsets
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.permissions import AllowAny
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from govgrid.api import Ordering

from . import selectors
from .choices import Level
from .models import Grid, Membership


class GridRefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Grid
        fields = ["code", "name", "level"]


class GridSerializer(serializers.ModelSerializer):
    level_label = serializers.CharField(source="get_level_display", read_only=True)
    kind_label = serializers.CharField(source="get_kind_display", read_only=True)
    parent_code = serializers.SerializerMethodField()
    label_point = serializers.SerializerMethodField()

    class Meta:
        model = Grid
        fields = [
            "code",
            "name",
            "level",
            "level_label",
            "kind",
            "kind_label",
            "parent_code",
            "households",
            "population",
            "boundary_generated",
            "label_point",
            "active_from",
        ]

    def get_parent_code(self, grid) -> str | None:
        return grid.code[: max(n for n in Level.values if n < len(grid.code))] if grid.parent_id else None

    def get_label_point(self, grid) -> dict:
        return {"lat": round(grid.label_point.y, 6), "lng": round(grid.label_point.x, 6)}


class MemberSerializer(serializers.ModelSerializer):
    name = serializers.SerializerMethodField()
    role_label = serializers.CharField(source="get_role_display", read_only=True)

    class Meta:
        model = Membership
        fields = ["name", "role", "role_label", "phone", "on_duty"]

    def get_name(self, m) -> str:
        return m.user.get_full_name() or m.user.get_username()


class GridDetailSerializer(GridSerializer):
    ancestors = serializers.SerializerMethodField()
    members = serializers.SerializerMethodField()
    children = serializers.SerializerMethodField()

    class Meta(GridSerializer.Meta):
        fields = GridSerializer.Meta.fields + ["ancestors", "members", "children"]

    def get_ancestors(self, grid) -> list[dict]:
        return GridRefSerializer(selectors.grid_ancestors(grid), many=True).data

    def get_members(self, grid) -> list[dict]:
        return MemberSerializer(selectors.grid_members(grid), many=True).data

    def get_children(self, grid) -> int:
        return grid.children.filter(active_to__isnull=True).count()


def _int_param(request, name: str, low: int, high: int) -> int | None:
    raw = request.query_params.get(name)
    if raw in (None, ""):
        return None
    try:
        value = int(raw)
    except ValueError:
        raise ValidationError({name: _("Must be a whole number.")}) from None
    if not low <= value <= high:
        raise ValidationError({name: _("Must be between %(low)d and %(high)d.") % {"low": low, "high": high}})
    return value


def _code_param(request, name: str) -> str | None:
    raw = request.query_params.get(name, "").strip()
    if raw and (not raw.isdigit() or len(raw) > 18):
        raise ValidationError({name: _("A grid code is up to 18 digits.")})
    return raw or None


@extend_schema(
    parameters=[
        OpenApiParameter("level", int, description="2, 4, 6, 9, 12, 15 or 18"),
        OpenApiParameter("within", str, description="only this grid code's subtree"),
        OpenApiParameter("q", str, description="code prefix or part of the name"),
    ]
)
class GridViewSet(viewsets.ReadOnlyModelViewSet):
    """Grids in your jurisdiction. Detail by code includes ancestors, workers and child count."""

    lookup_field = "code"
    lookup_value_regex = "[0-9]{1,18}"
    filter_backends = [Ordering]
    ordering_fields = ["code", "name", "level", "population", "households"]
    ordering = ["code"]

    def get_serializer_class(self):
        return GridDetailSerializer if self.action == "retrieve" else GridSerializer

    def get_queryset(self):
        request = self.request
        return selectors.grid_list(
            user=request.user,
            level=_int_param(request, "level", 2, 18),
            within=_code_param(request, "within"),
            search=request.query_params.get("q", "")[:50],
        ).defer("boundary")

    def get_object(self):
        return selectors.grid_get(user=self.request.user, code=self.kwargs["code"])


def _tolerance(zoom: int | None) -> float:
    """Half a screen pixel at this zoom, in degrees: simplification nobody can see."""
    return 0.0 if zoom is None else 360 / (256 * 2**zoom) / 2


class GeoJSONRenderer(JSONRenderer):
    media_type = "application/geo+json"
    format = "geojson"


class GridBoundariesView(APIView):
    """GeoJSON FeatureCollection of grid boundaries in your jurisdiction, simplified for a zoom level.

    Cached and answered with an ETag: a client that sends `If-None-Match` gets 304 while no grid
    in the requested set changed.
    """

    renderer_classes = [GeoJSONRenderer, JSONRenderer]

    @extend_schema(
        parameters=[
            OpenApiParameter("level", int, description="grid level (default: unit grids, 15)"),
            OpenApiParameter("within", str, description="only this grid code's subtree"),
            OpenApiParameter("zoom", int, description="map zoom 0-20: geometry simplified to half a pixel"),
        ],
        responses={(200, "application/geo+json"): OpenApiTypes.OBJECT},
    )
    def get(self, request):
        level = _int_param(request, "level", 2, 18) or Level.GRID
        within = _code_param(request, "within")
        zoom = _int_param(request, "zoom", 0, 20)
        qs = selectors.grid_list(user=request.user, level=level, within=within)
        state = qs.aggregate(n=Count("pk"), changed=Max("updated_at"))
        key = json.dumps(
            [
                level,
                within,
                zoom,
                selectors.user_jurisdiction(request.user),
                state["n"],
                state["changed"].isoformat() if state["changed"] else None,
            ]
        )
        etag = f'"{hashlib.sha256(key.encode()).hexdigest()[:32]}"'
        if etag in request.headers.get("If-None-Match", ""):
            response = HttpResponseNotModified()
            response["ETag"] = etag
            return response
        body = cache.get(f"grids:geojson:{etag}")
        if body is None:
            body = self._build(qs, _tolerance(zoom))
            cache.set(f"grids:geojson:{etag}", body, 3600)
        response = HttpResponse(body, content_type="application/geo+json")
        response["ETag"] = etag
        response["Cache-Control"] = "private, no-cache"
        return response

    @staticmethod
    def _build(qs, tolerance: float) -> bytes:
        features = []
        for grid in qs.only("code", "name", "level", "kind", "boundary", "boundary_generated", "label_point"):
            geom = grid.boundary.simplify(tolerance, preserve_topology=True) if tolerance else grid.boundary
            features.append(
                {
                    "type": "Feature",
                    "geometry": json.loads(geom.json),
                    "properties": {
                        "code": grid.code,
                        "name": grid.name,
                        "level": grid.level,
                        "kind": grid.kind,
                        "generated": grid.boundary_generated,
                        "label": [round(grid.label_point.y, 6), round(grid.label_point.x, 6)],
                    },
                }
            )
        return json.dumps(
            {"type": "FeatureCollection", "features": features}, ensure_ascii=False, separators=(",", ":")
        ).encode()


def parse_lat_lng(params) -> Point:
    """A WGS 84 point from `lat` and `lng` parameters, or a 400 saying what is wrong."""
    errors = {}
    values = {}
    for name, limit in (("lat", 90), ("lng", 180)):
        raw = params.get(name)
        try:
            value = float(raw)
            if not -limit <= value <= limit:
                raise ValueError
            values[name] = value
        except (TypeError, ValueError):
            errors[name] = _("A number between -%(limit)d and %(limit)d is required.") % {"limit": limit}
    if errors:
        raise ValidationError(errors)
    return Point(values["lng"], values["lat"], srid=4326)


class GridLocateView(APIView):
    """Which grid a WGS 84 point lies in: the deepest active grid, with its ancestors. Public."""

    permission_classes = [AllowAny]
    authentication_classes = []

    @extend_schema(
        parameters=[OpenApiParameter("lat", float, required=True), OpenApiParameter("lng", float, required=True)],
        responses=inline_serializer(
            "GridLocation",
            {
                "code": serializers.CharField(),
                "name": serializers.CharField(),
                "level": serializers.IntegerField(),
                "ancestors": GridRefSerializer(many=True),
            },
        ),
    )
    def get(self, request):
        point = parse_lat_lng(request.query_params)
        grid = selectors.grid_locate(point)
        if grid is None:
            raise NotFound(_("This point lies outside the area this platform serves."))
        return Response(
            {
                "code": grid.code,
                "name": grid.name,
                "level": grid.level,
                "ancestors": GridRefSerializer(selectors.grid_ancestors(grid), many=True).data,
            }
        )
