"""The demo's home page: a hero photo, calls to join, give and propose, the crowdfund.

Run after the feature apps' demo content, since it links to their pages (found by type,
with no import of the apps). Each part is set only while it is empty, so an editor's
choices survive `make demo` again.
"""

from django.apps import apps
from wagtail.models import Page

from cms.demo.images import described_image, gathering_jpeg
from cms.models import HomePage

HERO_ALT = "Drawing of a crowd of people, in five colours, gathered side by side."


def first_live(label: str):
    if not apps.is_installed(label.split(".")[0]):
        return None
    model = apps.get_model(label)
    return model.objects.live().public().order_by("path").first()


def shape_home_page(home: HomePage) -> None:
    home = HomePage.objects.get(pk=home.pk)
    changed = False
    if home.hero_image_id is None:
        home.hero_image = described_image(
            "A crowd gathered", "gathering.jpg", gathering_jpeg(seed=1), HERO_ALT
        )
        changed = True
    crowdfund = first_live("crowdfund.CrowdfundPage")
    if home.crowdfund_id is None and crowdfund is not None:
        home.crowdfund = Page.objects.get(pk=crowdfund.pk)
        changed = True
    if not home.calls_to_action:
        home.calls_to_action = calls_to_action(crowdfund)
        changed = True
    if changed:
        home.save_revision().publish()


def calls_to_action(crowdfund) -> list[tuple[str, dict]]:
    actions = [
        {
            "heading": "Join",
            "text": "Sign up free to vote on the manifesto and hear about meetings near you.",
            "link_url": "/accounts/signup/",
            "button_label": "Join Alliance Hub",
        }
    ]
    if crowdfund is not None:
        actions.append(
            {
                "heading": "Give",
                "text": "Help pay for the hub: every pound raised and spent is shown in the open.",
                "link_page": crowdfund,
                "button_label": "Give to the crowdfund",
            }
        )
    manifesto = first_live("manifesto.ManifestoPage")
    if manifesto is not None:
        actions.append(
            {
                "heading": "Propose",
                "text": "Suggest a change to the shared manifesto, or vote on other people's.",
                "link_page": manifesto,
                "button_label": "Propose an amendment",
            }
        )
    stories = first_live("stories.StoriesIndexPage")
    if stories is not None:
        actions.append(
            {
                "heading": "Share a story",
                "text": "Tell other groups how your local alliance came together.",
                "link_url": stories.url + stories.reverse_subpage("submit"),
                "button_label": "Share your story",
            }
        )
    return [("action", action) for action in actions]
