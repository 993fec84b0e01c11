"""The policy's API (系统配置管理): business windows, approval routes, settings, function switches, controlled record
items and class-size caps. Every setting answers with its source (own level, inherited from a named unit, or the
default); writes go through the services, which refuse with a stable code."""

from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import generics, serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from xueji.accounts.permissions import Cap
from xueji.core import versions
from xueji.core.api import SelectorMixin, VersionedMixin, VersionSerializerField
from xueji.core.capabilities import SIGNED_IN, requires
from xueji.policy import selectors, services
from xueji.policy.models import BusinessWindow
from xueji.policy.selectors import Source


class UnitSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="pk")
    name = serializers.CharField()


class SourceSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=["own", "inherited", "default", "below"],
                                   help_text="own level, inherited from `unit` above, the default, or set below")
    unit = UnitSerializer(allow_null=True)


def _source(source: Source | None) -> dict | None:
    return None if source is None else SourceSerializer(source).data


class WindowSerializer(serializers.ModelSerializer):
    label = serializers.SerializerMethodField()
    version = VersionSerializerField()  # If-Match of PATCH /api/v1/policy/windows/<pk>/ (core.versions)
    set_by = serializers.SerializerMethodField(help_text="the city or county that narrowed; null: the province")
    source = serializers.SerializerMethodField()

    class Meta:
        model = BusinessWindow
        fields = ["id", "province_code", "kind", "label", "start_date", "end_date", "note", "set_by", "source",
                  "version"]

    def get_label(self, obj) -> str:
        return services.WINDOW_KINDS.get(obj.kind, obj.kind)

    @extend_schema_field(UnitSerializer(allow_null=True))
    def get_set_by(self, obj) -> dict | None:
        return UnitSerializer(obj.org_unit).data if obj.org_unit_id else None

    @extend_schema_field(SourceSerializer(allow_null=True))
    def get_source(self, obj) -> dict | None:
        request = self.context.get("request")
        if request is None:
            return None
        if "province" not in self.context:
            from xueji.policy.levels import province_of

            self.context["province"] = province_of(request.user.org_unit)
        return _source(selectors.window_source(obj, request.user.org_unit, self.context["province"]))


class WindowCreateSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=list(services.WINDOW_KINDS))
    start_date = serializers.DateField()
    end_date = serializers.DateField()
    note = serializers.CharField(required=False, allow_blank=True, max_length=255)


class WindowUpdateSerializer(serializers.Serializer):
    start_date = serializers.DateField(required=False)
    end_date = serializers.DateField(required=False)
    note = serializers.CharField(required=False, allow_blank=True, max_length=255)


@requires(get=SIGNED_IN, post=Cap.POLICY_MANAGE)
class WindowListApi(generics.ListAPIView):
    """业务时间 that bind the user (the province's, narrowed by the city or county); the province's system
    administrator opens the province's, a city's or county's narrows them for its area (never wider)."""

    serializer_class = WindowSerializer

    def get_queryset(self):
        return selectors.window_list(user=self.request.user)

    @extend_schema(request=WindowCreateSerializer, responses={201: WindowSerializer})
    def post(self, request):
        data = WindowCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        window = services.window_set(actor=request.user, **data.validated_data)
        return Response(WindowSerializer(window, context={"request": request}).data, status=status.HTTP_201_CREATED)


@requires(Cap.POLICY_MANAGE)
class WindowDetailApi(VersionedMixin, SelectorMixin, generics.GenericAPIView):
    """A window of the user's level: edited (dates, note; audited before and after; If-Match: its `version`, a
    window changed since answers 412) or deleted."""

    serializer_class = WindowSerializer
    get_selector = selectors.window_get

    @extend_schema(request=WindowUpdateSerializer, responses={200: WindowSerializer}, parameters=[
        OpenApiParameter("If-Match", str, OpenApiParameter.HEADER, required=False,
                         description="the window's version as read (its `version`, or this answer's ETag)")])
    def patch(self, request, pk):
        window = self.get_object()
        data = WindowUpdateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        window = services.window_update(actor=request.user, window=window, version=self.if_match(),
                                        **data.validated_data)
        return self.versioned(Response(WindowSerializer(window, context={"request": request}).data), window)

    @extend_schema(responses={204: None})
    def delete(self, request, pk):
        services.window_delete(actor=request.user, window=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)


class StepSpecSerializer(serializers.Serializer):
    resolver = serializers.CharField()
    role = serializers.CharField()


class RouteCaseSerializer(serializers.Serializer):
    route_key = serializers.CharField()
    steps = StepSpecSerializer(many=True)
    default_steps = StepSpecSerializer(many=True)


