from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

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
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("to")
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
