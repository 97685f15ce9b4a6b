"""factory-boy factories for the people and pages the tests build.

Every conftest and the security suite's world build through these, so a new required
field or a new step in making a person or a page is written once, here.

- `UserFactory`: a person with a verified address (allauth's EmailAddress), the roles
  given (`roles=(SUPPORTERS,)`), a party by slug; staff when an editor or moderator.
  `SupporterFactory` is a supporter of the Green party unless told otherwise.
- Page factories add the page under `parent` (the home page by default) and publish it
  (`publish=False`: saved as a draft, not live), as an editor would.
- `AmendmentFactory` proposes through the manifesto's own domain function.
"""

import itertools

import factory
from allauth.account.models import EmailAddress
from django.contrib.auth.models import Group
from django.utils.text import slugify
from factory.django import DjangoModelFactory

from cms.models import HomePage, Party, User
from cms.roles import EDITORS, MODERATORS, SUPPORTERS
from crowdfund.models import CrowdfundPage
from manifesto import actions
from manifesto.merge import start_text
from manifesto.models import Amendment, ManifestoPage
from stories.models import StoriesIndexPage, StoryPage

PASSWORD = "correct-horse-battery"


def give_roles(user: User, roles) -> None:
    if not roles:
        return
    user.groups.add(*Group.objects.filter(name__in=roles))
    if EDITORS in roles or MODERATORS in roles:
        user.is_staff = True
        user.save(update_fields=["is_staff"])


class UserFactory(DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    class Params:
        party_slug = None

    email = factory.Sequence(lambda n: f"person{n}@example.com")
    party = factory.LazyAttribute(
        lambda person: (
            Party.objects.filter(slug=person.party_slug).first() if person.party_slug else None
        )
    )

    @classmethod
    def _create(cls, model_class, *args, **fields):
        password = fields.pop("password", PASSWORD)
        return model_class.objects.create_user(*args, password=password, **fields)

    @factory.post_generation
    def verified(user, create, extracted, **kwargs):
        """The person's address, confirmed unless `verified=False`."""
        if create:
            verified = True if extracted is None else extracted
            EmailAddress.objects.create(
                user=user, email=user.email, verified=verified, primary=True
            )

    @factory.post_generation
    def roles(user, create, extracted, **kwargs):
        if create:
            give_roles(user, extracted)


class SupporterFactory(UserFactory):
    class Params:
        party_slug = "green"

    @factory.post_generation
    def roles(user, create, extracted, **kwargs):
        if create:
            give_roles(user, (SUPPORTERS,) if extracted is None else extracted)


_page_numbers = itertools.count(1)


class PageFactory(DjangoModelFactory):
    """A Wagtail page added under `parent` and published (or left a draft)."""

    class Meta:
        abstract = True

    title = factory.LazyFunction(lambda: f"Page {next(_page_numbers)}")
    slug = factory.LazyAttribute(lambda page: slugify(page.title))
    parent = None
    publish = True

    @classmethod
    def _create(cls, model_class, *args, parent=None, publish=True, **fields):
        parent = parent or HomePage.objects.get()
        extras = {name: fields.pop(name) for name in cls._set_before_adding if name in fields}
        page = model_class(*args, **fields)
        for name, value in extras.items():
            getattr(page, name).set(value)
        parent.add_child(instance=page)
        if publish:
            page.save_revision().publish()
        else:
            page.live = False
            page.save()
        return page

    # Relations (ParentalManyToMany) set on the page before it is added to the tree.
    _set_before_adding: tuple = ()


class CrowdfundPageFactory(PageFactory):
    class Meta:
        model = CrowdfundPage

    title = "Build the hub"
    slug = "build-the-hub"
    target_pence = 500_000


class ManifestoPageFactory(PageFactory):
    """A manifesto page; `clauses=[(heading, text), ...]` starts its text."""

    class Meta:
        model = ManifestoPage
        skip_postgeneration_save = True

    title = "Our manifesto"
    slug = "manifesto"
    screening = False

    @factory.post_generation
    def clauses(page, create, extracted, **kwargs):
        if create and extracted:
            start_text(page, extracted)


class StoriesIndexPageFactory(PageFactory):
    class Meta:
        model = StoriesIndexPage

    title = "Stories"
    slug = "stories"
    introduction = "Local alliances."


class StoryPageFactory(PageFactory):
    """A story; `parties` (a queryset or list of Party) are set before it is added."""

    class Meta:
        model = StoryPage

    _set_before_adding = ("parties",)

    group_name = factory.LazyAttribute(lambda story: f"{story.title} group")
    arrangement = "stand-aside"
    outcome = "won"
    year = 2019
    body = factory.LazyAttribute(lambda story: "How we worked together across parties. " * 8)


class AmendmentFactory(DjangoModelFactory):
    """An amendment proposed as a supporter proposes it (manifesto.actions.propose)."""

    class Meta:
        model = Amendment

    kind = "replace"
    text = "A new wording."
    reason = "Because it is clearer."

    @classmethod
    def _create(cls, model_class, *, page, clause, author, kind, text, reason):
        return actions.propose(page, clause, author, kind, text, reason)
