from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerSplitView

from dispatch.urls import api_urlpatterns as dispatch_api
from events import public_views
from events.urls import api_urlpatterns as events_api
from grids.urls import api_urlpatterns as grids_api
from party.urls import api_urlpatterns as party_api
from services.urls import api_urlpatterns as services_api

from . import views

admin.site.site_header = "GovGrid"
admin.site.site_title = "GovGrid"

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    # Pages without a <link rel="icon"> (admin, API docs) ask browsers for /favicon.ico.
    path("favicon.ico", views.favicon),
    path("inbox/", views.inbox, name="inbox"),
    path("accounts/login/", views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("grids/", include("grids.urls")),
    path("cases/", include("events.urls")),
    path("dashboard/", include("dispatch.urls")),
    path("services/", include("services.urls")),
    path("m/proxy/", include("services.mobile")),
    path("m/", include("events.mobile")),
    path("party/m/", include("party.mobile")),
    path("party/", include("party.urls")),
    path("wishes/", include("party.public_views")),
    path("", include((public_views.urlpatterns, "public"))),
    path("api/v1/", include(grids_api + events_api + dispatch_api + party_api + services_api)),
    path("open311/v2/", include(("events.open311_urls", "open311"))),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
    path("api/redoc/", SpectacularRedocView.as_view(url_name="api-schema"), name="api-redoc"),
]

handler403 = "govgrid.views.error_403"
handler404 = "govgrid.views.error_404"
handler500 = "govgrid.views.error_500"
