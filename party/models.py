"""Party building on the grids: the organisation tree, members and units (双报到), co-building
(契约化共建), residents' wishes (微心愿: 居民点单-组织派单-党员接单), activities and service hours.

Every row that people see carries a grid code it is scoped by (`scope_code` of an organisation,
the community of a unit, the grid of a wish or activity): selectors filter on it with
`grids.selectors.jurisdiction_q`.
"""

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from .choices import (
    OPEN_WISH_STATUSES,
    OVERDUE_COLOUR,
    WISH_COLOURS,
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

MAX_HOURS_PER_RECORD = Decimal("24")


class PartyOrg(models.Model):
    """A node of the party organisation tree (街道党工委 → 社区党委 → 党支部 → 党小组 → 党员中心户).

    `grid` is where it sits, when bound; `scope_code` is the code of that grid or, for an unbound
    node, of the nearest bound ancestor: it decides who sees the node. Set by `org_create`.
    """

    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=20, choices=OrgKind.choices)
    parent = models.ForeignKey(
        "self", models.PROTECT, null=True, blank=True, related_name="children", verbose_name=_("parent")
    )
    grid = models.ForeignKey(
        "grids.Grid", models.PROTECT, null=True, blank=True, related_name="party_orgs", verbose_name=_("grid")
    )
    scope_code = models.CharField(_("scope"), max_length=18, editable=False)
    secretary = models.CharField(_("secretary"), max_length=40, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("party organisation")
        verbose_name_plural = _("party organisations")
        ordering = ["scope_code", "kind", "name"]
        indexes = [models.Index(fields=["scope_code"], name="partyorg_scope_idx", opclasses=["varchar_pattern_ops"])]

    def __str__(self):
        return self.name


class Unit(models.Model):
    """A unit (机关, 事业单位, 企业) that reports to a community (单位双报到) and may co-build with it."""

    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=12, choices=UnitKind.choices)
    community = models.ForeignKey(
        "grids.Grid", models.PROTECT, related_name="party_units", verbose_name=_("reports to community")
    )
    contact_name = models.CharField(_("contact"), max_length=40, blank=True)
    contact_phone_encrypted = models.TextField(_("contact phone (encrypted)"), blank=True, editable=False)
    contact_phone_masked = models.CharField(_("contact phone"), max_length=20, blank=True)
    reported_on = models.DateField(_("reported on"))
    co_building = models.BooleanField(_("co-building unit"), default=False)
    agreement_from = models.DateField(_("agreement from"), null=True, blank=True)
    agreement_to = models.DateField(_("agreement until"), null=True, blank=True)
    hours = models.DecimalField(_("service hours"), max_digits=8, decimal_places=1, default=0)

    class Meta:
        verbose_name = _("unit")
        verbose_name_plural = _("units")
        ordering = ["community__code", "name"]
        constraints = [models.UniqueConstraint(fields=["community", "name"], name="party_unit_unique_name")]

    def __str__(self):
        return self.name


class PartyMember(models.Model):
    """A party member on the roster of one organisation. Phone numbers are stored encrypted and
    shown masked; the ID number only as a keyed hash (to find duplicates) and a masked form.

    `user` links the account a member signs in with on the phone pages. `hours` and `points` are
    totals of the member's `ServiceRecord` rows, kept by the services that add them.
    """

    name = models.CharField(pgettext_lazy("person", "name"), max_length=40)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="party_member",
        verbose_name=_("account"),
    )
    phone_encrypted = models.TextField(_("phone (encrypted)"), blank=True, editable=False)
    phone_masked = models.CharField(_("phone"), max_length=20, blank=True)
    id_hash = models.CharField(max_length=64, unique=True, null=True, blank=True, editable=False)
    id_masked = models.CharField(_("ID number"), max_length=20, blank=True, editable=False)
    org = models.ForeignKey(PartyOrg, models.PROTECT, related_name="members", verbose_name=_("organisation"))
    home_grid = models.ForeignKey(
        "grids.Grid", models.PROTECT, related_name="party_members", verbose_name=_("home grid")
    )
    kind = models.CharField(_("kind"), max_length=12, choices=MemberKind.choices, default=MemberKind.REGISTERED)
    work_unit = models.ForeignKey(
        Unit, models.SET_NULL, null=True, blank=True, related_name="members", verbose_name=_("work unit")
    )
    work_unit_name = models.CharField(_("work unit name"), max_length=100, blank=True)
    skills = models.CharField(_("skills"), max_length=200, blank=True)
    service_types = models.CharField(_("service types"), max_length=200, blank=True, help_text=_("comma-separated"))
    reported_on = models.DateField(_("reported to the community on"), null=True, blank=True)
    hours = models.DecimalField(_("service hours"), max_digits=8, decimal_places=1, default=0)
    points = models.PositiveIntegerField(_("points"), default=0)
    active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("party member")
        verbose_name_plural = _("party members")
        ordering = ["org__scope_code", "name"]

    def __str__(self):
        return self.name

    @property
    def service_type_labels(self) -> list[str]:
        labels = dict(ServiceType.choices)
        return [str(labels.get(t, t)) for t in self.service_types.split(",") if t]

    @property
    def community_code(self) -> str:
        return self.home_grid.code[:12]


