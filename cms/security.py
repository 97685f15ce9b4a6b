"""Response headers and request limits every address of the site shares."""

from django.conf import settings
from django.http import HttpResponse
from django.template import loader


class PermissionsPolicyMiddleware:
    """Send `Permissions-Policy`: the site asks for no camera, microphone, location etc.,
    so no page (nor anything it embeds) can ask the visitor for them.

    Inside the page cache middleware, so stored pages carry it too.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if settings.PERMISSIONS_POLICY:
            response.headers.setdefault("Permissions-Policy", settings.PERMISSIONS_POLICY)
        return response


def body_limit_for(path: str) -> int:
    """The most bytes a request body to this address may have (REQUEST_BODY_LIMITS)."""
    for pattern, limit in settings.REQUEST_BODY_LIMITS:
        if pattern.search(path):
            return limit
    return settings.REQUEST_BODY_MAX_BYTES


class RequestBodyLimitMiddleware:
    """Refuse a request body over its address's limit before a byte of it is read.

    Django's DATA_UPLOAD_MAX_MEMORY_SIZE counts only form fields, never files, and is
    checked while the body is read: a 2 GB multipart post to the donate form was
    spooled to disk while it held a web worker. The declared Content-Length decides
    here, before the CSRF check or a view reads `request.POST`, and the answer is a
    plain 413 page. A body sent without a length (chunked) is never read by Django,
    which reads exactly CONTENT_LENGTH bytes (none); the front proxy bounds those too
    (docs, "Security").
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        try:
            declared = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            declared = 0
        if declared > body_limit_for(request.path_info):
            return too_large()
        return self.get_response(request)


def too_large():
    # No context processors or database: nothing about the request is trusted yet.
    return HttpResponse(loader.get_template("413.html").render(), status=413)
