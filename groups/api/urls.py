from django.urls import path
from rest_framework.routers import SimpleRouter

from . import deletions, views

router = SimpleRouter()
router.register("groups", views.GroupViewSet, basename="group")
router.register("aliases", views.AliasViewSet, basename="alias")
router.register("affiliations", views.AffiliationViewSet, basename="affiliation")
router.register("attacks", views.AttackViewSet, basename="attack")

urlpatterns = [
    *router.urls,
    path("deletions/", deletions.DeletionsView.as_view(), name="deletions"),
    path("export/stix/", views.StixExportView.as_view(), name="stix-export"),
]
