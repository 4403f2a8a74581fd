from django.contrib import admin
from django.urls import include, path

from kb import views

admin.site.site_header = "Militant groups knowledge base — editors"
admin.site.site_title = "KB editors"
admin.site.index_title = "Curation"
admin.site.site_url = "/"

urlpatterns = [
    path("", include("groups.site_urls")),
    path("", include("groups.urls")),
    path("", include("sources.urls")),
    path("", include("interop.urls")),
    path("api/v1/", include("kb.api.urls")),
    path("taxii2/", include("interop.taxii.urls")),
    path("healthz", views.healthz, name="healthz"),
    path("admin/", admin.site.urls),
]

handler404 = "kb.views.page_not_found"
handler500 = "kb.views.server_error"
