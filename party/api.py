"""REST API of the party app under /api/v1/party/: one list per kind of row, scoped by
jurisdiction, and the wish workflow as actions. Phones are masked in every list."""

from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import generics, serializers
from rest_framework.exceptions import ValidationError
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from grids.models import Grid
from grids.selectors import jurisdiction_q

from . import selectors, services
from .models import Activity, CoBuildItem, CoBuildProject, PartyMember, PartyOrg, ServiceRecord, Unit, Wish
from .services import PartyError


def error_response(exc: PartyError) -> Response:
    body = {"detail": exc.message}
    if exc.field:
        body["field"] = exc.field
    if getattr(exc, "problems", None):
        body["problems"] = [{"row": row, "message": message} for row, message in exc.problems]
    return Response(body, status=exc.status)


class OrgSerializer(serializers.ModelSerializer):
    grid_code = serializers.CharField(source="grid.code", default=None)
    members = serializers.IntegerField(source="member_count", read_only=True)

    class Meta:
        model = PartyOrg
        fields = ["id", "name", "kind", "parent", "grid_code", "scope_code", "secretary", "members"]


class OrgListView(generics.ListAPIView):
    """The party organisations of your jurisdiction, tree order (parent ids link the tree)."""

    serializer_class = OrgSerializer
    filter_backends: list = []

    def get_queryset(self):
        from django.db.models import Count

        return selectors.org_list(user=self.request.user).annotate(member_count=Count("members")).order_by("scope_code")


class MemberSerializer(serializers.ModelSerializer):
    org_name = serializers.CharField(source="org.name")
    home_grid_code = serializers.CharField(source="home_grid.code")
    phone = serializers.CharField(source="phone_masked")
    id_number = serializers.CharField(source="id_masked")
    work_unit = serializers.CharField(source="work_unit_name")

    class Meta:
        model = PartyMember
        fields = [
            "id",
            "name",
            "kind",
            "org",
            "org_name",
            "home_grid_code",
            "phone",
            "id_number",
            "work_unit",
            "skills",
            "service_types",
            "reported_on",
            "hours",
            "points",
            "active",
        ]


MEMBER_FILTERS = ("org", "kind", "grid", "q", "service_type")


@extend_schema(parameters=[OpenApiParameter(n, str) for n in MEMBER_FILTERS])
class MemberListView(generics.ListAPIView):
    """Members whose home grid or organisation is in your jurisdiction (phones and ID numbers masked)."""

    serializer_class = MemberSerializer
    filter_backends: list = []

    def get_queryset(self):
        params = self.request.query_params
        filters = {k: params.get(k) for k in MEMBER_FILTERS if params.get(k)}
        if filters.get("org") and not filters["org"].isdigit():
            raise ValidationError({"org": _("An organisation id is a number.")})
        return selectors.member_list(user=self.request.user, filters=filters)


class MemberImportView(APIView):
    """Import members from an xlsx sheet (`file`); all rows or none. 400 lists each bad row."""

    parser_classes = [MultiPartParser]

    @extend_schema(
        request={"multipart/form-data": inline_serializer("MemberImport", {"file": serializers.FileField()})},
        responses=inline_serializer("MemberImported", {"imported": serializers.IntegerField()}),
    )
    def post(self, request):
        upload = request.FILES.get("file")
        if upload is None:
            return Response({"detail": _("Attach the xlsx file."), "field": "file"}, status=400)
        try:
            members = services.members_import(actor=request.user, upload=upload)
        except PartyError as exc:
            return error_response(exc)
        return Response({"imported": len(members)}, status=201)


class UnitSerializer(serializers.ModelSerializer):
    community_code = serializers.CharField(source="community.code")
    contact_phone = serializers.CharField(source="contact_phone_masked")

    class Meta:
        model = Unit
        fields = [
            "id",
            "name",
            "kind",
            "community_code",
            "contact_name",
            "contact_phone",
            "reported_on",
            "co_building",
            "agreement_from",
            "agreement_to",
            "hours",
        ]


class UnitListView(generics.ListAPIView):
    """Units reporting to the communities of your jurisdiction (单位双报到)."""

    serializer_class = UnitSerializer
    filter_backends: list = []

    def get_queryset(self):
        return selectors.unit_list(user=self.request.user).order_by("community__code", "name")


class CoBuildingItemSerializer(serializers.ModelSerializer):
    community_code = serializers.CharField(source="community.code")

    class Meta:
        model = CoBuildItem
        fields = ["id", "kind", "community_code", "unit", "title", "description"]


@extend_schema(parameters=[OpenApiParameter("kind", str, enum=["resource", "need"])])
class ItemListView(generics.ListAPIView):
    """The resource and need lists of co-building."""

    serializer_class = CoBuildingItemSerializer
    filter_backends: list = []

    def get_queryset(self):
        return selectors.item_list(user=self.request.user, kind=self.request.query_params.get("kind") or None)


