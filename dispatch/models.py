from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from .choices import DepartmentLevel, SupervisionStatus


class Department(models.Model):
    """A functional department or stationed unit (职能部门/派驻机构) that handles cases.

    `type` matches the category catalogue's owning department type (环境卫生, 公安交警, …); `area`
    is the grid it serves, so routing finds the department of a type whose area covers a case.
    """

    name = models.CharField(_("name"), max_length=100)
    type = models.CharField(_("type"), max_length=40, db_index=True)
    level = models.PositiveSmallIntegerField(_("level"), choices=DepartmentLevel.choices)
    area = models.ForeignKey("grids.Grid", models.PROTECT, related_name="departments", verbose_name=_("area"))
    phone = models.CharField(_("duty phone"), max_length=20, blank=True)
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL, through="DepartmentMember", related_name="departments", verbose_name=_("members")
    )
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("department")
        verbose_name_plural = _("departments")
        ordering = ["level", "name"]
        constraints = [models.UniqueConstraint(fields=["type", "area"], name="department_one_type_per_area")]

    def __str__(self):
        return self.name


class DepartmentMember(models.Model):
    """A clerk of a department; the head receives supervision orders (督办单)."""

    department = models.ForeignKey(Department, models.CASCADE, related_name="memberships")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, models.CASCADE, related_name="department_memberships")
    is_head = models.BooleanField(_("head"), default=False)

    class Meta:
        verbose_name = _("department member")
        verbose_name_plural = _("department members")
        constraints = [models.UniqueConstraint(fields=["department", "user"], name="department_member_once")]

    def __str__(self):
        return f"{self.user} @ {self.department}"


class SupervisionOrder(models.Model):
    """督办单: issued when a case passes its deadline, to the head of the responsible department
    (or the grid's chief). One per case and deadline (the unique constraint makes a repeated
    deadline scan harmless)."""

    event = models.ForeignKey("events.Event", models.CASCADE, related_name="supervision_orders")
    deadline = models.DateTimeField(_("missed deadline"))
    department = models.ForeignKey(Department, models.SET_NULL, null=True, blank=True, verbose_name=_("department"))
    addressee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=pgettext_lazy("supervision order", "to"),
    )
    reason = models.CharField(_("reason"), max_length=200)
    status = models.CharField(_("status"), max_length=10, choices=SupervisionStatus.choices, default="open")
    answer = models.TextField(_("answer"), blank=True)
    created_at = models.DateTimeField(_("issued"), auto_now_add=True)

    class Meta:
        verbose_name = _("supervision order")
        verbose_name_plural = _("supervision orders")
        ordering = ["-created_at"]
        constraints = [models.UniqueConstraint(fields=["event", "deadline"], name="supervision_once_per_deadline")]

    def __str__(self):
        return f"督办 {self.event_id} {self.deadline:%Y-%m-%d %H:%M}"


class Alert(models.Model):
    """预警: an unusual rise of one kind of case in one community (or another alarm), raised by a
    scan, pushed to dashboards and acknowledged by staff. One per (kind, grid, category, window)."""

    SPIKE = "spike"
    KINDS = [(SPIKE, _("Spike of cases"))]

    kind = models.CharField(_("kind"), max_length=20, choices=KINDS, default=SPIKE)
    grid = models.ForeignKey("grids.Grid", models.CASCADE, related_name="alerts", verbose_name=_("grid"))
    category = models.ForeignKey(
        "events.Category", models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("category")
    )
    window_start = models.DateTimeField(_("window start"))
    window_end = models.DateTimeField(_("window end"))
    observed = models.PositiveIntegerField(_("cases in the window"))
    expected = models.FloatField(_("expected (28-day baseline)"))
    message = models.CharField(_("message"), max_length=300)
    created_at = models.DateTimeField(_("raised"), auto_now_add=True)
    acknowledged_at = models.DateTimeField(_("acknowledged"), null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("by")
    )

    class Meta:
        verbose_name = _("alert")
        verbose_name_plural = _("alerts")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["kind", "grid", "category", "window_start"], name="alert_once_per_window")
        ]

    def __str__(self):
        return self.message


def bulletin_path(bulletin, filename):
    return f"bulletins/{bulletin.day:%Y/%m}/{filename}"


class Bulletin(models.Model):
    """每日通报: yesterday's summary of one area (a county or township), kept as HTML and xlsx."""

    grid = models.ForeignKey("grids.Grid", models.CASCADE, related_name="bulletins", verbose_name=_("area"))
    day = models.DateField(_("day"))
    data = models.JSONField(_("figures"), default=dict)
    html = models.TextField(_("HTML"))
    xlsx = models.FileField(_("spreadsheet"), upload_to=bulletin_path)
    created_at = models.DateTimeField(_("built"), auto_now_add=True)

    class Meta:
        verbose_name = _("daily bulletin")
        verbose_name_plural = _("daily bulletins")
        ordering = ["-day", "grid__code"]
        constraints = [models.UniqueConstraint(fields=["grid", "day"], name="bulletin_once_per_day")]

    def __str__(self):
        return f"{self.day:%Y-%m-%d} {self.grid.name}"


class Whistle(models.Model):
    """吹哨: a command center summons departments to a case; each must report (报到) within the
    time limit, act, and is rated by the whistler. Response times and ratings rank departments."""

    event = models.ForeignKey("events.Event", models.CASCADE, related_name="whistles", verbose_name=_("case"))
    whistler = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, related_name="+", verbose_name=_("whistled by")
    )
    reason = models.CharField(_("reason"), max_length=300)
    respond_by = models.DateTimeField(_("report by"))
    created_at = models.DateTimeField(_("whistled at"), auto_now_add=True)

    class Meta:
        verbose_name = _("whistle")
        verbose_name_plural = _("whistles")
        ordering = ["-created_at"]

    def __str__(self):
        return f"吹哨 {self.event_id} {self.created_at:%Y-%m-%d %H:%M}"


class WhistleResponse(models.Model):
    """One summoned department's answer to a whistle: when it reported, and how it was rated."""

    whistle = models.ForeignKey(Whistle, models.CASCADE, related_name="responses")
    department = models.ForeignKey(Department, models.CASCADE, related_name="whistle_responses")
    reported_at = models.DateTimeField(_("reported in (报到) at"), null=True, blank=True)
    reported_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+")
    note = models.CharField(_("note"), max_length=500, blank=True)
    late = models.BooleanField(_("late"), default=False)
    rating = models.PositiveSmallIntegerField(_("rating (1–5)"), null=True, blank=True)

    class Meta:
        verbose_name = _("whistle response")
        verbose_name_plural = _("whistle responses")
        constraints = [models.UniqueConstraint(fields=["whistle", "department"], name="whistle_department_once")]

    def __str__(self):
        return f"{self.department} · {self.whistle}"
