from kb.api.routers import ApiRouter

from . import deletions, views

router = ApiRouter()
router.register("groups", views.GroupViewSet, basename="group")
router.register("aliases", views.AliasViewSet, basename="alias")
router.register("affiliations", views.AffiliationViewSet, basename="affiliation")
router.register("attacks", views.AttackViewSet, basename="attack")
router.register("roles", views.RoleViewSet, basename="role")
router.register("size-estimates", views.SizeEstimateViewSet, basename="size-estimate")
router.register("sections", views.GroupSectionViewSet, basename="section")
router.register("theatres", views.TheatreViewSet, basename="theatre")
router.register_view("deletions/", deletions.DeletionsView, url_name="deletions", root_name="deletions")

urlpatterns = router.urls
