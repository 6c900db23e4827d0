"""URLs of Open311 GeoReport v2, mounted at /open311/v2/ by govgrid/urls.py."""

from django.urls import re_path

from . import open311

FMT = r"\.(?P<fmt>json|xml)$"

urlpatterns = [
    re_path(r"^discovery" + FMT, open311.discovery, name="discovery"),
    re_path(r"^services" + FMT, open311.services, name="services"),
    re_path(r"^services/(?P<code>[^/]{1,40})" + FMT, open311.service_definition, name="service"),
    re_path(r"^requests" + FMT, open311.requests_, name="requests"),
    re_path(r"^requests/(?P<number>[^/]{1,40})" + FMT, open311.request_detail, name="request"),
    re_path(r"^tokens/(?P<token>[^/]{1,40})" + FMT, open311.token, name="token"),
    # Anything else under /open311/v2/ is a 404 in the spec's error format.
    re_path(r"^(?P<path>.*)$", open311.not_found),
]
