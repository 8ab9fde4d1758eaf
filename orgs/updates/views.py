"""The public side of updates: a published update's photo (the photos are not under MEDIA_ROOT)."""

from django.http import FileResponse, Http404, HttpRequest
from django.views.decorators.http import require_GET

from orgs.updates.models import Update, UpdatePhoto


@require_GET
def update_photo(request: HttpRequest, pk: int) -> FileResponse:
    """A photo of a published update; staff who review or view updates may see any. Anything else is a 404."""
    photo = UpdatePhoto.objects.select_related("update").filter(pk=pk).first()
    published = photo is not None and Update.objects.published().filter(pk=photo.update_id).exists()
    reviewer = request.user.is_staff and (
        request.user.has_perm("orgs.approve_update") or request.user.has_perm("orgs.view_update")
    )
    if photo is None or not (published or reviewer):
        raise Http404
    response = FileResponse(
        photo.image.open("rb"), content_type="image/jpeg" if photo.image.name.endswith(".jpg") else "image/png"
    )
    response["Cache-Control"] = "public, max-age=600" if published else "private, no-store"
    return response