class Wish(models.Model):
    """A resident's small wish (微心愿), posted on the public page or by a grid worker for them,
    dispatched by the party organisation or claimed by a member, completed, then confirmed and
    rated by the resident (tracking code) or the grid worker. Status changes only in services."""

    number = models.CharField(pgettext_lazy("wish", "number"), max_length=16, unique=True)
    tracking_code = models.CharField(_("tracking code"), max_length=12, unique=True)
    title = models.CharField(_("wish"), max_length=100)
    description = models.TextField(_("details"), blank=True)
    service_type = models.CharField(_("service type"), max_length=20, choices=ServiceType.choices, blank=True)
    grid = models.ForeignKey("grids.Grid", models.PROTECT, related_name="wishes", verbose_name=_("grid"))
    resident_name = models.CharField(_("resident (masked)"), max_length=40, blank=True)
    resident_phone_encrypted = models.TextField(blank=True, editable=False)
    resident_phone_masked = models.CharField(_("resident phone"), max_length=20, blank=True)
    resident_address = models.CharField(_("address"), max_length=200, blank=True)
    posted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("posted by")
    )
    status = models.CharField(_("status"), max_length=12, choices=WishStatus.choices, default=WishStatus.POSTED)
    assignee_member = models.ForeignKey(
        PartyMember, models.SET_NULL, null=True, blank=True, related_name="wishes", verbose_name=_("member")
    )
    assignee_unit = models.ForeignKey(
        Unit, models.SET_NULL, null=True, blank=True, related_name="wishes", verbose_name=_("unit")
    )
    due_at = models.DateTimeField(pgettext_lazy("wish", "deadline"))
    reminded_at = models.DateTimeField(_("reminded"), null=True, blank=True)
    overdue_at = models.DateTimeField(_("overdue since"), null=True, blank=True)
    completion_note = models.TextField(_("what was done"), blank=True)
    completion_photo = models.ImageField(_("photo"), upload_to="wishes/%Y/%m/", blank=True)
    hours = models.DecimalField(_("hours spent"), max_digits=4, decimal_places=1, null=True, blank=True)
    rating = models.PositiveSmallIntegerField(_("rating (1–5)"), null=True, blank=True)
    rating_comment = models.CharField(_("comment"), max_length=500, blank=True)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("confirmed by"),
    )
    created_at = models.DateTimeField(_("posted at"), auto_now_add=True)
    dispatched_at = models.DateTimeField(pgettext_lazy("wish", "dispatched at"), null=True, blank=True)
    claimed_at = models.DateTimeField(_("taken on at"), null=True, blank=True)
    completed_at = models.DateTimeField(_("done at"), null=True, blank=True)
    confirmed_at = models.DateTimeField(_("confirmed at"), null=True, blank=True)
    idempotency_key = models.CharField(max_length=80, unique=True, null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("wish")
        verbose_name_plural = _("wishes")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["status", "due_at"], name="wish_status_due_idx")]
        constraints = [
            models.CheckConstraint(
                condition=Q(rating__isnull=True) | Q(rating__gte=1, rating__lte=5), name="wish_rating"
            ),
            models.CheckConstraint(
                condition=Q(hours__isnull=True) | Q(hours__gt=0, hours__lte=MAX_HOURS_PER_RECORD), name="wish_hours"
            ),
        ]

    def __str__(self):
        return f"{self.number} {self.title}"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_WISH_STATUSES

    @property
    def colour(self) -> str:
        return OVERDUE_COLOUR if self.overdue_at and self.is_open else WISH_COLOURS[self.status]


