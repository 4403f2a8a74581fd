"""The site's front door, outside the `groups` namespace: the home page and the search across groups, attacks and
sources (`{% url 'home' %}`, `{% url 'search' %}`)."""

from django.urls import path

from . import views

urlpatterns = [
    path("", views.home, name="home"),
    path("search/", views.search, name="search"),
]
