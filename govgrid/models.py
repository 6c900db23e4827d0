from django.db import models
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
