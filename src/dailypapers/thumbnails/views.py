from django.http import FileResponse, Http404
from django.views.decorators.http import require_GET

from . import files

# A drawn thumbnail never changes under its name (a new paper version gets a new name).
CACHE_FOREVER = "public, max-age=31536000, immutable"


@require_GET
def thumbnail(request, name: str):
    """One thumbnail file. In production nginx serves media/ itself (docs/deploy.md)."""
    if not files.NAME.fullmatch(name):
        raise Http404("no such thumbnail")
    try:
        image = open(files.folder() / name, "rb")  # noqa: SIM115 (FileResponse closes it)
    except FileNotFoundError:
        raise Http404("no such thumbnail") from None
    response = FileResponse(image, content_type="image/webp")
    response["Cache-Control"] = CACHE_FOREVER
    return response
