"""Authors of papers and blog posts: a snippet editors manage once and reuse."""

from django.db import models
from wagtail.admin.panels import FieldPanel
from wagtail.models import Orderable
from wagtail.search import index


class Author(index.Indexed, models.Model):
    """A person credited on papers and posts (not necessarily someone with an account)."""

    name = models.CharField(max_length=100)
    role = models.CharField(
        max_length=120, blank=True, help_text="E.g. 'Co-chair, Frome alliance' or 'Researcher'."
    )
    bio = models.TextField(blank=True, help_text="Two or three sentences shown under their work.")
    photo = models.ForeignKey(
        "wagtailimages.Image",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="A square head-and-shoulders photo works best.",
    )

    panels = [FieldPanel("name"), FieldPanel("role"), FieldPanel("bio"), FieldPanel("photo")]
    search_fields = [index.SearchField("name"), index.AutocompleteField("name")]

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name


class AuthorLink(Orderable):
    """Abstract: an author credited on a page, in the order the editor chose."""

    author = models.ForeignKey(Author, on_delete=models.CASCADE, related_name="+")

    panels = [FieldPanel("author")]

    class Meta(Orderable.Meta):
        abstract = True


def linked_authors(page) -> list[Author]:
    """A page's authors in the editor's order, in one query however many there are.

    Listings prefetch the links with their authors; a page on its own loads them here.
    """
    links = page.author_links.all()
    if "author_links" not in getattr(page, "_prefetched_objects_cache", {}):
        links = links.select_related("author", "author__photo")
    return [link.author for link in links]
