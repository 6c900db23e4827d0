from django.conf import settings
from django.contrib.gis.db import models
from django.utils import timezone
from django.utils.translation import get_language, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from .choices import (
    OPEN_STATUSES,
    CategoryKind,
    Level,
    LimitUnit,
    PhotoStage,
    Source,
    Status,
    status_colour,
)


def category_name(name: str, name_en: str = "") -> str:
    """A category's name in the active language (the Chinese names are the catalogue's own)."""
    return name_en if name_en and (get_language() or "").startswith("en") else name


class Category(models.Model):
    """A kind of problem (2-digit major class, 4-digit minor class), with its time limit and owner.

    Seeded from the 数字城管/综治 style catalogue; administrators edit it in admin.
    """

    code = models.CharField(_("code"), max_length=8, unique=True)
    parent = models.ForeignKey(
        "self", models.PROTECT, null=True, blank=True, related_name="children", verbose_name=_("major class")
    )
    name = models.CharField(_("name"), max_length=60)
    name_en = models.CharField(_("English name"), max_length=80, blank=True)
    kind = models.CharField(_("kind"), max_length=12, choices=CategoryKind.choices, default=CategoryKind.EVENT)
    level = models.PositiveSmallIntegerField(_("default level"), choices=Level.choices, null=True, blank=True)
    limit_hours = models.PositiveIntegerField(_("time limit (hours)"), null=True, blank=True)
    limit_unit = models.CharField(_("time limit unit"), max_length=20, choices=LimitUnit.choices, blank=True)
    department_type = models.CharField(_("owning department type"), max_length=40, blank=True)
    grid_can_resolve = models.BooleanField(
        _("grid may resolve on the spot"),
        default=False,
        help_text=_("小事不出格: a grid worker may report and resolve it at once."),
    )
    colour = models.CharField(_("colour"), max_length=7, default="#1565c0")

    @property
    def label(self) -> str:
        return category_name(self.name, self.name_en)

    icon = models.CharField(_("icon"), max_length=40, blank=True)
    active = models.BooleanField(_("active"), default=True)
    # Extra questions a reporter answers for this category (Open311 service definition): a list of
    # {"code", "datatype", "required", "order", "description", "description_en", "values": [{"key",
    # "name", "name_en"}]}; checked by `events.attributes.attribute_definitions_clean`.
    attributes = models.JSONField(_("extra questions"), default=list, blank=True)

    class Meta:
        verbose_name = _("category")
        verbose_name_plural = _("categories")
        ordering = ["code"]

    def __str__(self):
        return f"{self.code} {self.name}"

    def clean(self):
        from django.core.exceptions import ValidationError

        from .attributes import attribute_definitions_clean

        try:
            self.attributes = attribute_definitions_clean(self.attributes)
        except ValueError as exc:
            raise ValidationError({"attributes": str(exc)}) from None


class Holiday(models.Model):
    """A day that differs from the Monday–Friday week: a statutory holiday (is_workday False) or
    a 调休 weekend workday (is_workday True). Seeded from chinesecalendar for the years it knows;
    administrators add each next year when the State Council publishes it."""

    date = models.DateField(_("date"), unique=True)
    is_workday = models.BooleanField(_("working day"))
    name = models.CharField(_("name"), max_length=40, blank=True)

    class Meta:
        verbose_name = _("holiday or working weekend")
        verbose_name_plural = _("holidays and working weekends")
        ordering = ["date"]

    def __str__(self):
        return f"{self.date} {'workday' if self.is_workday else 'holiday'} {self.name}"


