from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def ensure_role_groups(sender, using, **kwargs):
    """The role groups exist after every migrate and flush (the data migration makes them first),
    and the `admin` group holds every model permission, new models included."""
    from django.contrib.auth.models import Group, Permission

    from .permissions import ADMIN, ROLES

    for name in ROLES:
        Group.objects.using(using).get_or_create(name=name)
    Group.objects.using(using).get(name=ADMIN).permissions.set(Permission.objects.using(using).all())


class GovGridConfig(AppConfig):
    name = "govgrid"
    verbose_name = _("GovGrid core")

    def ready(self):
        from django.urls import register_converter

        from .converters import IdConverter

        register_converter(IdConverter, "id")  # before any URLconf is read
        post_migrate.connect(ensure_role_groups, dispatch_uid="govgrid.role_groups")
