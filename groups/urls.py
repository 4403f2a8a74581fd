from django.urls import path

from . import views

app_name = "groups"

urlpatterns = [
    path("groups/", views.group_list, name="group_list"),
    path("groups/<slug:slug>/", views.group_detail, name="group_detail"),
    path("attacks/", views.attack_list, name="attack_list"),
    path("attacks/<str:key>/", views.attack_detail, name="attack_detail"),
]