class Event(models.Model):
    """A case (事件/案卷): one problem reported through any channel, routed to its grid and followed
    through the closed loop. `status` changes only through `events.services.event_transition`."""

    number = models.CharField(_("number"), max_length=16, unique=True)
    tracking_code = models.CharField(_("tracking code"), max_length=12, unique=True)
    source = models.CharField(_("source"), max_length=12, choices=Source.choices)
    category = models.ForeignKey(Category, models.PROTECT, related_name="events", verbose_name=_("category"))
    level = models.PositiveSmallIntegerField(
        pgettext_lazy("case", "level"), choices=Level.choices, default=Level.ORDINARY
    )
    description = models.TextField(_("description"))
    point = models.PointField(_("location"), srid=4326)
    address = models.CharField(_("address"), max_length=200, blank=True)
    grid = models.ForeignKey("grids.Grid", models.PROTECT, related_name="events", verbose_name=_("grid"))
    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="reported_events",
        verbose_name=_("reported by"),
    )
    reporter_name = models.CharField(_("reporter name (masked)"), max_length=40, blank=True)
    reporter_phone_masked = models.CharField(_("reporter phone"), max_length=20, blank=True)
    reporter_phone_encrypted = models.TextField(_("reporter phone (encrypted)"), blank=True, editable=False)
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.REPORTED)
    assignee_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="assigned_events",
        verbose_name=_("assigned worker"),
    )
    assignee_department = models.ForeignKey(
        "dispatch.Department",
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="events",
        verbose_name=_("assigned department"),
    )
    suggested_department = models.ForeignKey(
        "dispatch.Department",
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("suggested department"),
    )
    due_at = models.DateTimeField(_("deadline"), null=True, blank=True)
    # Derived with due_at by the workflow: when the deadline scan reminds the assignee.
    remind_at = models.DateTimeField(_("reminder at"), null=True, blank=True)
    overdue = models.BooleanField(_("overdue"), default=False)
    escalation_level = models.PositiveSmallIntegerField(_("escalation level"), default=0)
    rework_count = models.PositiveSmallIntegerField(_("reworks"), default=0)
    extension_count = models.PositiveSmallIntegerField(_("extensions"), default=0)
    extension_requested_hours = models.PositiveIntegerField(_("extension asked (hours)"), null=True, blank=True)
    self_resolved = models.BooleanField(_("resolved on the spot"), default=False)
    result = models.TextField(_("result"), blank=True)
    satisfaction = models.PositiveSmallIntegerField(_("satisfaction (1–5)"), null=True, blank=True)
    rating_comment = models.CharField(_("rating comment"), max_length=500, blank=True)
    merged_into = models.ForeignKey(
        "self", models.SET_NULL, null=True, blank=True, related_name="merged_events", verbose_name=_("merged into")
    )
    possible_duplicate_of = models.ForeignKey(
        "self", models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("possible duplicate of")
    )
    # Answers to the category's extra questions ({code: value or [values]}) and a link to media
    # the reporting system holds (Open311 `media_url`); GovGrid never fetches it.
    attributes = models.JSONField(_("extra answers"), default=dict, blank=True)
    media_url = models.URLField(_("media link"), max_length=500, blank=True)
    idempotency_key = models.CharField(max_length=80, unique=True, null=True, blank=True, editable=False)
    callback_required = models.BooleanField(_("callback required"), default=False)
    log_head = models.CharField(max_length=64, blank=True, editable=False)
    created_at = models.DateTimeField(_("reported at"), db_index=True)
    accepted_at = models.DateTimeField(_("accepted at"), null=True, blank=True)
    dispatched_at = models.DateTimeField(_("dispatched at"), null=True, blank=True)
    claimed_at = models.DateTimeField(_("claimed at"), null=True, blank=True)
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("event")
        verbose_name_plural = _("events")
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["status", "due_at"], name="event_status_due_idx"),
            models.Index(fields=["status", "remind_at"], name="event_status_remind_idx"),
            models.Index(fields=["grid", "status"], name="event_grid_status_idx"),
            # Dashboard figures (bench/kpi.py): today's activity, and closings per day.
            models.Index(fields=["updated_at"], name="event_updated_idx"),
            models.Index(fields=["closed_at"], condition=models.Q(status="closed"), name="event_closed_idx"),
        ]

    def __str__(self):
        return f"{self.number} {self.category.name if self.category_id else ''}"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def colour(self) -> str:
        return status_colour(self.status, self.overdue)


def photo_path(photo, filename):
    return f"events/{photo.event.created_at:%Y/%m}/{photo.event.number}/{photo.stage}-{filename}"


