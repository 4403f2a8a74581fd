from django.urls import path

from . import views

app_name = "sources"

urlpatterns = [
    path("sources/", views.source_list, name="source_list"),
    path("sources/<str:key>/", views.source_detail, name="source_detail"),
]
