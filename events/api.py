from django.conf import settings
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import generics, serializers, status
from rest_framework.exceptions import Throttled, ValidationError
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from govgrid import ratelimit
from govgrid.api import Ordering

from . import selectors, services
from .choices import Source
from .models import Category, Event
from .services import EventError
from .workflow import WORKFLOW

ERROR_CODES = {400: "invalid", 403: "permission_denied", 404: "not_found", 409: "conflict"}


def error_response(exc: EventError) -> Response:
    """A refusal of the services in the API's one error shape (govgrid/api.py); `field` is kept
    beside `fields` for the clients written before it."""
    body = {"detail": exc.message, "code": ERROR_CODES.get(exc.status, "error")}
    if exc.field:
        body["field"] = exc.field
        body["fields"] = {exc.field: [exc.message]}
    return Response(body, status=exc.status)


class PublicReportSerializer(serializers.Serializer):
    category = serializers.CharField(max_length=8, help_text="category code, e.g. 0102")
    description = serializers.CharField(max_length=services.MAX_DESCRIPTION)
    lat = serializers.FloatField(min_value=-90, max_value=90)
    lng = serializers.FloatField(min_value=-180, max_value=180)
    phone = serializers.CharField(max_length=20, required=False, allow_blank=True)
    address = serializers.CharField(max_length=200, required=False, allow_blank=True)
    photos = serializers.ListField(child=serializers.FileField(), required=False, max_length=6)


class ReportResultSerializer(serializers.Serializer):
    tracking_code = serializers.CharField()
    number = serializers.CharField()
    status = serializers.CharField()
    grid = serializers.CharField()
    track_url = serializers.CharField()


def _report_result(event: Event, request) -> dict:
    return {
        "tracking_code": event.tracking_code,
        "number": event.number,
        "status": event.status,
        "grid": event.grid.name,
        "track_url": request.build_absolute_uri(f"/track/{event.tracking_code}/"),
    }


class PublicReportView(APIView):
    """File a case without logging in (apps, phones, the worker view's offline queue).

    Send `Idempotency-Key` to make retries safe: the same key again returns the same case (200)
    instead of filing a second one. Limited per client address per hour (429 beyond).
    """

    permission_classes = [AllowAny]
    authentication_classes = []
    parser_classes = [MultiPartParser, FormParser, JSONParser]

    @extend_schema(
        request={"multipart/form-data": PublicReportSerializer, "application/json": PublicReportSerializer},
        responses={201: ReportResultSerializer, 200: ReportResultSerializer},
        parameters=[OpenApiParameter("Idempotency-Key", str, OpenApiParameter.HEADER)],
    )
    def post(self, request):
        key = request.headers.get("Idempotency-Key", "").strip()[:80] or None
        if key:
            existing = Event.objects.filter(idempotency_key=key).select_related("grid").first()
            if existing:
                return Response(_report_result(existing, request), status=status.HTTP_200_OK)
        if not ratelimit.hit(f"report:{ratelimit.client_ip(request)}", limit=settings.PUBLIC_REPORT_RATE, window=3600):
            raise Throttled(detail=_("Too many reports from your address; try again later."))
        data = request.data.copy() if hasattr(request.data, "copy") else dict(request.data)
        if hasattr(request.data, "getlist"):
            data.setlist("photos", request.FILES.getlist("photos"))
        form = PublicReportSerializer(data=data)
        form.is_valid(raise_exception=True)
        v = form.validated_data
        try:
            event, created = services.event_report(
                source=Source.PUBLIC_API,
                category=v["category"],
                description=v["description"],
                point=services.point_from(v["lat"], v["lng"]),
                address=v.get("address", ""),
                phone=v.get("phone", ""),
                photos=v.get("photos", []),
                idempotency_key=key,
            )
        except EventError as exc:
            return error_response(exc)
        return Response(_report_result(event, request), status=201 if created else 200)


class PublicTrackView(APIView):
    """A case's status and public timeline by tracking code (no personal data)."""

    permission_classes = [AllowAny]
    authentication_classes = []

    @extend_schema(
        responses=inline_serializer(
            "Tracking",
            {
                "number": serializers.CharField(),
                "status": serializers.CharField(),
                "category": serializers.CharField(),
                "grid": serializers.CharField(),
                "reported_at": serializers.DateTimeField(),
                "timeline": serializers.ListField(child=serializers.DictField()),
            },
        )
    )
    def get(self, request, code):
        event = selectors.event_by_tracking_code(code)
        return Response(
            {
                "number": event.number,
                "status": event.status,
                "status_label": event.get_status_display(),
                "category": event.category.name,
                "grid": event.grid.name,
                "reported_at": event.created_at,
                "satisfaction": event.satisfaction,
                "timeline": [
                    {"action": t["action"], "status": t["status"], "at": t["at"]}
                    for t in selectors.public_timeline(event)
                ],
            }
        )