class ProjectSerializer(serializers.ModelSerializer):
    community_code = serializers.CharField(source="community.code")
    unit_name = serializers.CharField(source="unit.name")

    class Meta:
        model = CoBuildProject
        fields = [
            "id",
            "title",
            "community_code",
            "unit",
            "unit_name",
            "need",
            "resource",
            "owner",
            "starts_on",
            "ends_on",
            "status",
            "outcome",
        ]


class ProjectListView(generics.ListAPIView):
    """The project list of co-building (needs matched to resources)."""

    serializer_class = ProjectSerializer
    filter_backends: list = []

    def get_queryset(self):
        return selectors.project_list(user=self.request.user)


class WishSerializer(serializers.ModelSerializer):
    status_label = serializers.CharField(source="get_status_display")
    grid_code = serializers.CharField(source="grid.code")
    grid_name = serializers.CharField(source="grid.name")
    member = serializers.CharField(source="assignee_member.name", default=None)
    unit = serializers.CharField(source="assignee_unit.name", default=None)
    overdue = serializers.SerializerMethodField()
    colour = serializers.CharField()

    class Meta:
        model = Wish
        fields = [
            "number",
            "title",
            "description",
            "service_type",
            "status",
            "status_label",
            "colour",
            "overdue",
            "grid_code",
            "grid_name",
            "resident_name",
            "resident_phone_masked",
            "member",
            "unit",
            "due_at",
            "hours",
            "rating",
            "created_at",
            "claimed_at",
            "completed_at",
            "confirmed_at",
        ]

    def get_overdue(self, wish) -> bool:
        return bool(wish.overdue_at) and wish.is_open


WISH_FILTERS = ("status", "grid", "q")


class WishPostSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=100)
    grid = serializers.CharField(max_length=18)
    description = serializers.CharField(max_length=2000, required=False, allow_blank=True)
    service_type = serializers.CharField(max_length=20, required=False, allow_blank=True)
    resident_name = serializers.CharField(max_length=40, required=False, allow_blank=True)
    phone = serializers.CharField(max_length=20, required=False, allow_blank=True)
    due_days = serializers.IntegerField(required=False, min_value=1, max_value=90)


@extend_schema(parameters=[OpenApiParameter(n, str) for n in WISH_FILTERS + ("open", "overdue", "mine")])
class WishListView(generics.ListCreateAPIView):
    """Wishes you may see (jurisdiction; for members, their communities and those sent to them).
    POST: a grid worker or party organiser posts a wish for a resident."""

    serializer_class = WishSerializer
    filter_backends: list = []

    def get_queryset(self):
        params = self.request.query_params
        filters = {k: params.get(k) for k in WISH_FILTERS if params.get(k)}
        if params.get("status"):
            filters["status"] = params.getlist("status")
        for flag in ("open", "overdue", "mine"):
            if params.get(flag) in ("1", "true", "yes"):
                filters[flag] = True
        if filters.get("grid") and not filters["grid"].isdigit():
            raise ValidationError({"grid": _("A grid code is up to 18 digits.")})
        return selectors.wish_list(user=self.request.user, filters=filters).order_by("-created_at")

    @extend_schema(request=WishPostSerializer, responses={201: WishSerializer})
    def post(self, request):
        form = WishPostSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        v = dict(form.validated_data)
        grid = Grid.objects.filter(jurisdiction_q(request.user), code=v.pop("grid")).first()
        if grid is None:
            return Response({"detail": _("This grid is outside your jurisdiction."), "field": "grid"}, status=404)
        try:
            wish = services.wish_post(actor=request.user, grid=grid, **v)
        except PartyError as exc:
            return error_response(exc)
        return Response(WishSerializer(wish).data, status=201)


class WishDetailView(generics.RetrieveAPIView):
    serializer_class = WishSerializer

    def get_object(self):
        return selectors.wish_get(user=self.request.user, number=self.kwargs["number"])


class WishActionSerializer(serializers.Serializer):
    action = serializers.ChoiceField(choices=["dispatch", "claim", "complete", "confirm", "cancel"])
    member = serializers.IntegerField(required=False)
    unit = serializers.IntegerField(required=False)
    note = serializers.CharField(required=False, allow_blank=True, max_length=2000)
    hours = serializers.CharField(required=False, max_length=10)
    photo = serializers.FileField(required=False)
    rating = serializers.IntegerField(required=False, min_value=1, max_value=5)
    comment = serializers.CharField(required=False, allow_blank=True, max_length=500)
    reason = serializers.CharField(required=False, allow_blank=True, max_length=500)


