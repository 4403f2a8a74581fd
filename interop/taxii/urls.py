from django.urls import path, re_path

from . import views

app_name = "taxii"

COLLECTION = "kb/collections/<str:collection_id>/"
OBJECT = f"{COLLECTION}objects/<str:object_id>/"

urlpatterns = [
    path("", views.DiscoveryView.as_view(), name="discovery"),
    path("kb/", views.ApiRootView.as_view(), name="api-root"),
    path("kb/collections/", views.CollectionsView.as_view(), name="collections"),
    path(COLLECTION, views.CollectionView.as_view(), name="collection"),
    path(f"{COLLECTION}manifest/", views.ManifestView.as_view(), name="manifest"),
    path(f"{COLLECTION}objects/", views.ObjectsView.as_view(), name="objects"),
    path(OBJECT, views.ObjectView.as_view(), name="object"),
    path(f"{OBJECT}versions/", views.VersionsView.as_view(), name="versions"),
    re_path(r"", views.UnknownAddressView.as_view(), name="unknown"),
]
