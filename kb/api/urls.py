"""/api/v1/: the read-only API, its schema and its documentation."""

from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from kb.views import api_not_found

from . import views
from .routers import RootLink

app_name = "api"

# Each app's API by dotted path (kb imports no app); its module's `router` routes its endpoints, and the root lists them.
APP_APIS = [include("groups.api.urls"), include("sources.api.urls"), include("interop.api.urls")]
ROUTERS = [urlconf.router for urlconf, _app_name, _namespace in APP_APIS]

urlpatterns = [
    path(
        "",
        views.ApiRootView.as_view(
            routers=ROUTERS,
            own_links=[RootLink("schema", "schema"), RootLink("docs", "docs")],
        ),
        name="root",
    ),
    *(path("", app_api) for app_api in APP_APIS),
    path("schema/", SpectacularAPIView.as_view(api_version="v1"), name="schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="api:schema"), name="docs"),
    # Last: any other path ending in a slash is a JSON 404 in every setting. Without the slash it stays unmatched, so
    # APPEND_SLASH still redirects /api/v1/groups to /api/v1/groups/.
    re_path(r"^.*/$", api_not_found, name="not-found"),
]
