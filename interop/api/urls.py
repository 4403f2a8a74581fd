from django.urls import path

from kb.api.routers import ApiRouter

from . import views

router = ApiRouter()
router.register_view("export/stix/", views.StixExportView, url_name="stix-export", root_name="stix")

urlpatterns = [
    *router.urls,
    path("groups/<str:slug>/stix/", views.GroupStixView.as_view(), name="group-stix"),
]
