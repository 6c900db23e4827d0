from django.urls import path

from . import api, views

app_name = "party"

# Organiser pages under /party/; member phone pages under /party/m/ (party.mobile); the public
# wish page under /wishes/ (party.public_views). govgrid/urls.py mounts all three.
urlpatterns = [
    path("", views.index, name="index"),
    path("orgs/", views.org_tree, name="orgs"),
    path("members/", views.member_list, name="members"),
    path("members/import/", views.member_import, name="member_import"),
    path("members/<id:pk>/", views.member_detail, name="member"),
    path("units/", views.unit_list, name="units"),
    path("wishes/", views.wish_list, name="wishes"),
    path("wishes/<str:number>/", views.wish_detail, name="wish"),
    path("wishes/<str:number>/photo/", views.wish_photo, name="wish_photo"),
    path("activities/", views.activity_list, name="activities"),
    path("activities/<id:pk>/", views.activity_detail, name="activity"),
    path("evaluation/", views.evaluation, name="evaluation"),
    path("evaluation/export.xlsx", views.evaluation_export, name="evaluation_export"),
]

api_urlpatterns = [
    path("party/orgs/", api.OrgListView.as_view(), name="api-party-orgs"),
    path("party/members/", api.MemberListView.as_view(), name="api-party-members"),
    path("party/members/import/", api.MemberImportView.as_view(), name="api-party-member-import"),
    path("party/units/", api.UnitListView.as_view(), name="api-party-units"),
    path("party/items/", api.ItemListView.as_view(), name="api-party-items"),
    path("party/projects/", api.ProjectListView.as_view(), name="api-party-projects"),
    path("party/wishes/", api.WishListView.as_view(), name="api-party-wishes"),
    path("party/wishes/<str:number>/", api.WishDetailView.as_view(), name="api-party-wish"),
    path("party/wishes/<str:number>/actions/", api.WishActionView.as_view(), name="api-party-wish-action"),
    path("party/activities/", api.ActivityListView.as_view(), name="api-party-activities"),
    path("party/activities/<id:pk>/signup/", api.ActivitySignupView.as_view(), name="api-party-signup"),
    path("party/records/", api.RecordListView.as_view(), name="api-party-records"),
    path("party/coverage/", api.CoverageView.as_view(), name="api-party-coverage"),
    path("party/evaluations/", api.EvaluationView.as_view(), name="api-party-evaluations"),
]
