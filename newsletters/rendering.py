"""A newsletter's body as the email shows it: HTML with absolute links, and plain text.

Kept apart from `newsletters.emails` (which addresses each message) so the model's admin
preview can use it without the model importing the sending code that imports the model.
"""

import re

from django.conf import settings
from django.utils.html import strip_tags
from django.utils.safestring import mark_safe

from notifications.emails import absolute

RELATIVE_LINK = re.compile(r'(href|src)="/(?!/)')


def absolute_links(html: str) -> str:
    """Links and images inside rich text point at the site itself, by its base URL."""
    base = settings.WAGTAILADMIN_BASE_URL.rstrip("/")
    return RELATIVE_LINK.sub(lambda match: f'{match.group(1)}="{base}/', html)


def body_text(newsletter) -> str:
    """A plain-text version of the body, for mail clients that show no HTML."""
    parts = []
    for block in newsletter.body:
        if block.block_type == "heading":
            parts.append(f"{block.value}\n{'=' * len(str(block.value))}")
        elif block.block_type == "paragraph":
            html = absolute_links(block.value.__html__())
            html = re.sub(r'<a [^>]*href="([^"]+)"[^>]*>(.*?)</a>', r"\2 (\1)", html)
            html = re.sub(r"<li[^>]*>", "- ", html)
            html = re.sub(r"</(p|li|h\d)>", "\n", html)
            parts.append(strip_tags(html).strip())
        elif block.block_type == "button":
            parts.append(f"{block.value['text']}: {block.value['url']}")
        elif block.block_type == "image" and block.value.get("caption"):
            parts.append(f"[{block.value['caption']}]")
    return "\n\n".join(parts)


def message_context(newsletter, unsubscribe_url: str, preferences_url: str) -> dict:
    return {
        "newsletter": newsletter,
        # Wagtail's own rendering of the blocks (escaped there); only the links' bases change.
        "body_html": mark_safe(absolute_links(newsletter.body.render_as_block())),  # noqa: S308
        "body_text": body_text(newsletter),
        "unsubscribe_url": unsubscribe_url,
        "preferences_url": preferences_url,
        "site_url": absolute("/"),
    }


def preview_context(newsletter) -> dict:
    """What the admin's preview shows: the email as sent, with its links going nowhere."""
    return message_context(newsletter, "#", "#")
