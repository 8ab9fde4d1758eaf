"""Project-level views that belong to no app."""

import logging
import mimetypes
import posixpath

from django.core.exceptions import SuspiciousFileOperation
from django.core.files.storage import default_storage
from django.db import DatabaseError, connection
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseNotModified
from django.utils.http import http_date, parse_http_date_safe
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_safe

logger = logging.getLogger(__name__)


ROBOTS_DISALLOW = ["/admin/", "/reports/", "/accounts/", "/donations/"]


@require_GET
def robots_txt(request: HttpRequest) -> HttpResponse:
    """Keep the back office, reports and the giving flow out of search indexes; point to the sitemap."""
    lines = ["User-agent: *", *(f"Disallow: {path}" for path in ROBOTS_DISALLOW)]
    lines.append(f"Sitemap: {request.build_absolute_uri('/sitemap.xml')}")
    return HttpResponse("\n".join(lines) + "\n", content_type="text/plain")


@require_GET
@never_cache
def healthz(request: HttpRequest) -> HttpResponse:
    """200 when the database answers a query, 503 when it does not."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError:
        logger.warning("healthz: the database did not answer", exc_info=True)
        return HttpResponse("database unavailable\n", status=503, content_type="text/plain")
    return HttpResponse("ok\n", content_type="text/plain")


# What uploads may be served as: the logos' stored versions (re-encoded by Pillow: pixels only). Anything else in the
# storage is not served.
MEDIA_TYPES = {"image/png", "image/jpeg", "image/gif", "image/webp"}
MEDIA_MAX_AGE = 3600  # a logo replaced under a name used before shows within the hour; browsers revalidate after


@require_safe
def media(request: HttpRequest, path: str) -> HttpResponse:
    """An upload (a logo) read through Django's storage API, with caching headers: what serves MEDIA_URL in
    production when the storage is files on this machine (whitenoise serves only static files). With S3-compatible
    storage the pages link to the storage's own URLs and this view is not asked."""
    name = posixpath.normpath(path).lstrip("/")
    content_type, encoding = mimetypes.guess_type(name)
    if name != path or name.startswith("..") or content_type not in MEDIA_TYPES or encoding:
        raise Http404("No such file")
    try:
        modified = default_storage.get_modified_time(name)
        file = default_storage.open(name, "rb")
    # NotImplementedError: a storage that keeps no modification times (Django's Storage raises it), served as absent.
    except (FileNotFoundError, SuspiciousFileOperation, NotImplementedError, OSError) as exc:
        raise Http404("No such file") from exc
    last_modified = int(modified.timestamp())
    since = parse_http_date_safe(request.headers.get("If-Modified-Since", ""))
    if since is not None and last_modified <= since:
        file.close()
        return HttpResponseNotModified()
    response = FileResponse(file, content_type=content_type)
    response["Last-Modified"] = http_date(last_modified)
    response["Cache-Control"] = f"public, max-age={MEDIA_MAX_AGE}"
    return response
