from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Heartbeat(models.Model):
    """Last time a periodic process proved it is alive: beat queues the task, a worker runs it.

    `/healthz` reads it to tell whether scheduled work (deadline scans, bulletins) is running.
    """

    name = models.CharField(_("name"), max_length=50, unique=True)
    at = models.DateTimeField(_("at"))
    hostname = models.CharField(_("host"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("heartbeat")
        verbose_name_plural = _("heartbeats")

    def __str__(self):
        return f"{self.name} @ {self.at:%Y-%m-%d %H:%M:%S}"


class Notification(models.Model):
    """An entry of a user's in-app inbox. `dedupe_key` keeps a retried task from notifying twice."""

    user = models.ForeignKey("auth.User", models.CASCADE, related_name="notifications", verbose_name=_("user"))
    kind = models.CharField(_("kind"), max_length=30)
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("body"), blank=True)
    url = models.CharField(_("link"), max_length=200, blank=True)
    dedupe_key = models.CharField(max_length=120, unique=True, null=True, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    read_at = models.DateTimeField(_("read"), null=True, blank=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["user", "read_at"], name="notification_unread_idx")]

    def __str__(self):
        return self.title


class SmsMessage(models.Model):
    """An SMS sent (or tried) through the configured backend; one per dedupe key."""

    phone = models.CharField(_("phone"), max_length=20)
    body = models.CharField(_("text"), max_length=500)
    dedupe_key = models.CharField(max_length=120, unique=True)
    status = models.CharField(_("status"), max_length=10, default="pending")
    attempts = models.PositiveSmallIntegerField(default=0)
    error = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("SMS")
        verbose_name_plural = _("SMS")

    def __str__(self):
        return f"{self.phone}: {self.body[:30]}"


class ApiKey(models.Model):
    """A key an integration (12345 hotline software, a city app, a sensor feed) uses instead of a
    login: `Authorization: Token <key>` on /api/v1/, `api_key=<key>` on Open311.

    Only a SHA-256 hash of the key is kept (the key is random, 190 bits, so a plain hash cannot be
    brute-forced); administrators see the key once, when they create it. `prefix` finds the row
    without scanning. The key acts as its `owner` on /api/v1/ (their roles and jurisdiction) and
    only within its scopes; Open311 filing needs no owner. Revoking stops it at once.
    """

    SCOPE_OPEN311, SCOPE_READ, SCOPE_WRITE = "open311", "read", "write"
    SCOPES = [
        (SCOPE_OPEN311, _("Open311: file service requests")),
        (SCOPE_READ, _("REST API: read")),
        (SCOPE_WRITE, _("REST API: write")),
    ]

    name = models.CharField(_("name"), max_length=100, help_text=_("Which system uses it, e.g. 12345 hotline."))
    owner = models.ForeignKey(
        "auth.User",
        models.CASCADE,
        null=True,
        blank=True,
        related_name="api_keys",
        verbose_name=_("acts as"),
        help_text=_("The account whose roles and jurisdiction the key has on /api/v1/ (needed for read/write)."),
    )
    contact = models.CharField(_("contact"), max_length=200, blank=True, help_text=_("Who to call about it."))
    prefix = models.CharField(_("prefix"), max_length=12, unique=True, editable=False)
    hashed_key = models.CharField(max_length=64, editable=False)
    scopes = models.JSONField(_("scopes"), default=list)
    rate_limit = models.PositiveIntegerField(_("requests per hour"), default=1000)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    expires_at = models.DateTimeField(_("expires"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("API key")
        verbose_name_plural = _("API keys")
        ordering = ["name"]

    def __str__(self):
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_active(self) -> bool:
        now = timezone.now()
        return self.revoked_at is None and (self.expires_at is None or self.expires_at > now)

    def has_scope(self, scope: str) -> bool:
        return scope in (self.scopes or [])


class AppendOnlyQuerySet(models.QuerySet):
    """Rows that are written once and never changed or removed by the application."""

    def update(self, **kwargs):
        raise TypeError(f"{self.model.__name__} rows are append-only.")

    def delete(self):
        raise TypeError(f"{self.model.__name__} rows are append-only.")


class PersonalDataAccess(models.Model):
    """One reveal of a resident's or party member's whole personal data (a phone number) to a user.

    Written by `govgrid.audit.personal_data_reveal_record` inside the reveal's own transaction, so
    a refused or rolled-back reveal leaves no row. Append-only: the application never updates or
    deletes a row (the admin list is read-only for everyone). `username` keeps who it was when
    the account is gone; `grid_code` is the record's grid, to scope the list by jurisdiction.
    """

    class Kind(models.TextChoices):
        CASE_REPORTER_PHONE = "case_reporter_phone", _("case reporter's phone")
        PARTY_MEMBER_PHONE = "party_member_phone", _("party member's phone")
        WISH_RESIDENT_PHONE = "wish_resident_phone", _("wish resident's phone")
        PROXY_RESIDENT_PHONE = "proxy_resident_phone", _("proxy request resident's phone")

    actor = models.ForeignKey(
        "auth.User", models.SET_NULL, null=True, related_name="+", verbose_name=_("user"), editable=False
    )
    username = models.CharField(_("account"), max_length=150, editable=False)
    at = models.DateTimeField(_("time"), default=timezone.now, db_index=True, editable=False)
    kind = models.CharField(_("kind"), max_length=30, choices=Kind.choices, editable=False)
    label = models.CharField(_("record"), max_length=100, editable=False)
    content_type = models.ForeignKey(
        ContentType, models.SET_NULL, null=True, related_name="+", editable=False, verbose_name=_("record type")
    )
    object_id = models.PositiveBigIntegerField(_("record id"), null=True, editable=False)
    record = GenericForeignKey("content_type", "object_id")
    grid_code = models.CharField(_("grid code"), max_length=18, blank=True, db_index=True, editable=False)

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        verbose_name = _("personal data reveal")
        verbose_name_plural = _("personal data reveals")
        ordering = ["-at", "-pk"]
        default_permissions = ("view",)

    def __str__(self):
        return f"{self.username} · {self.get_kind_display()} · {self.label}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise TypeError("PersonalDataAccess rows are append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise TypeError("PersonalDataAccess rows are append-only.")
