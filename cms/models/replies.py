"""Replies the public writes under blog posts and papers, held for moderation."""

from django.db import models
from django.utils.functional import SimpleLazyObject
from wagtail.admin.panels import FieldPanel

from cms.moderation import ModeratedText


class PageReply(ModeratedText):
    """A supporter's reply to a page, threaded one level deep.

    A reply to a reply attaches to the top-level reply, so a thread is never
    deeper than one level however people answer each other.
    """

    page = models.ForeignKey("wagtailcore.Page", on_delete=models.CASCADE, related_name="replies")
    parent = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="children",
        help_text="The top-level reply this one answers, if any.",
    )

    panels = [
        FieldPanel("status"),
        FieldPanel("body", read_only=True),
        FieldPanel("page", read_only=True),
        FieldPanel("parent", read_only=True),
        FieldPanel("created_at", read_only=True),
    ]

    class Meta(ModeratedText.Meta):
        verbose_name = "reply"
        verbose_name_plural = "replies"
        indexes = [models.Index(fields=["page", "status", "created_at"])]

    def __str__(self):
        excerpt = self.body if len(self.body) <= 60 else f"{self.body[:57]}..."
        return f"{self.author_name}: {excerpt}"

    def save(self, *args, **kwargs):
        if self.parent_id and self.parent.parent_id:
            self.parent_id = self.parent.parent_id
        super().save(*args, **kwargs)


def reply_threads(page) -> list[PageReply]:
    """Approved replies to `page` as top-level replies, each with `.thread` (its answers).

    One query. An approved answer whose top-level reply is not approved is shown
    at the top level rather than lost.
    """
    if page.pk is None:  # an unsaved page being previewed in the admin
        return []
    replies = list(
        PageReply.objects.visible()
        .filter(page_id=page.pk)
        .select_related("author")
        .order_by("created_at", "pk")
    )
    by_id = {reply.pk: reply for reply in replies}
    top_level = []
    for reply in replies:
        reply.thread = []
    for reply in replies:
        parent = by_id.get(reply.parent_id)
        if parent is None:
            top_level.append(reply)
        else:
            parent.thread.append(reply)
    return top_level


class AcceptsRepliesMixin:
    """For page types that show approved replies and take new ones by POST to the page."""

    def serve(self, request, *args, **kwargs):
        if request.method == "POST":
            from cms.views import post_reply

            return post_reply(request, self)
        return super().serve(request, *args, **kwargs)

    def get_context(self, request, *args, **kwargs):
        from cms.forms import ReplyForm

        context = super().get_context(request, *args, **kwargs)
        # Read only when the list is rendered, not when it comes from the part cache.
        threads = SimpleLazyObject(lambda: reply_threads(self))
        context["replies"] = threads
        context["reply_count"] = SimpleLazyObject(
            lambda: sum(1 + len(reply.thread) for reply in threads)
        )
        # cms.views.post_reply replaces this with the bound form when a reply has errors.
        context["reply_form"] = ReplyForm(page=self, initial=reply_initial(request, self))
        return context


def reply_initial(request, page) -> dict:
    """Pre-fill the parent when the visitor followed a 'Reply to this' link (?reply_to=ID)."""
    reply_to = request.GET.get("reply_to", "")
    from cms.search import is_row_id

    if is_row_id(reply_to):
        return {"parent": reply_to}
    return {}
