"""Helpers of the tests of versioned edits (SECURITY.md row 38, `core.versions`)."""

from django.forms.models import model_to_dict

STALE_WORDS = "已被他人修改"  # the form error's words (zh_Hans) of a page opened before another save


def hidden_version(html: str) -> str:
    """The version an edit page keeps in its hidden field."""
    return html.split('name="version" value="')[1].split('"')[0]


def row_of(obj) -> dict:
    """The object's row as stored now (to assert a refused write changed nothing)."""
    return model_to_dict(type(obj)._default_manager.get(pk=obj.pk))