class EventPhoto(models.Model):
    """A photo of a case at one stage; public uploads are re-encoded (no EXIF, no GPS)."""

    event = models.ForeignKey(Event, models.CASCADE, related_name="photos")
    stage = models.CharField(_("stage"), max_length=8, choices=PhotoStage.choices)
    image = models.ImageField(_("image"), upload_to=photo_path)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("photo")
        verbose_name_plural = _("photos")
        ordering = ["created_at"]


class EventLog(models.Model):
    """Append-only record of every step of a case (全流程留痕), hash-chained per case.

    Each row stores the hash of its content and of the previous row; the case stores the newest
    hash (`Event.log_head`), so editing, deleting or inserting any row breaks the chain and
    `manage.py verify_event_log` finds it.
    """

    event = models.ForeignKey(Event, models.PROTECT, related_name="log")
    seq = models.PositiveIntegerField()
    action = models.CharField(_("action"), max_length=24)
    from_status = models.CharField(_("from"), max_length=12, blank=True)
    to_status = models.CharField(pgettext_lazy("status", "to"), max_length=12, blank=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+")
    actor_ref = models.PositiveIntegerField(null=True, blank=True, editable=False)  # the actor's id, kept
    actor_label = models.CharField(_("by"), max_length=100, blank=True)
    note = models.TextField(_("note"), blank=True)
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(_("at"))
    prev_hash = models.CharField(max_length=64, blank=True)
    hash = models.CharField(max_length=64)

    class Meta:
        verbose_name = _("log entry")
        verbose_name_plural = _("log entries")
        ordering = ["event", "seq"]
        constraints = [models.UniqueConstraint(fields=["event", "seq"], name="eventlog_seq_unique")]

    def __str__(self):
        return f"{self.seq}. {timezone.localtime(self.created_at):%Y-%m-%d %H:%M}"


class DeadlineMark(models.Model):
    """One reminder, overdue mark or escalation for one deadline of a case. The unique constraint
    is what makes the deadline scan exactly-once when it runs twice or in two workers at once."""

    REMINDER, OVERDUE, ESCALATION = "reminder", "overdue", "escalation"
    KINDS = [(REMINDER, _("Reminder")), (OVERDUE, _("Overdue")), (ESCALATION, _("Escalation"))]

    event = models.ForeignKey(Event, models.CASCADE, related_name="deadline_marks")
    kind = models.CharField(max_length=12, choices=KINDS)
    deadline = models.DateTimeField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["event", "kind", "deadline"], name="deadline_mark_once")]


class CallbackRecord(models.Model):
    """回访: staff called a hotline or petition reporter back before the case's final evaluation."""

    event = models.ForeignKey(Event, models.CASCADE, related_name="callbacks")
    staff = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, related_name="+")
    reached = models.BooleanField(_("reached the reporter"))
    satisfaction = models.PositiveSmallIntegerField(_("satisfaction (1–5)"), null=True, blank=True)
    note = models.TextField(_("note"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("callback")
        verbose_name_plural = _("callbacks")


class MediationRecord(models.Model):
    """A mediation of a dispute at one level: grid 初调, community 再调, township 联调."""

    LEVELS = [("grid", _("Grid (初调)")), ("community", _("Community (再调)")), ("township", _("Township (联调)"))]
    event = models.ForeignKey(Event, models.CASCADE, related_name="mediations")
    level = models.CharField(_("level"), max_length=10, choices=LEVELS)
    parties = models.TextField(_("parties"))
    outcome = models.CharField(
        _("outcome"), max_length=10, choices=[("agreed", _("Agreed")), ("failed", _("Not agreed"))]
    )
    agreement = models.TextField(_("agreement"), blank=True)
    mediator = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("mediation")
        verbose_name_plural = _("mediations")


class DailySequence(models.Model):
    """The last case number given out on a day (numbers are YYYYMMDD + 4 digits)."""

    day = models.DateField(primary_key=True)
    last = models.PositiveIntegerField(default=0)
