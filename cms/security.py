"""Response headers and request limits every address of the site shares."""

import tempfile
from collections.abc import Callable

from django.conf import settings
from django.core.handlers.wsgi import LimitedStream
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


# Larger limits for addresses only an app can recognise (a page's sub-route, wherever
# editors put the page): (does this path match?, the name of the setting with its limit).
# Each app adds its own in its AppConfig.ready(); see stories/apps.py.
ROUTE_BODY_LIMITS: list[tuple[Callable[[str], bool], str]] = []


def register_body_limit(matches: Callable[[str], bool], setting_name: str) -> None:
    if (matches, setting_name) not in ROUTE_BODY_LIMITS:
        ROUTE_BODY_LIMITS.append((matches, setting_name))


def body_limit_for(path: str) -> int:
    """The most bytes a request body to this address may have.

    The first of REQUEST_BODY_LIMITS' patterns that matches decides, then the apps' routes
    (ROUTE_BODY_LIMITS); anything else gets REQUEST_BODY_MAX_BYTES.
    """
    for pattern, limit in settings.REQUEST_BODY_LIMITS:
        if pattern.search(path):
            return limit
    for matches, setting_name in ROUTE_BODY_LIMITS:
        if matches(path):
            return getattr(settings, setting_name)
    return settings.REQUEST_BODY_MAX_BYTES


class BodyTooLarge(Exception):
    """More of a request body arrived than its address allows."""


class CountingReader:
    """A request body read through a count: past `limit` bytes it raises BodyTooLarge.

    It never asks the stream for more than one byte beyond the limit, so an endless body
    costs at most limit + 1 bytes of reading.
    """

    def __init__(self, stream, limit: int):
        self.stream = stream
        self.limit = limit
        self.count = 0

    def read(self, size: int = -1) -> bytes:
        allowed = self.limit + 1 - self.count
        if size is None or size < 0 or size > allowed:
            size = allowed
        data = self.stream.read(size) if size else b""
        self.count += len(data)
        if self.count > self.limit:
            raise BodyTooLarge
        return data


def is_chunked(meta) -> bool:
    return "chunked" in meta.get("HTTP_TRANSFER_ENCODING", "").lower()


def take_chunked_body(request, limit: int):
    """Read a chunked body (it has no Content-Length) through a CountingReader.

    Django reads exactly CONTENT_LENGTH bytes of a body, so it would see a chunked body as
    empty. Only a server that de-chunks the body and ends the stream where the body ends
    (`wsgi.input_terminated`, as gunicorn does) can be read safely; the body is then kept
    (in a temporary file past FILE_UPLOAD_MAX_MEMORY_SIZE) and handed to Django with its
    length, or refused as soon as it passes the limit. Returns the kept body, or None.
    """
    if not request.META.get("wsgi.input_terminated"):
        return None
    reader = CountingReader(request.META["wsgi.input"], limit)
    # Closed by the middleware once the answer is made (it outlives this function).
    body = tempfile.SpooledTemporaryFile(max_size=settings.FILE_UPLOAD_MAX_MEMORY_SIZE)  # noqa: SIM115
    try:
        while chunk := reader.read(64 * 1024):
            body.write(chunk)
    except BodyTooLarge:
        body.close()
        raise
    size = body.tell()
    body.seek(0)
    request.META["CONTENT_LENGTH"] = str(size)
    request.META["wsgi.input"] = body
    # WSGIRequest made its stream from the missing length (no bytes): make it again.
    request._stream = LimitedStream(body, size)
    return body


class RequestBodyLimitMiddleware:
    """Refuse a request body over its address's limit, reading none of it (or, for a body
    that declares no length, no more than one byte past the limit).

    Django's DATA_UPLOAD_MAX_MEMORY_SIZE counts only form fields, never files, and is
    checked while the body is read: a 2 GB multipart post to the donate form was
    spooled to disk while it held a web worker. The declared Content-Length decides
    here, before the CSRF check or a view reads `request.POST`, and the answer is a
    plain 413 page. A chunked body (no Content-Length) is counted while it is read, here,
    and refused the moment it passes the limit (take_chunked_body). The front proxy
    bounds bodies too (README, "Security").
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        try:
            declared = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            declared = 0
        chunked = not declared and is_chunked(request.META)
        if not (declared or chunked):
            return self.get_response(request)  # no body: nothing to look up
        limit = body_limit_for(request.path_info)
        if declared > limit:
            return too_large()
        kept = None
        if chunked:
            try:
                kept = take_chunked_body(request, limit)
            except BodyTooLarge:
                return too_large()
        try:
            return self.get_response(request)
        finally:
            if kept is not None:
                kept.close()


def too_large():
    # No context processors or database: nothing about the request is trusted yet.
    # (No `Connection: close`: WSGI forbids hop-by-hop headers from the application;
    # gunicorn's sync workers close every connection after its answer.)
    return HttpResponse(loader.get_template("413.html").render(), status=413)