class RouteSerializer(serializers.Serializer):
    request_type = serializers.CharField()
    route_key = serializers.CharField(required=False, allow_blank=True, default="", max_length=32,
                                      help_text="the case this route serves (blank: the type's default route)")
    label = serializers.CharField(read_only=True)
    steps = StepSpecSerializer(many=True)
    default_steps = StepSpecSerializer(many=True, read_only=True)
    cases = RouteCaseSerializer(many=True, read_only=True)


@requires(get=Cap.POLICY_VIEW, put=Cap.POLICY_PROVINCE)
class RouteListApi(APIView):
    """Approval routes of the province; its system administrator edits one (requests in flight keep theirs)."""

    @extend_schema(responses={200: RouteSerializer(many=True)})
    def get(self, request):
        return Response(RouteSerializer(selectors.route_list(user=request.user), many=True).data)

    @extend_schema(request=RouteSerializer, responses={200: RouteSerializer})
    def put(self, request):
        data = RouteSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        route = services.route_set(actor=request.user, request_type=data.validated_data["request_type"],
                                   steps=[dict(s) for s in data.validated_data["steps"]],
                                   route_key=data.validated_data["route_key"])
        return Response({"request_type": route.request_type, "route_key": route.route_key, "steps": route.steps})


class SettingSerializer(serializers.Serializer):
    key = serializers.CharField()
    value = serializers.JSONField()
    description = serializers.CharField(read_only=True)
    default = serializers.JSONField(read_only=True)
    version = serializers.SerializerMethodField(help_text="the setting's version, for If-Match of the PUT")

    def get_version(self, row) -> str:
        return versions.version_of({row["key"]: row["value"]})


@requires(get=Cap.POLICY_VIEW, put=Cap.POLICY_PROVINCE)
class SettingListApi(APIView):
    """Limits of the province (proof and import file sizes); its system administrator changes them."""

    @extend_schema(responses={200: SettingSerializer(many=True)})
    def get(self, request):
        return Response(SettingSerializer(selectors.setting_list(user=request.user), many=True).data)

    @extend_schema(request=SettingSerializer, responses={200: SettingSerializer}, parameters=[
        OpenApiParameter("If-Match", str, OpenApiParameter.HEADER, required=False,
                         description="the setting's `version` as listed: a setting changed since answers 412")])
    def put(self, request):
        data = SettingSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        setting = services.setting_set(actor=request.user, key=data.validated_data["key"],
                                       value=data.validated_data["value"], version=versions.if_match(request))
        version = versions.version_of({setting.key: setting.value})
        return versions.with_etag(Response({"key": setting.key, "value": setting.value, "version": version}), version)


# Function switches ------------------------------------------------------------------------------------------

class SwitchStageSerializer(serializers.Serializer):
    stage = serializers.CharField()
    applies = serializers.BooleanField()
    value = serializers.JSONField(required=False)
    default = serializers.JSONField(required=False)
    source = serializers.SerializerMethodField()

    @extend_schema_field(SourceSerializer(allow_null=True))
    def get_source(self, obj) -> dict | None:
        return _source(obj.get("source"))


class SwitchSerializer(serializers.Serializer):
    key = serializers.CharField()
    label = serializers.CharField()
    help = serializers.CharField()
    stages = SwitchStageSerializer(many=True)


class SwitchSetSerializer(serializers.Serializer):
    stage = serializers.ChoiceField(choices=["1", "2", "3"])
    key = serializers.CharField()
    value = serializers.JSONField()


@requires(get=Cap.POLICY_VIEW, put=Cap.POLICY_PROVINCE)
class SwitchListApi(APIView):
    """管理功能设置 of the province per stage (primary 1, junior 2, senior 3): status changes allowed, new-student
    registration open, the grade-1 entry-age control, deleting a record with a formal national number."""

    @extend_schema(responses={200: SwitchSerializer(many=True)})
    def get(self, request):
        return Response(SwitchSerializer(selectors.switch_rows(user=request.user), many=True).data)

    @extend_schema(request=SwitchSetSerializer, responses={200: SwitchSetSerializer})
    def put(self, request):
        data = SwitchSetSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        row = services.switch_set(actor=request.user, **data.validated_data)
        return Response({"stage": row.stage, "key": row.key, "value": row.value})


# Controlled record items ------------------------------------------------------------------------------------

class ControlledItemSerializer(serializers.Serializer):
    item = serializers.CharField()
    title = serializers.CharField()
    group = serializers.CharField()
    controlled = serializers.BooleanField()
    editable = serializers.BooleanField(help_text="whether the user's level may change it")
    source = serializers.SerializerMethodField()

    @extend_schema_field(SourceSerializer(allow_null=True))
    def get_source(self, obj) -> dict | None:
        return _source(obj["source"])


