"""The releases: /releases/, each release's page and files, and /releases/latest/ for the newest."""

from django.urls import path

from . import views

app_name = "releases"

urlpatterns = [
    path("releases/", views.release_list, name="release_list"),
    path("releases/latest/", views.latest_release, name="latest_release"),
    path("releases/latest/<path:name>", views.latest_release, name="latest_release_file"),
    path("releases/<str:version>/", views.release_detail, name="release_detail"),
    path("releases/<str:version>/<path:name>", views.release_file, name="release_file"),
]
