"""The portal's URLs plus /_bare/: a view that does nothing, through the same middleware (benchmark only)."""

from django.http import HttpRequest, HttpResponse
from django.urls import path

from config.urls import urlpatterns as portal


def bare(request: HttpRequest) -> HttpResponse:
    return HttpResponse("ok")


urlpatterns = [path("_bare/", bare), *portal]
