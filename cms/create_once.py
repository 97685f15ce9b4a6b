"""One page from one create form, however many times the form is sent.

The admin's create form saves a draft by itself half a second after each change, then
becomes the page's edit form. An editor who publishes while that first save is on its way
sends the create form a second time, which Wagtail refuses ("this slug is already in
use") or, when the two arrive together, answers with an error page; the editor is left
unsure whether anything was published.

So a create that repeats one this browser session made moments ago (the same parent, page
type and slug) is sent on to that page's edit view with a 307, which keeps the method and
the form: the publish lands on the page the first request made. Two sent together queue
behind a short lock, and the second follows the first. Registered in cms/wagtail_hooks.py.
"""

import hashlib
import time

from django.core.cache import cache
from django.db import transaction
from django.http import HttpResponseRedirect
from django.urls import reverse

# How long a create counts as "moments ago": longer than any autosave or double click.
RECENT_SECONDS = 15
# How long a second create waits for the first to finish (and the lock's lifetime).
LOCK_SECONDS = 5
POLL_SECONDS = 0.1


def _key(request, parent_page, page_class, slug: str) -> str | None:
    session = request.session.session_key
    if not session or not slug:
        return None
    parts = f"{session}:{parent_page.pk}:{page_class._meta.label_lower}:{slug}"
    return "create-once:" + hashlib.sha256(parts.encode()).hexdigest()


def _to_edit_view(page_id: int) -> HttpResponseRedirect:
    response = HttpResponseRedirect(reverse("wagtailadmin_pages:edit", args=[page_id]))
    response.status_code = 307  # the browser sends the same POST on
    return response


def before_create_page(request, parent_page, page_class):
    """Send a repeated create on to the page it made; otherwise let it through, holding
    the lock until the page is made (or for LOCK_SECONDS at most)."""
    if request.method != "POST":
        return None
    key = _key(request, parent_page, page_class, request.POST.get("slug", "").strip())
    if key is None:
        return None
    deadline = time.monotonic() + LOCK_SECONDS
    while True:
        made = cache.get(f"{key}:page")
        if made is not None:
            return _to_edit_view(made)
        if cache.add(f"{key}:lock", 1, LOCK_SECONDS):
            request.create_once_key = key
            return None
        if time.monotonic() >= deadline:
            return None  # the first is taking too long: Wagtail's own checks decide
        time.sleep(POLL_SECONDS)


def after_create_page(request, page):
    """Remember the page this create made, once it is committed, for a repeat to find."""
    key = getattr(request, "create_once_key", None)
    if key is None:
        return

    def remember():
        cache.set(f"{key}:page", page.pk, RECENT_SECONDS)
        cache.delete(f"{key}:lock")

    transaction.on_commit(remember)
