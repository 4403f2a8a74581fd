"""Each app's API is one router: its viewsets and its other endpoints, routed together and listed at the API root."""

from __future__ import annotations

from dataclasses import dataclass

from django.urls import path
from rest_framework.routers import SimpleRouter
from rest_framework.views import APIView


@dataclass(frozen=True)
class RootLink:
    name: str  # the key in the API root's answer
    url_name: str  # inside the `api` namespace


class ApiRouter(SimpleRouter):
    """DRF's router (`register` a viewset under its prefix) that also routes an app's endpoints that are not
    viewsets (`register_view`): a feed, an export. The API root lists both, from here, in the order registered."""

    def __init__(self):
        super().__init__()
        self.views: list[tuple[str, type[APIView], RootLink]] = []

    def register_view(self, route: str, view: type[APIView], *, url_name: str, root_name: str) -> None:
        self.views.append((route, view, RootLink(root_name, url_name)))

    def get_urls(self):
        views = [path(route, view.as_view(), name=link.url_name) for route, view, link in self.views]
        return [*super().get_urls(), *self.csv_urls(), *views]

    def csv_urls(self):
        """`<prefix>.csv` for each list with a CSV export: the list's filters, the whole filtered list as CSV. Its own
        operation in the schema, answering text/csv only, so that a generated client reads it as text."""
        return [
            path(f"{prefix}.csv", viewset.as_view({"get": "list"}), {"format": "csv"}, name=f"{basename}-csv")
            for prefix, viewset, basename in self.registry
            if getattr(viewset, "csv_export", None)
        ]

    def list_links(self) -> list[RootLink]:
        """The list route of every registered viewset, named by its prefix."""
        return [RootLink(prefix, self.routes[0].name.format(basename=basename)) for prefix, _viewset, basename in self.registry]

    def prebuilt_list_names(self) -> list[str]:
        """The URL names of the list routes whose first page is prebuilt (`ReadOnlyViewSet.prebuilt_list`)."""
        return [
            self.routes[0].name.format(basename=basename)
            for _prefix, viewset, basename in self.registry
            if getattr(viewset, "prebuilt_list", False)
        ]

    def view_links(self) -> list[RootLink]:
        return [link for _route, _view, link in self.views]
