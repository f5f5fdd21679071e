from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest
from django.views.decorators.http import require_GET

from podpora.tickets.selectors import attachments_visible_to


@require_GET
@login_required
def attachment_download(request: HttpRequest, pk: int) -> FileResponse:
    """Serve an attachment the user may see, safely: a download by default,
    inline only for real images; never sniffed into something executable."""
    attachment = attachments_visible_to(request.user).filter(pk=pk).first()  # type: ignore[arg-type]
    if attachment is None:
        raise Http404
    inline = attachment.is_image and request.GET.get("inline") == "1"
    try:
        handle = attachment.file.open("rb")
    except FileNotFoundError as missing:
        raise Http404 from missing
    response = FileResponse(
        handle,
        as_attachment=not inline,
        filename=attachment.original_name,
        content_type=attachment.content_type
        if inline
        else _download_type(attachment.content_type),
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cache-Control"] = "private, max-age=3600"
    return response


def _download_type(content_type: str) -> str:
    return content_type if "/" in content_type else "application/octet-stream"
