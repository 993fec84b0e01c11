"""`{{ text|presented:request.user }}`: free text (a title, a reason, a comment) with every ID-shaped number in it
masked unless the user holds the ID right, through the one presenter (xueji/registry/presenters.py)."""

from django import template

from xueji.registry.presenters import presenter_for

register = template.Library()


@register.filter
def presented(value, user=None) -> str:
    return presenter_for(user).text("" if value is None else str(value))
