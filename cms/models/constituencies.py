"""UK Parliament constituencies: reference data every local feature places things in."""

from django.db import models

from cms.regions import Region


class Constituency(models.Model):
    """One of the 650 Westminster constituencies (2024 boundaries), loaded from cms/data.

    `code` is the ONS/GSS code (e.g. E14001074), stable across renames; `hex_q`/`hex_r`
    place it on the equal-area hexagon map (odd-r layout).
    """

    code = models.CharField(max_length=9, unique=True)
    name = models.CharField(max_length=80, unique=True)
    slug = models.SlugField(max_length=80, unique=True)
    region = models.CharField(max_length=20, choices=Region.choices, db_index=True)
    hex_q = models.SmallIntegerField()
    hex_r = models.SmallIntegerField()

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "constituencies"

    def __str__(self):
        return self.name

    @property
    def nation(self) -> str:
        """England, Scotland, Wales or Northern Ireland."""
        if self.region in (Region.SCOTLAND, Region.WALES, Region.NORTHERN_IRELAND):
            return self.get_region_display()
        return "England"
