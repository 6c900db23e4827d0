from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def grant_admin_group_permissions(sender, using, **kwargs):
    """Derived data: the `admin` role group holds every model permission, new models included."""
    from django.contrib.auth.models import Group, Permission

    group = Group.objects.using(using).filter(name="admin").first()
    if group is not None:
        group.permissions.set(Permission.objects.using(using).all())


class GovGridConfig(AppConfig):
    name = "govgrid"
    verbose_name = _("GovGrid core")

    def ready(self):
        post_migrate.connect(grant_admin_group_permissions, dispatch_uid="govgrid.admin_permissions")
