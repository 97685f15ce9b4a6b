"""What a newsletter is made of: a few blocks that read well in every mail client."""

from wagtail import blocks
from wagtail.images.blocks import ImageChooserBlock

EMAIL_TEXT_FEATURES = ["bold", "italic", "link", "ol", "ul"]


class EmailHeadingBlock(blocks.CharBlock):
    class Meta:
        icon = "title"
        template = "newsletters/blocks/heading.html"
        form_classname = "title"


class EmailImageBlock(blocks.StructBlock):
    image = ImageChooserBlock()
    alt_text = blocks.CharBlock(
        required=False, help_text="What the image shows, for people who cannot see it."
    )
    caption = blocks.CharBlock(required=False)

    class Meta:
        icon = "image"
        template = "newsletters/blocks/image.html"


class EmailButtonBlock(blocks.StructBlock):
    text = blocks.CharBlock(max_length=60)
    url = blocks.URLBlock(help_text="A full address, e.g. https://alliancehub.example/manifesto/")

    class Meta:
        icon = "link"
        template = "newsletters/blocks/button.html"


class NewsletterBodyBlock(blocks.StreamBlock):
    heading = EmailHeadingBlock()
    paragraph = blocks.RichTextBlock(features=EMAIL_TEXT_FEATURES, icon="pilcrow")
    image = EmailImageBlock()
    button = EmailButtonBlock()
