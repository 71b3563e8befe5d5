"""Browser routes: the single-page app for the designer and the console."""
from django.urls import path, re_path
from django.views.generic import RedirectView

from designer import pages

urlpatterns = [
    path("", RedirectView.as_view(url="/designer/", permanent=False), name="home"),
    re_path(r"^designer/(?P<path>.*)$", pages.spa, name="designer"),
    re_path(r"^console/(?P<path>.*)$", pages.spa, name="console"),
]