def wish_act(*, request, wish: Wish, data: dict, photo=None) -> Wish:
    """One workflow step on a wish from a page or the API (the details already shape-checked)."""
    action = data.get("action")
    user = request.user
    if action == "dispatch":
        member = unit = None
        if data.get("member"):
            member = selectors.member_list(user=user).filter(pk=data["member"]).first()
            if member is None:
                raise PartyError(_("Unknown member."), field="member")
        if data.get("unit"):
            unit = selectors.unit_list(user=user).filter(pk=data["unit"]).first()
            if unit is None:
                raise PartyError(_("Unknown unit."), field="unit")
        return services.wish_dispatch(actor=user, wish=wish, member=member, unit=unit)
    if action == "claim":
        return services.wish_claim(actor=user, wish=wish)
    if action == "complete":
        return services.wish_complete(
            actor=user, wish=wish, note=data.get("note", ""), hours=data.get("hours", ""), photo=photo
        )
    if action == "confirm":
        return services.wish_confirm(actor=user, wish=wish, rating=data.get("rating"), comment=data.get("comment", ""))
    if action == "cancel":
        return services.wish_cancel(actor=user, wish=wish, reason=data.get("reason", ""))
    raise PartyError(_("Unknown action."), field="action")


class WishActionView(APIView):
    """Take a step on a wish: dispatch (organiser), claim and complete (member, `photo` as a file),
    confirm with a rating (grid worker or organiser), cancel (organiser). 404 outside your
    jurisdiction, 403 when your role may not, 409 when the wish's status does not allow it."""

    parser_classes = [JSONParser, FormParser, MultiPartParser]

    @extend_schema(request=WishActionSerializer, responses=WishSerializer)
    def post(self, request, number):
        wish = selectors.wish_get(user=request.user, number=number)
        form = WishActionSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        try:
            wish = wish_act(request=request, wish=wish, data=form.validated_data, photo=request.FILES.get("photo"))
        except PartyError as exc:
            return error_response(exc)
        return Response(WishSerializer(wish).data)


class ActivitySerializer(serializers.ModelSerializer):
    community_code = serializers.CharField(source="community.code")
    signed = serializers.IntegerField(read_only=True)

    class Meta:
        model = Activity
        fields = [
            "id",
            "title",
            "kind",
            "community_code",
            "place",
            "starts_at",
            "ends_at",
            "hours",
            "capacity",
            "signed",
        ]


class ActivityListView(generics.ListAPIView):
    """Activities of your jurisdiction (members: of the communities they serve)."""

    serializer_class = ActivitySerializer
    filter_backends: list = []

    def get_queryset(self):
        return selectors.activity_list(user=self.request.user).order_by("-starts_at")


class ActivitySignupView(APIView):
    """A member signs up for an activity."""

    @extend_schema(request=None, responses=inline_serializer("Signup", {"signed_up": serializers.BooleanField()}))
    def post(self, request, pk):
        activity = selectors.activity_get(user=request.user, pk=pk)
        try:
            services.activity_signup(actor=request.user, activity=activity)
        except PartyError as exc:
            return error_response(exc)
        return Response({"signed_up": True}, status=201)


class RecordSerializer(serializers.ModelSerializer):
    member_name = serializers.CharField(source="member.name", default=None)
    unit_name = serializers.CharField(source="unit.name", default=None)

    class Meta:
        model = ServiceRecord
        fields = ["id", "date", "member", "member_name", "unit", "unit_name", "source", "hours", "points", "note"]


class RecordListView(generics.ListAPIView):
    """Service hours credited in your jurisdiction, newest first."""

    serializer_class = RecordSerializer
    filter_backends: list = []

    def get_queryset(self):
        return selectors.record_list(user=self.request.user)


class CoverageView(APIView):
    """Share of unit grids with a branch or group on them, per township and community."""

    @extend_schema(
        responses=inline_serializer("Coverage", {"rows": serializers.ListField(child=serializers.DictField())})
    )
    def get(self, request):
        return Response({"rows": selectors.coverage(user=request.user)})


def year_param(value) -> int:
    from django.utils import timezone

    if not value:
        return timezone.localdate().year
    if not str(value).isdigit() or not 2000 <= int(value) <= 2100:
        raise ValidationError({"year": _("Give a year like 2026.")})
    return int(value)


def evaluation_payload(sheet: dict) -> dict:
    def row(r):
        return {
            "kind": r.kind,
            "id": r.id,
            "name": r.name,
            "org": r.org,
            "hours": str(r.hours),
            "accepted": r.accepted,
            "completed": r.completed,
            "completion_rate": None if r.rate is None else str(r.rate),
            "score": str(r.score),
            "hours_met": r.hours_met,
            "passed": r.passed,
        }

    return {
        "year": sheet["year"],
        "min_hours": str(sheet["policy"].min_hours),
        "pass_mark": sheet["policy"].pass_mark,
        "members": [row(r) for r in sheet["members"]],
        "units": [row(r) for r in sheet["units"]],
    }


class EvaluationView(APIView):
    """The yearly evaluation sheet (双评议) of the members and units of your jurisdiction."""

    @extend_schema(
        parameters=[OpenApiParameter("year", int)],
        responses=inline_serializer("EvaluationSheet", {"year": serializers.IntegerField()}),
    )
    def get(self, request):
        year = year_param(request.query_params.get("year"))
        return Response(evaluation_payload(selectors.evaluation_sheet(user=request.user, year=year)))