class WishLog(models.Model):
    """Append-only steps of a wish (who did what when), for the organiser and the public timeline."""

    ACTIONS = {
        "post": _("Posted"),
        "dispatch": pgettext_lazy("wish", "Dispatched"),
        "claim": _("Taken on"),
        "complete": _("Completed"),
        "confirm": _("Confirmed and rated"),
        "cancel": _("Cancelled"),
        "overdue": _("Overdue"),
    }

    wish = models.ForeignKey(Wish, models.CASCADE, related_name="log")
    action = models.CharField(_("action"), max_length=20)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+")
    actor_label = models.CharField(_("by"), max_length=100, blank=True)
    note = models.CharField(_("note"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("at"), auto_now_add=True)

    class Meta:
        verbose_name = _("wish log entry")
        verbose_name_plural = _("wish log entries")
        ordering = ["wish", "created_at", "pk"]

    def __str__(self):
        return f"{self.wish_id} {self.action}"

    @property
    def action_label(self) -> str:
        return str(self.ACTIONS.get(self.action, self.action))


class Activity(models.Model):
    """A theme party day (主题党日) or volunteer activity published to a community's members."""

    title = models.CharField(_("title"), max_length=100)
    kind = models.CharField(_("kind"), max_length=12, choices=ActivityKind.choices)
    community = models.ForeignKey(
        "grids.Grid", models.PROTECT, related_name="party_activities", verbose_name=_("community")
    )
    org = models.ForeignKey(
        PartyOrg, models.SET_NULL, null=True, blank=True, related_name="activities", verbose_name=_("organised by")
    )
    place = models.CharField(_("place"), max_length=100, blank=True)
    description = models.TextField(_("details"), blank=True)
    starts_at = models.DateTimeField(_("starts"))
    ends_at = models.DateTimeField(_("ends"))
    hours = models.DecimalField(_("hours credited"), max_digits=4, decimal_places=1)
    capacity = models.PositiveIntegerField(_("places"), null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+")

    class Meta:
        verbose_name = _("activity")
        verbose_name_plural = _("activities")
        ordering = ["-starts_at"]
        constraints = [
            models.CheckConstraint(condition=Q(ends_at__gt=models.F("starts_at")), name="activity_ends_after_start"),
            models.CheckConstraint(condition=Q(hours__gt=0, hours__lte=MAX_HOURS_PER_RECORD), name="activity_hours"),
        ]

    def __str__(self):
        return self.title


class ActivitySignup(models.Model):
    """A member signed up for an activity; `checked_in_at` is set once at attendance check-in."""

    activity = models.ForeignKey(Activity, models.CASCADE, related_name="signups")
    member = models.ForeignKey(PartyMember, models.CASCADE, related_name="signups")
    signed_up_at = models.DateTimeField(auto_now_add=True)
    checked_in_at = models.DateTimeField(_("checked in"), null=True, blank=True)

    class Meta:
        verbose_name = _("sign-up")
        verbose_name_plural = _("sign-ups")
        constraints = [models.UniqueConstraint(fields=["activity", "member"], name="signup_once")]

    def __str__(self):
        return f"{self.activity_id} · {self.member_id}"


class ServiceRecord(models.Model):
    """Hours (and points) of service credited to a member or a unit: one row per wish, per
    activity attendance, or per manual entry. The unique constraints are what credit a wish or
    an activity exactly once, however often the confirming request is sent."""

    member = models.ForeignKey(
        PartyMember, models.PROTECT, null=True, blank=True, related_name="records", verbose_name=_("member")
    )
    unit = models.ForeignKey(
        Unit, models.PROTECT, null=True, blank=True, related_name="records", verbose_name=_("unit")
    )
    source = models.CharField(_("source"), max_length=10, choices=RecordSource.choices)
    wish = models.ForeignKey(Wish, models.PROTECT, null=True, blank=True, related_name="records")
    activity = models.ForeignKey(Activity, models.PROTECT, null=True, blank=True, related_name="records")
    date = models.DateField(_("date"))
    hours = models.DecimalField(pgettext_lazy("service hours", "hours"), max_digits=4, decimal_places=1)
    points = models.PositiveIntegerField(_("points"), default=0)
    note = models.CharField(_("note"), max_length=200, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("service record")
        verbose_name_plural = _("service records")
        ordering = ["-date", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["wish"], condition=Q(wish__isnull=False), name="record_once_per_wish"),
            models.UniqueConstraint(
                fields=["activity", "member"], condition=Q(activity__isnull=False), name="record_once_per_attendance"
            ),
            models.CheckConstraint(condition=Q(hours__gt=0, hours__lte=MAX_HOURS_PER_RECORD), name="record_hours"),
            models.CheckConstraint(
                condition=Q(member__isnull=False, unit__isnull=True) | Q(member__isnull=True, unit__isnull=False),
                name="record_member_or_unit",
            ),
        ]

    def __str__(self):
        return f"{self.date} {self.hours} h"


class CoBuildItem(models.Model):
    """One line of a co-building list: a unit's resource, or a community's need (the project list
    is `CoBuildProject`)."""

    kind = models.CharField(_("list"), max_length=10, choices=ItemKind.choices)
    community = models.ForeignKey("grids.Grid", models.PROTECT, related_name="+", verbose_name=_("community"))
    unit = models.ForeignKey(Unit, models.CASCADE, null=True, blank=True, related_name="items", verbose_name=_("unit"))
    title = models.CharField(_("title"), max_length=100)
    description = models.TextField(_("details"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("co-building list item")
        verbose_name_plural = _("co-building list items")
        ordering = ["community__code", "kind", "title"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind=ItemKind.NEED) | Q(unit__isnull=False), name="cobuild_resource_has_unit"
            ),
        ]

    def __str__(self):
        return self.title


class CoBuildProject(models.Model):
    """A community need matched to a unit's resource (契约化共建 project), with owner, dates, outcome."""

    community = models.ForeignKey("grids.Grid", models.PROTECT, related_name="+", verbose_name=_("community"))
    need = models.ForeignKey(CoBuildItem, models.PROTECT, related_name="need_projects", verbose_name=_("need"))
    resource = models.ForeignKey(
        CoBuildItem, models.PROTECT, related_name="resource_projects", verbose_name=_("resource")
    )
    unit = models.ForeignKey(Unit, models.PROTECT, related_name="projects", verbose_name=_("unit"))
    title = models.CharField(_("title"), max_length=100)
    owner = models.CharField(_("owner"), max_length=40)
    starts_on = models.DateField(_("starts"))
    ends_on = models.DateField(_("ends"))
    status = models.CharField(_("status"), max_length=10, choices=ProjectStatus.choices, default=ProjectStatus.PLANNED)
    outcome = models.TextField(_("outcome"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("co-building project")
        verbose_name_plural = _("co-building projects")
        ordering = ["-starts_on"]
        constraints = [
            models.CheckConstraint(condition=Q(ends_on__gte=models.F("starts_on")), name="project_dates"),
            models.UniqueConstraint(fields=["need", "resource"], name="project_once_per_match"),
        ]

    def __str__(self):
        return self.title


class YearPolicy(models.Model):
    """The yearly evaluation rule (双评议) of a year: minimum hours (published practice: 50 a
    year), the minimum completion rate of accepted wishes, and the pass mark of the score."""

    year = models.PositiveSmallIntegerField(_("year"), unique=True)
    min_hours = models.DecimalField(_("minimum hours"), max_digits=5, decimal_places=1, default=Decimal("50"))
    pass_mark = models.PositiveSmallIntegerField(_("pass mark (0–100)"), default=80)

    class Meta:
        verbose_name = _("evaluation rule")
        verbose_name_plural = _("evaluation rules")
        ordering = ["-year"]
        constraints = [
            models.CheckConstraint(condition=Q(min_hours__gt=0, min_hours__lte=2000), name="policy_min_hours"),
            models.CheckConstraint(condition=Q(pass_mark__lte=100), name="policy_pass_mark"),
        ]

    def __str__(self):
        return str(self.year)


class Evaluation(models.Model):
    """A member's or a unit's yearly evaluation, recorded (frozen) by the community with a comment."""

    year = models.PositiveSmallIntegerField(_("year"))
    member = models.ForeignKey(PartyMember, models.CASCADE, null=True, blank=True, related_name="evaluations")
    unit = models.ForeignKey(Unit, models.CASCADE, null=True, blank=True, related_name="evaluations")
    hours = models.DecimalField(pgettext_lazy("service hours", "hours"), max_digits=8, decimal_places=1)
    accepted = models.PositiveIntegerField(_("wishes taken on"))
    completed = models.PositiveIntegerField(_("wishes completed"))
    score = models.DecimalField(_("score"), max_digits=5, decimal_places=1)
    passed = models.BooleanField(_("passed"))
    comment = models.CharField(_("comment"), max_length=500, blank=True)
    evaluated_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+")
    evaluated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("evaluation")
        verbose_name_plural = _("evaluations")
        ordering = ["-year"]
        constraints = [
            models.UniqueConstraint(fields=["year", "member"], condition=Q(member__isnull=False), name="eval_member"),
            models.UniqueConstraint(fields=["year", "unit"], condition=Q(unit__isnull=False), name="eval_unit"),
        ]

    def __str__(self):
        return f"{self.year} {self.member_id or ''}{self.unit_id or ''}"
