from kb.api.routers import ApiRouter

from . import views

router = ApiRouter()
router.register("sources", views.SourceViewSet, basename="source")
router.register("citations", views.CitationViewSet, basename="citation")

urlpatterns = router.urls