class ControlledItemSetSerializer(serializers.Serializer):
    items = serializers.ListField(child=serializers.CharField(), allow_empty=True,
                                  help_text="the items the user's level controls (those above it aside)")


@requires(get=Cap.POLICY_VIEW, put=Cap.POLICY_MANAGE)
class ControlledItemListApi(APIView):
    """受控字段: the record items controlled for the user's unit and by whom; a level's system administrator sets
    the items its level controls (a school's edit of a controlled item becomes a change request)."""

    @extend_schema(responses={200: ControlledItemSerializer(many=True)})
    def get(self, request):
        return Response(ControlledItemSerializer(selectors.controlled_item_rows(user=request.user), many=True).data)

    @extend_schema(request=ControlledItemSetSerializer, responses={200: ControlledItemSerializer(many=True)})
    def put(self, request):
        data = ControlledItemSetSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.controlled_items_set(actor=request.user, items=data.validated_data["items"])
        return Response(ControlledItemSerializer(selectors.controlled_item_rows(user=request.user), many=True).data)


# Class-size caps --------------------------------------------------------------------------------------------

class CapValueSerializer(serializers.Serializer):
    cap = serializers.IntegerField(allow_null=True)
    locked_by = UnitSerializer(allow_null=True)
    source = serializers.SerializerMethodField()

    @extend_schema_field(SourceSerializer(allow_null=True))
    def get_source(self, obj) -> dict | None:
        return _source(obj["source"])


class CapRowSerializer(serializers.Serializer):
    stage = serializers.CharField()
    label = serializers.CharField()
    own = serializers.SerializerMethodField(help_text="the user's level's own cap, or null")
    above = serializers.SerializerMethodField(help_text="the cap of the levels above")
    effective = serializers.SerializerMethodField(help_text="the cap that binds the user's unit")
    editable = serializers.BooleanField()

    @extend_schema_field(serializers.DictField(allow_null=True))
    def get_own(self, row) -> dict | None:
        own = row["own"]
        return None if own is None else {"cap": own.cap, "locked": own.locked}

    @extend_schema_field(CapValueSerializer)
    def get_above(self, row) -> dict:
        return CapValueSerializer({"cap": row["above"].cap, "locked_by": row["above"].locked_by,
                                   "source": row["above_source"]}).data

    @extend_schema_field(CapValueSerializer)
    def get_effective(self, row) -> dict:
        return CapValueSerializer({"cap": row["effective"].cap, "locked_by": row["effective"].locked_by,
                                   "source": row["source"]}).data


class CapSetSerializer(serializers.Serializer):
    stage = serializers.ChoiceField(choices=["1", "2", "3"])
    cap = serializers.IntegerField(allow_null=True, help_text="pupils per class; null: set none, inherit")
    locked = serializers.BooleanField(default=False, help_text="the levels below inherit it, cannot set their own")


@requires(get=Cap.POLICY_VIEW, put=Cap.POLICY_MANAGE)
class ClassCapListApi(APIView):
    """班额: the caps per stage for the user's unit (own, above, binding, each with its source); a level's system
    administrator sets its own, never above the cap of the level above nor under a lock."""

    @extend_schema(responses={200: CapRowSerializer(many=True)})
    def get(self, request):
        return Response(CapRowSerializer(selectors.cap_rows(user=request.user), many=True).data)

    @extend_schema(request=CapSetSerializer, responses={200: CapRowSerializer(many=True)})
    def put(self, request):
        data = CapSetSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.cap_set(actor=request.user, **data.validated_data)
        return Response(CapRowSerializer(selectors.cap_rows(user=request.user), many=True).data)


class ClassCapDetailSerializer(serializers.Serializer):
    school_class = serializers.IntegerField()
    name = serializers.CharField()
    stage = serializers.CharField()
    cap = serializers.IntegerField(allow_null=True)
    locked_by = UnitSerializer(allow_null=True)
    seated = serializers.IntegerField(help_text="pupils holding a seat (drafts included, suspended pupils not)")
    left = serializers.IntegerField(allow_null=True)
    source = serializers.SerializerMethodField()

    @extend_schema_field(SourceSerializer(allow_null=True))
    def get_source(self, obj) -> dict | None:
        return _source(obj["source"])


@requires(Cap.POLICY_VIEW)
class ClassCapDetailApi(APIView):
    """The cap that binds one class, where it comes from, and the seats left."""

    @extend_schema(responses={200: ClassCapDetailSerializer})
    def get(self, request, pk):
        return Response(ClassCapDetailSerializer(selectors.class_cap_detail(user=request.user, pk=pk)).data)
