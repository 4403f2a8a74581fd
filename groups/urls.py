from django.urls import path

from . import views

app_name = "groups"

urlpatterns = [
    path("groups/", views.group_list, name="group_list"),
    path("groups/<slug:slug>/", views.group_detail, name="group_detail"),
    path("groups/<slug:slug>/changes/", views.group_changes, name="group_changes"),
    path("groups/<slug:slug>/as-of/<str:key>/", views.group_revision, name="group_revision"),
    path("groups/<slug:slug>/cite.<str:suffix>", views.group_cite, name="group_cite"),
    path("groups/<slug:slug>/as-of/<str:key>/cite.<str:suffix>", views.group_revision_cite, name="group_revision_cite"),
    path("attacks/", views.attack_list, name="attack_list"),
    path("attacks/<str:key>/", views.attack_detail, name="attack_detail"),
    path("maps/", views.theatre_list, name="theatre_list"),
    path("maps/<slug:slug>/", views.theatre_detail, name="theatre_detail"),
]
