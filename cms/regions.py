"""The UK's regions and nations, shared by events, stories and anything else placed on a map."""

from django.db import models


class Region(models.TextChoices):
    """The nine English regions and the three other nations of the UK."""

    NORTH_EAST = "north-east", "North East"
    NORTH_WEST = "north-west", "North West"
    YORKSHIRE = "yorkshire", "Yorkshire and the Humber"
    EAST_MIDLANDS = "east-midlands", "East Midlands"
    WEST_MIDLANDS = "west-midlands", "West Midlands"
    EAST = "east", "East of England"
    LONDON = "london", "London"
    SOUTH_EAST = "south-east", "South East"
    SOUTH_WEST = "south-west", "South West"
    SCOTLAND = "scotland", "Scotland"
    WALES = "wales", "Wales"
    NORTHERN_IRELAND = "northern-ireland", "Northern Ireland"


ONLINE = "online"
# Events may also happen nowhere in particular.
EVENT_REGION_CHOICES = [*Region.choices, (ONLINE, "Online only")]
