"""The portal's URLs and its uploads (MEDIA_ROOT, read when asked), for browser tests that show logos.

The live test server serves static files but not uploads; config.urls serves them only in debug."""

from django.conf import settings
from django.urls import re_path
from django.views.static import serve

from config.urls import urlpatterns as portal


def media(request, path):
    return serve(request, path, document_root=settings.MEDIA_ROOT)


urlpatterns = [re_path(r"^media/(?P<path>.+)$", media), *portal]
