"""Organisation-unit pages. Thin: reads through selectors, writes through services, refusals mapped
in `xueji.ui.errors` (one place). Nothing here touches Model.objects."""


from django.shortcuts import render
from django.utils.translation import gettext as _

from xueji.accounts.jurisdiction import org_in_jurisdiction
from xueji.accounts.permissions import Cap
from xueji.regions import selectors as region_selectors
from xueji.regions.filters import OrgUnitFilterSet
from xueji.regions.models import OrgKind
from xueji.regions.ui import tables
from xueji.schools import selectors as school_selectors
from xueji.schools.ui import tables as schools_tables
from xueji.ui.errors import web_view
from xueji.ui.views import list_page, paged

# ---------------------------------------------------------------- organisation units

@web_view(Cap.ORG_VIEW, methods=("GET",))
def org_list(request):
    form = OrgUnitFilterSet(request.GET, page=True).form
    units = region_selectors.org_unit_list(user=request.user, filters=form.filters())
    table = paged(request, tables.OrgUnitTable(units), lazy=True)
    return list_page(request, title=_("Organisation units"), icon="bi-diagram-3", table=table, filter_form=form)


@web_view(Cap.ORG_VIEW, methods=("GET",))
def org_detail(request, pk):
    unit = region_selectors.org_unit_get(user=request.user, pk=pk)
    children = paged(request, tables.OrgUnitTable(
        region_selectors.org_unit_list(user=request.user, filters={"parent": unit.pk}), prefix="c-"))
    school = None
    schools = None
    if unit.kind == OrgKind.SCHOOL:
        school = school_selectors.school_list_under(user=request.user, org_unit=unit).first()
    else:
        schools = paged(request, schools_tables.SchoolTable(
            school_selectors.school_list_under(user=request.user, org_unit=unit), prefix="s-"), lazy=True)
    return render(request, "regions/org_detail.html", {
        "unit": unit, "children": children, "schools": schools, "school": school,
        "parent_visible": unit.parent_id is not None and org_in_jurisdiction(request.user, unit.parent)})
