from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import generics, serializers

from xueji.core.api import SelectorMixin
from xueji.core.capabilities import SIGNED_IN, Cap, requires
from xueji.core.errors import ValidationFailed
from xueji.regions import selectors
from xueji.regions.filters import OrgUnitFilterSet
from xueji.regions.models import OrgUnit, Region


class RegionSerializer(serializers.ModelSerializer):
    class Meta:
        model = Region
        fields = ["code", "name", "level", "parent"]


class OrgUnitSerializer(serializers.ModelSerializer):
    class Meta:
        model = OrgUnit
        fields = ["id", "kind", "name", "code", "region", "parent", "is_active"]


@requires(SIGNED_IN)  # public reference data (GB/T 2260), for any signed-in user
@extend_schema_view(get=extend_schema(parameters=[OpenApiParameter("level"), OpenApiParameter("parent"),
                                                  OpenApiParameter("q")]))
class RegionListApi(SelectorMixin, generics.ListAPIView):
    serializer_class = RegionSerializer
    list_selector = selectors.region_list
    filter_params = ("level", "parent", "q")


@requires(Cap.ORG_VIEW)
@extend_schema_view(get=extend_schema(parameters=[OpenApiParameter(p) for p in OrgUnitFilterSet.base_filters]))
class OrgUnitListApi(SelectorMixin, generics.ListAPIView):
    serializer_class = OrgUnitSerializer
    list_selector = selectors.org_unit_list
    list_filters = OrgUnitFilterSet


@requires(Cap.ORG_VIEW)
class OrgUnitDetailApi(SelectorMixin, generics.RetrieveAPIView):
    serializer_class = OrgUnitSerializer
    get_selector = selectors.org_unit_get


class RegionChildSerializer(serializers.ModelSerializer):
    class Meta:
        model = Region
        fields = ["code", "name", "level"]


@extend_schema_view(get=extend_schema(parameters=[OpenApiParameter("parent", description="a region code; none: "
                                                                                         "the provinces")]))
@requires(SIGNED_IN)  # public reference data (GB/T 2260), for any signed-in user
class RegionChildrenApi(generics.ListAPIView):
    """The regions right under one region (a cascading select loads one level at a time: never the whole tree).
    Not paged: a region has a few dozen children at most."""

    serializer_class = RegionChildSerializer
    pagination_class = None

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Region.objects.none()
        parent = (self.request.query_params.get("parent") or "").strip()
        if parent and not (parent.isdigit() and len(parent) == 6):
            raise ValidationFailed(_("A region code has 6 digits."), code="invalid", field="parent")
        return selectors.region_children(user=self.request.user, parent=parent or None)
