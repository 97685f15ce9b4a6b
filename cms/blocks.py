"""StreamField blocks shared by the editorial pages. Each has a template and an icon."""

from django.utils.text import slugify
from wagtail import blocks
from wagtail.images.blocks import ImageChooserBlock


class HeadingBlock(blocks.StructBlock):
    text = blocks.CharBlock(max_length=120)
    level = blocks.ChoiceBlock(
        choices=[("h2", "Section heading"), ("h3", "Sub-heading")], default="h2"
    )

    class Meta:
        icon = "title"
        template = "cms/blocks/heading.html"

    def get_context(self, value, parent_context=None):
        context = super().get_context(value, parent_context)
        context["anchor"] = slugify(value["text"])
        return context


class ImageBlock(blocks.StructBlock):
    image = ImageChooserBlock()
    alt_text = blocks.CharBlock(
        max_length=200, required=False, help_text="Describe the image for people who cannot see it."
    )
    caption = blocks.CharBlock(max_length=250, required=False)

    class Meta:
        icon = "image"
        template = "cms/blocks/image.html"


class PullQuoteBlock(blocks.StructBlock):
    quote = blocks.TextBlock()
    attribution = blocks.CharBlock(max_length=120, required=False)

    class Meta:
        icon = "openquote"
        template = "cms/blocks/pull_quote.html"


class CallToActionBlock(blocks.StructBlock):
    text = blocks.CharBlock(max_length=200)
    link_page = blocks.PageChooserBlock(required=False)
    link_url = blocks.CharBlock(required=False, help_text="Used when no page is chosen.")
    button_label = blocks.CharBlock(max_length=40, default="Find out more")

    class Meta:
        icon = "link"
        template = "cms/blocks/call_to_action.html"


PARAGRAPH_FEATURES = ["bold", "italic", "link", "ol", "ul", "document-link"]


class ActionCardBlock(blocks.StructBlock):
    """One call to action on the home page: join, give, propose (the editor words each)."""

    heading = blocks.CharBlock(max_length=60, help_text="A short verb phrase, e.g. 'Join'.")
    text = blocks.CharBlock(max_length=200, help_text="One sentence on what it leads to.")
    link_page = blocks.PageChooserBlock(required=False)
    link_url = blocks.CharBlock(required=False, help_text="Used when no page is chosen.")
    button_label = blocks.CharBlock(max_length=40, help_text="Says where the button goes.")

    class Meta:
        icon = "pick"
        label = "Call to action"
        template = "cms/blocks/action_card.html"


class BodyBlock(blocks.StreamBlock):
    """The one stream most pages share."""

    heading = HeadingBlock()
    paragraph = blocks.RichTextBlock(features=PARAGRAPH_FEATURES, icon="pilcrow")
    image = ImageBlock()
    pull_quote = PullQuoteBlock()
    call_to_action = CallToActionBlock()


class FootnoteBlock(blocks.StructBlock):
    """A note placed anywhere in a paper's body, cited in paragraphs as [^marker].

    The block itself renders nothing where it stands: the paper numbers notes in the
    order their markers first appear and lists them at the end (see cms.outline).
    """

    marker = blocks.RegexBlock(
        regex=r"^[\w-]+$",
        max_length=40,
        help_text="A short name without spaces, e.g. 'values'. Write [^values] in a paragraph "
        "where the note number should appear.",
        error_messages={"invalid": "Use letters, numbers, hyphens or underscores only."},
    )
    text = blocks.RichTextBlock(features=["bold", "italic", "link", "document-link"])

    class Meta:
        icon = "list-ol"
        label = "Footnote"
        template = "cms/blocks/footnote.html"


class PaperBodyBlock(BodyBlock):
    """The body of a paper: the shared blocks plus footnotes."""

    footnote = FootnoteBlock()


class StepBlock(blocks.StructBlock):
    """One step of a guide; steps are numbered by their position."""

    title = blocks.CharBlock(max_length=120)
    text = blocks.RichTextBlock(features=PARAGRAPH_FEATURES)

    class Meta:
        icon = "list-ol"
        label = "Step"


class StepsBlock(blocks.StreamBlock):
    step = StepBlock()
