"""Replies the public writes under blog posts and papers, held for moderation.

A page that takes replies (`AcceptsRepliesMixin`) shows the approved ones and takes a new
one by POST to itself, as Wagtail's form pages do: the reply, its form and that POST are
here together, on the floor below the page types, which is all they need.
"""

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Div, Layout, Submit
from django import forms
from django.conf import settings
from django.contrib import messages
from django.db import models
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils.functional import SimpleLazyObject
from django_ratelimit.core import is_ratelimited
from wagtail.admin.panels import FieldPanel

from cms.moderation import HoneypotFormMixin, ModeratedText
from cms.search import is_row_id


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
            return post_reply(request, self)
        return super().serve(request, *args, **kwargs)

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        # Read only when the list is rendered, not when it comes from the part cache.
        threads = SimpleLazyObject(lambda: reply_threads(self))
        context["replies"] = threads
        context["reply_count"] = SimpleLazyObject(
            lambda: sum(1 + len(reply.thread) for reply in threads)
        )
        # post_reply replaces this with the bound form when a reply has errors.
        context["reply_form"] = ReplyForm(page=self, initial=reply_initial(request, self))
        return context


def reply_initial(request, page) -> dict:
    """Pre-fill the parent when the visitor followed a 'Reply to this' link (?reply_to=ID)."""
    reply_to = request.GET.get("reply_to", "")
    if is_row_id(reply_to):
        return {"parent": reply_to}
    return {}


class ReplyForm(HoneypotFormMixin, forms.Form):
    """A plain-text reply to a blog post or paper (shown only once a moderator approves it)."""

    body = forms.CharField(
        label="Your reply",
        max_length=5000,
        min_length=2,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text="Plain text. Replies are read by a moderator before they appear. "
        "Your display name is shown; your email address never is.",
    )
    parent = forms.ModelChoiceField(
        queryset=PageReply.objects.none(),
        required=False,
        widget=forms.HiddenInput,
        error_messages={"invalid_choice": "The reply you were answering is no longer shown."},
    )

    field_order = ["body", "parent", "website"]

    def __init__(self, *args, page=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.page = page
        self.fields["parent"].queryset = PageReply.objects.visible().filter(
            page_id=getattr(page, "pk", None)
        )
        self.helper = FormHelper()
        self.helper.form_tag = False  # the template wraps it, posting back to the page
        self.helper.disable_csrf = True  # the template's form tag has the token
        self.helper.layout = Layout(
            "body",
            "parent",
            Div("website", css_class="honeypot", aria_hidden="true"),
            Submit("send", "Send reply"),
        )

    def clean(self):
        cleaned_data = super().clean()
        # The parent is a hidden field, so say why it failed where a person would see it.
        if self.has_error("parent"):
            self.add_error(None, self._errors.pop("parent"))
        return cleaned_data

    @property
    def replying_to(self):
        """The approved reply being answered, if the visitor chose 'Reply' under one."""
        value = self["parent"].value()
        if not is_row_id(value):
            return None
        return self.fields["parent"].queryset.select_related("author").filter(pk=value).first()

    def save(self, author) -> PageReply:
        return PageReply.objects.create(
            page=self.page,
            parent=self.cleaned_data.get("parent"),
            author=author,
            body=self.cleaned_data["body"].strip(),
        )


RATE_LIMITED_REPLY = (
    "You have sent several replies in a short time. Please wait a while and send this one "
    "again; what you wrote is still here."
)
NOT_A_SUPPORTER = (
    "Only supporters who have confirmed their email address can reply. Check your inbox for "
    "the confirmation link, then try again."
)


def post_reply(request, page):
    """Take a reply to `page` (a POST to the page itself); re-show the page on any error.

    Order matters: who may reply is checked first, then the per-account rate limit
    (every attempt counts, so a bot cannot probe the form), then the form itself.
    """
    # Django's auth views need the user model, so they load after the models do.
    from django.contrib.auth.views import redirect_to_login

    if not request.user.is_authenticated:
        return redirect_to_login(page.get_url(request))
    form = ReplyForm(request.POST, page=page)
    if not request.user.has_perm("cms.reply_to_page", page):
        form.add_error(None, NOT_A_SUPPORTER)
        return render_page_with_reply_form(request, page, form, status=403)
    limited = is_ratelimited(
        request,
        group="cms.page_reply",
        key="user",
        rate=settings.REPLY_RATE,
        method="POST",
        increment=True,
    )
    if limited:
        form.add_error(None, RATE_LIMITED_REPLY)
        return render_page_with_reply_form(request, page, form, status=429)
    if not form.is_valid():
        return render_page_with_reply_form(request, page, form, status=400)
    form.save(author=request.user)
    messages.success(
        request, "Thank you. Your reply will appear here once a moderator has read it."
    )
    return redirect(page.get_url(request) + "#replies")


def render_page_with_reply_form(request, page, form, status):
    context = page.get_context(request)
    context["reply_form"] = form
    return TemplateResponse(request, page.get_template(request), context, status=status)
