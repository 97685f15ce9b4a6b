"""Money in templates: integer pence shown as pounds (crowdfund/amounts.py)."""

from django import template

from crowdfund.amounts import pounds

register = template.Library()
register.filter("pounds", pounds)
