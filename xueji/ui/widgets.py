"""The shell's form widgets for the national form's code lists: a searchable select (type to filter any code
list: tom-select, from node_modules, served by Django) and the cascading region select (province → city → county,
each level's children loaded on demand from `api:region-children`: never the whole region tree in the page).

Both declare their assets as form Media: a page renders `{{ form.media }}` and gets the library, its Bootstrap
theme and the shell's `ui/js/pupil-form.js` (which also fills sex and birth date from an ID number)."""

from django import forms
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from xueji.regions.models import RegionLevel
from xueji.regions.selectors import region_chain, region_options

MEDIA = forms.Media(css={"all": ["vendor/tom-select/css/tom-select.bootstrap5.min.css"]},
                    js=["vendor/tom-select/js/tom-select.complete.min.js", "ui/js/pupil-form.js"])


class SearchableSelect(forms.Select):
    """A select whose options filter as one types (pinyin or characters of the name, or the code)."""

    def __init__(self, attrs=None, choices=()):
        super().__init__({"class": "form-select", "data-searchable": "", **(attrs or {})}, choices)

    @property
    def media(self):
        return MEDIA


LEVEL_LABELS = {1: _("Province…"), 2: _("City…"), 3: _("County…")}


class RegionCascade(forms.Widget):
    """A region code (GB/T 2260) chosen as province, then city, then county. The three selects post as
    `<name>_1`, `<name>_2`, `<name>_3`; the finest one chosen is the value (a plain `<name>` is accepted too: a
    script or a test that posts the code). Only the chosen chain's levels are rendered with the page (three small
    queries); the script loads the others on demand."""

    template_name = "ui/widgets/region_cascade.html"

    @property
    def media(self):
        return MEDIA

    def value_from_datadict(self, data, files, name):
        for level in (3, 2, 1):
            value = data.get(f"{name}_{level}")
            if value:
                return value
        return data.get(name, "")

    def value_omitted_from_data(self, data, files, name):
        return not any(f"{name}_{level}" in data for level in (1, 2, 3)) and name not in data

    def id_for_label(self, id_):
        return f"{id_}_1" if id_ else id_

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        code = str(value or "")[:6]
        chain = region_chain(code)
        base_id = context["widget"]["attrs"].get("id", name)
        levels, parent = [], None
        for level in (1, 2, 3):
            if level == 1:
                options = region_options()
            elif parent is None or parent.level == RegionLevel.COUNTY:
                options = []
            else:
                options = region_options(parent.code)
            chosen = chain[level - 1] if len(chain) >= level else None
            if chosen is not None and chosen.code not in {o["code"] for o in options}:
                options.append({"code": chosen.code, "name": chosen.name, "level": chosen.level})
            levels.append({"level": level, "name": f"{name}_{level}", "id": f"{base_id}_{level}",
                           "label": LEVEL_LABELS[level], "options": options,
                           "selected": chosen.code if chosen is not None else ""})
            parent = chosen
        context["widget"].update(levels=levels, unknown=code if code and not chain else "",
                                 children_url=reverse("api:region-children"))
        return context
