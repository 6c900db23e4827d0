from django.urls import path

from . import api, views

app_name = "services"

urlpatterns = [
    path("", views.catalogue, name="catalogue"),
    path("items/<str:code>/", views.item_detail, name="item"),
    path("nearby/", views.nearby, name="nearby"),
    path("proxy/", views.proxy_new, name="proxy_new"),
    path("proxy/track/", views.proxy_lookup, name="proxy_lookup"),
    path("proxy/<str:code>/", views.proxy_track, name="proxy_track"),
    path("manage/", views.manage, name="manage"),
    path("manage/import/", views.catalogue_import_view, name="import"),
]

api_urlpatterns = [
    path("services/items/", api.ItemListView.as_view(), name="api-service-items"),
    path("services/items/<str:code>/", api.ItemDetailView.as_view(), name="api-service-item"),
    path("services/coverage/", api.CoverageView.as_view(), name="api-service-coverage"),
    path("services/points/", api.PointListView.as_view(), name="api-service-points"),
    path("services/points.geojson", api.PointGeoJSONView.as_view(), name="api-service-points-geojson"),
    path("services/proxy/", api.ProxyCreateView.as_view(), name="api-proxy-create"),
    path("services/proxy/<str:code>/", api.ProxyTrackView.as_view(), name="api-proxy-track"),
    path("services/proxy/<str:code>/rate/", api.ProxyRateView.as_view(), name="api-proxy-rate"),
    path("services/proxy-requests/", api.ProxyListView.as_view(), name="api-proxy-requests"),
    path("services/proxy-requests/<str:code>/actions/", api.ProxyActionView.as_view(), name="api-proxy-action"),
    path("services/stats/", api.ProxyStatsView.as_view(), name="api-proxy-stats"),
]