class EventSerializer(serializers.ModelSerializer):
    status_label = serializers.CharField(source="get_status_display")
    category_code = serializers.CharField(source="category.code")
    category_name = serializers.CharField(source="category.name")
    grid_code = serializers.CharField(source="grid.code")
    grid_name = serializers.CharField(source="grid.name")
    assignee = serializers.SerializerMethodField()
    lat = serializers.SerializerMethodField()
    lng = serializers.SerializerMethodField()
    colour = serializers.CharField()

    class Meta:
        model = Event
        fields = [
            "number",
            "source",
            "status",
            "status_label",
            "colour",
            "overdue",
            "level",
            "category_code",
            "category_name",
            "description",
            "address",
            "lat",
            "lng",
            "grid_code",
            "grid_name",
            "assignee",
            "reporter_phone_masked",
            "due_at",
            "escalation_level",
            "rework_count",
            "self_resolved",
            "satisfaction",
            "created_at",
            "closed_at",
        ]

    def get_assignee(self, e) -> str | None:
        if e.assignee_department_id:
            return e.assignee_department.name
        if e.assignee_user_id:
            return e.assignee_user.get_full_name() or e.assignee_user.get_username()
        return None

    def get_lat(self, e) -> float:
        return round(e.point.y, 6)

    def get_lng(self, e) -> float:
        return round(e.point.x, 6)


FILTERS = ("status", "category", "grid", "source", "q", "date_from", "date_to")


def event_filters(params) -> dict:
    filters = {k: params.get(k) for k in FILTERS if params.get(k)}
    if params.get("status"):
        filters["status"] = params.getlist("status") if hasattr(params, "getlist") else [params["status"]]
    for flag in ("overdue", "open", "assigned_to_me"):
        if params.get(flag) in ("1", "true", "yes"):
            filters[flag] = True
    for name in ("date_from", "date_to"):
        if filters.get(name):
            try:
                filters[name] = timezone.datetime.fromisoformat(filters[name]).date()
            except ValueError:
                raise ValidationError({name: _("Use a date like 2026-11-22.")}) from None
    if filters.get("grid") and not filters["grid"].isdigit():
        raise ValidationError({"grid": _("A grid code is up to 18 digits.")})
    return filters


@extend_schema(parameters=[OpenApiParameter(n, str) for n in FILTERS + ("overdue", "open", "assigned_to_me")])
class EventListView(generics.ListAPIView):
    """Cases in your jurisdiction (and those assigned to you), newest first, with filters."""

    serializer_class = EventSerializer
    filter_backends = [Ordering]
    ordering_fields = ["created_at", "due_at", "level", "number", "status"]
    ordering = ["-created_at"]

    def get_queryset(self):
        return selectors.event_list(user=self.request.user, filters=event_filters(self.request.query_params))


class EventDetailView(generics.RetrieveAPIView):
    serializer_class = EventSerializer

    def get_object(self):
        return selectors.event_get(user=self.request.user, number=self.kwargs["number"])


class ActionSerializer(serializers.Serializer):
    action = serializers.ChoiceField(choices=sorted(WORKFLOW))
    reason = serializers.CharField(required=False, allow_blank=True, max_length=2000)
    note = serializers.CharField(required=False, allow_blank=True, max_length=2000)
    result = serializers.CharField(required=False, allow_blank=True, max_length=4000)
    level = serializers.IntegerField(required=False, min_value=1, max_value=3)
    category = serializers.CharField(required=False, max_length=8)
    department = serializers.IntegerField(required=False)
    worker = serializers.IntegerField(required=False)
    into = serializers.CharField(required=False, max_length=16)
    hours = serializers.IntegerField(required=False, min_value=1, max_value=720)
    satisfaction = serializers.IntegerField(required=False, min_value=1, max_value=5)
    comment = serializers.CharField(required=False, allow_blank=True, max_length=500)


class EventActionView(APIView):
    """Take a workflow step on a case (accept, dispatch, claim, return, resolve, close, rework, …).

    Refusals: 404 outside your jurisdiction, 403 when your role may not, 409 when the case's
    status does not allow it, 400 for missing or bad details.
    """

    parser_classes = [JSONParser, FormParser, MultiPartParser]

    @extend_schema(request=ActionSerializer, responses=EventSerializer)
    def post(self, request, number):
        event = selectors.event_get(user=request.user, number=number)
        form = ActionSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        details = dict(form.validated_data)
        action = details.pop("action")
        try:
            if request.FILES.getlist("photos"):
                details["photos"] = services.photos_clean(request.FILES.getlist("photos"))
            event = services.event_transition(event=event, action=action, actor=request.user, **details)
        except EventError as exc:
            return error_response(exc)
        return Response(EventSerializer(event).data)


class CategorySerializer(serializers.ModelSerializer):
    label = serializers.SerializerMethodField()
    major = serializers.CharField(source="parent.code", default=None)

    class Meta:
        model = Category
        fields = ["code", "label", "major", "kind", "level", "limit_hours", "limit_unit", "grid_can_resolve", "colour"]

    def get_label(self, c) -> str:
        return c.name_en if (get_language() or "").startswith("en") and c.name_en else c.name


class CategoryListView(generics.ListAPIView):
    """The category catalogue (public: report forms and apps need it)."""

    serializer_class = CategorySerializer
    permission_classes = [AllowAny]
    authentication_classes = []
    pagination_class = None
    filter_backends: list = []

    def get_queryset(self):
        return Category.objects.filter(active=True).select_related("parent").order_by("code")
