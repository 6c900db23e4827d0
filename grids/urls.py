from django.urls import path
from rest_framework.routers import SimpleRouter

from . import api, views

app_name = "grids"

urlpatterns = [
    path("", views.grid_tree, name="tree"),
    path("map/", views.grid_map, name="map"),
    path("<str:code>/", views.grid_detail, name="detail"),
    path("<str:code>/children/", views.grid_children, name="children"),
    path("<str:code>/card/", views.grid_card, name="card"),
    path("<str:code>/roster/", views.roster_import, name="roster_import"),
]

router = SimpleRouter()
router.register("grids", api.GridViewSet, basename="grid")
api_urlpatterns = [
    path("grids/locate/", api.GridLocateView.as_view(), name="grid-locate"),
    path("grids/boundaries/", api.GridBoundariesView.as_view(), name="grid-boundaries"),
    *router.urls,
]
