from django.urls import path

from . import api, views

app_name = "events"

# Staff pages under /cases/; public pages (/report/, /track/<code>/) come from public_views.
urlpatterns = [
    path("", views.case_list, name="list"),
    path("intake/", views.intake_queue, name="intake"),
    path("new/", views.case_new, name="new"),
    path("export.xlsx", views.case_export, name="export"),
    path("<str:number>/", views.case_detail, name="detail"),
    path("<str:number>/act/", views.case_act, name="act"),
    path("<str:number>/photos/<id:photo_id>/", views.case_photo, name="photo"),
]

api_urlpatterns = [
    path("reports/", api.PublicReportView.as_view(), name="api-report"),
    path("reports/<str:code>/", api.PublicTrackView.as_view(), name="api-track"),
    path("events/", api.EventListView.as_view(), name="api-events"),
    path("events/<str:number>/", api.EventDetailView.as_view(), name="api-event"),
    path("events/<str:number>/actions/", api.EventActionView.as_view(), name="api-event-action"),
    path("categories/", api.CategoryListView.as_view(), name="api-categories"),
]
