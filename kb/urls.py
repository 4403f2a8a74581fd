from django.contrib import admin
from django.urls import path

from kb import views

admin.site.site_header = "Militant groups knowledge base — editors"
admin.site.site_title = "KB editors"
admin.site.index_title = "Curation"

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("admin/", admin.site.urls),
]
