from django.urls import path

from . import api, views

app_name = "dispatch"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("stats/", views.statistics, name="stats"),
    path("stats/export.xlsx", views.statistics_export, name="stats_export"),
    path("bulletins/", views.bulletin_list, name="bulletins"),
    path("bulletins/<id:pk>/", views.bulletin_detail, name="bulletin"),
    path("bulletins/<id:pk>/xlsx/", views.bulletin_xlsx, name="bulletin_xlsx"),
    path("whistles/case/<str:number>/", views.case_whistles, name="case_whistles"),
    path("whistles/case/<str:number>/blow/", views.whistle_blow, name="whistle_blow"),
    path("whistles/responses/<id:pk>/report/", views.whistle_answer, {"step": "report"}, name="whistle_report"),
    path("whistles/responses/<id:pk>/rate/", views.whistle_answer, {"step": "rate"}, name="whistle_rate"),
]

api_urlpatterns = [
    path("dashboard/", api.DashboardView.as_view(), name="api-dashboard"),
    path("stats/", api.StatsView.as_view(), name="api-stats"),
    path("workers/nearby/", api.WorkersNearbyView.as_view(), name="api-workers-nearby"),
    path("me/position/", api.MyPositionView.as_view(), name="api-my-position"),
    path("alerts/", api.AlertListView.as_view(), name="api-alerts"),
    path("alerts/<id:pk>/acknowledge/", api.AlertAcknowledgeView.as_view(), name="api-alert-acknowledge"),
    path("bulletins/", api.BulletinListView.as_view(), name="api-bulletins"),
    path("events/<str:number>/whistles/", api.CaseWhistlesView.as_view(), name="api-case-whistles"),
    path("whistle-responses/<id:pk>/report/", api.WhistleReportView.as_view(), name="api-whistle-report"),
    path("whistle-responses/<id:pk>/rate/", api.WhistleRateView.as_view(), name="api-whistle-rate"),
]
