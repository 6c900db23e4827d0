from django.conf import settings
from django.contrib.gis.db import models
from django.core.validators import MaxValueValidator, MinValueValidator
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from .choices import (
    CATEGORY_WORDS,
    OVERDUE_COLOUR,
    POINT_COLOURS,
    PROXY_COLOURS,
    PROXY_OPEN,
    ItemCategory,
    LimitUnit,
    PointKind,
    ProxyStatus,
)
from .hours import hours_display
from .text import fold, split_list


class ServiceItem(models.Model):
    """An item of the service catalogue (事项清单): what a resident can get done, with what, where and
    how long it takes. `search_text` is derived on save from the name, aliases and keywords."""

    code = models.CharField(_("code"), max_length=20, unique=True)
    name = models.CharField(_("name"), max_length=100)
    category = models.CharField(_("category"), max_length=20, choices=ItemCategory.choices)
    department = models.CharField(_("department"), max_length=60)
    aliases = models.CharField(
        _("aliases"), max_length=300, blank=True, help_text=_("What people call it, separated by commas or 、.")
    )
    keywords = models.CharField(_("keywords"), max_length=300, blank=True)
    description = models.TextField(_("description"), blank=True)
    conditions = models.TextField(_("who may apply"), blank=True)
    materials = models.JSONField(_("materials required"), default=list, blank=True)
    limit_days = models.PositiveSmallIntegerField(
        _("time limit (days)"), default=0, help_text=_("0: done on the spot (即办).")
    )
    limit_unit = models.CharField(_("time limit unit"), max_length=14, choices=LimitUnit.choices, default="work_days")
    at_county = models.BooleanField(_("county service hall"), default=True)
    at_township = models.BooleanField(_("township service centre"), default=False)
    at_community = models.BooleanField(_("community / village station"), default=False)
    online = models.BooleanField(_("online"), default=False)
    online_url = models.URLField(_("online link"), blank=True)
    proxy_allowed = models.BooleanField(_("grid worker may handle by proxy (代办)"), default=False)
    fee = models.CharField(_("fee"), max_length=100, default="免费")
    faq = models.JSONField(_("questions and answers"), default=list, blank=True)
    active = models.BooleanField(_("active"), default=True)
    search_text = models.TextField(editable=False, blank=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("service item")
        verbose_name_plural = _("service items")
        ordering = ["category", "code"]

    def __str__(self):
        return f"{self.code} {self.name}"

    def save(self, *args, **kwargs):
        self.search_text = self.build_search_text()
        if kwargs.get("update_fields") is not None:
            kwargs["update_fields"] = list({*kwargs["update_fields"], "search_text"})
        super().save(*args, **kwargs)

    def build_search_text(self) -> str:
        parts = [self.name, self.code, self.aliases, self.keywords, self.department, CATEGORY_WORDS.get(self.category)]
        return "|".join(fold(str(p)) for p in parts if p)

    @property
    def alias_list(self) -> list[str]:
        return split_list(self.aliases)

    @property
    def without_leaving_village(self) -> bool:
        """办理不出村: done at the village or community station, or online."""
        return self.at_community or self.online


class ServicePoint(models.Model):
    """A place residents go for services: 党群服务中心, 便民服务中心, 红色驿站, 社区食堂, a 24-hour
    library, a clinic. `grid` is the deepest grid containing the point (points lie inside the
    deployment); `hours` is parsed from `hours_text` (see services.hours)."""

    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=20, choices=PointKind.choices)
    point = models.PointField(_("location"), srid=4326, spatial_index=True)
    grid = models.ForeignKey(
        "grids.Grid", models.PROTECT, related_name="service_points", verbose_name=_("grid"), editable=False
    )
    address = models.CharField(_("address"), max_length=200, blank=True)
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    hours_text = models.CharField(
        _("opening hours"), max_length=200, help_text=_("For example: Mon-Fri 08:30-12:00,14:30-17:30; Sat 09:00-12:00")
    )
    hours = models.JSONField(_("opening hours (parsed)"), default=dict, editable=False)
    services_text = models.CharField(_("other services offered"), max_length=300, blank=True)
    items = models.ManyToManyField(ServiceItem, blank=True, related_name="points", verbose_name=_("catalogue items"))
    active = models.BooleanField(_("active"), default=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("service point")
        verbose_name_plural = _("service points")
        ordering = ["name"]

    def __str__(self):
        return self.name

    @property
    def colour(self) -> str:
        return POINT_COLOURS.get(self.kind, "#52606d")

    @property
    def hours_display(self) -> str:
        """The opening hours in the active language (see services.hours.hours_display)."""
        return hours_display(self.hours_text, self.hours)


class ProxyRequest(models.Model):
    """A resident's request that a grid worker handle a catalogue item for them (代办).

    Routed to the grid the resident lives in; a worker of that grid accepts it, collects the
    materials, submits them and records the result; the resident follows it with `code` and rates
    it. `status` changes only through `services.services.proxy_transition`."""

    code = models.CharField(_("tracking code"), max_length=12, unique=True)
    item = models.ForeignKey(ServiceItem, models.PROTECT, related_name="proxy_requests", verbose_name=_("item"))
    grid = models.ForeignKey("grids.Grid", models.PROTECT, related_name="proxy_requests", verbose_name=_("grid"))
    point = models.PointField(_("location"), srid=4326, null=True, blank=True)
    address = models.CharField(_("address"), max_length=200, blank=True)
    resident_name = models.CharField(_("resident (masked)"), max_length=40, blank=True)
    phone_masked = models.CharField(_("phone"), max_length=20)
    phone_encrypted = models.TextField(_("phone (encrypted)"), editable=False)
    note = models.TextField(_("note"), blank=True)
    status = models.CharField(_("status"), max_length=10, choices=ProxyStatus.choices, default="requested")
    worker = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="proxy_tasks",
        verbose_name=_("grid worker"),
    )
    filed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("filed by")
    )
    materials_collected = models.JSONField(_("materials collected"), default=list, blank=True)
    submitted_to = models.CharField(_("submitted to"), max_length=100, blank=True)
    result = models.TextField(pgettext_lazy("proxy request", "result"), blank=True)
    due_at = models.DateTimeField(pgettext_lazy("proxy request", "deadline"))
    remind_at = models.DateTimeField(_("reminder at"), null=True, blank=True)
    overdue = models.BooleanField(_("overdue"), default=False)
    satisfaction = models.PositiveSmallIntegerField(
        _("satisfaction (1–5)"), null=True, blank=True, validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    rating_comment = models.CharField(_("rating comment"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("requested at"), db_index=True)
    accepted_at = models.DateTimeField(pgettext_lazy("proxy request", "accepted at"), null=True, blank=True)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("proxy request")
        verbose_name_plural = _("proxy requests")
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["status", "due_at"], name="proxy_status_due_idx"),
            models.Index(fields=["status", "remind_at"], name="proxy_status_remind_idx"),
            models.Index(fields=["grid", "status"], name="proxy_grid_status_idx"),
        ]

    def __str__(self):
        return f"{self.code} {self.item.name if self.item_id else ''}"

    @property
    def is_open(self) -> bool:
        return self.status in PROXY_OPEN

    @property
    def colour(self) -> str:
        return OVERDUE_COLOUR if self.overdue and self.is_open else PROXY_COLOURS[self.status]

    @property
    def on_time(self) -> bool | None:
        if self.finished_at is None:
            return None
        return self.finished_at <= self.due_at


class ProxyLog(models.Model):
    """Append-only record of every step of a proxy request (who, when, what)."""

    request = models.ForeignKey(ProxyRequest, models.CASCADE, related_name="log")
    action = models.CharField(_("action"), max_length=20)
    from_status = models.CharField(_("from"), max_length=10, blank=True)
    to_status = models.CharField(pgettext_lazy("status", "to"), max_length=10, blank=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+")
    actor_label = models.CharField(_("by"), max_length=100, blank=True)
    note = models.TextField(_("note"), blank=True)
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(_("at"), auto_now_add=True)

    class Meta:
        verbose_name = _("proxy log entry")
        verbose_name_plural = _("proxy log entries")
        ordering = ["request", "created_at", "pk"]


class ProxyDeadlineMark(models.Model):
    """One reminder or overdue mark for one deadline of a proxy request; the unique constraint makes
    the scan exactly-once however often or concurrently it runs."""

    REMINDER, OVERDUE = "reminder", "overdue"
    request = models.ForeignKey(ProxyRequest, models.CASCADE, related_name="deadline_marks")
    kind = models.CharField(max_length=10, choices=[(REMINDER, _("Reminder")), (OVERDUE, _("Overdue"))])
    deadline = models.DateTimeField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("proxy deadline mark")
        verbose_name_plural = _("proxy deadline marks")
        constraints = [models.UniqueConstraint(fields=["request", "kind", "deadline"], name="proxy_deadline_once")]
