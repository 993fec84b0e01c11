from drf_spectacular.utils import extend_schema
from rest_framework import generics, serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from xueji.accounts.permissions import Cap
from xueji.core.api import SelectorMixin
from xueji.core.capabilities import SIGNED_IN, requires
from xueji.policy import selectors, services
from xueji.policy.models import BusinessWindow


class WindowSerializer(serializers.ModelSerializer):
    label = serializers.SerializerMethodField()

    class Meta:
        model = BusinessWindow
        fields = ["id", "province_code", "kind", "label", "start_date", "end_date", "note"]

    def get_label(self, obj) -> str:
        return services.WINDOW_KINDS.get(obj.kind, obj.kind)


class WindowCreateSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=list(services.WINDOW_KINDS))
    start_date = serializers.DateField()
    end_date = serializers.DateField()
    note = serializers.CharField(required=False, allow_blank=True, max_length=255)


@requires(get=SIGNED_IN, post=Cap.POLICY_MANAGE)
class WindowListApi(generics.ListAPIView):
    """业务时间 of the user's province; province registrars open new ones."""

    serializer_class = WindowSerializer

    def get_queryset(self):
        return selectors.window_list(user=self.request.user)

    @extend_schema(request=WindowCreateSerializer, responses={201: WindowSerializer})
    def post(self, request):
        data = WindowCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        window = services.window_set(actor=request.user, **data.validated_data)
        return Response(WindowSerializer(window).data, status=status.HTTP_201_CREATED)


@requires(Cap.POLICY_MANAGE)
class WindowDetailApi(SelectorMixin, generics.GenericAPIView):
    serializer_class = WindowSerializer
    get_selector = selectors.window_get

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


@requires(get=SIGNED_IN, put=Cap.POLICY_MANAGE)
class RouteListApi(APIView):
    """Approval routes of the province; a province registrar edits one (requests in flight keep theirs)."""

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


@requires(get=SIGNED_IN, put=Cap.POLICY_MANAGE)
class SettingListApi(APIView):
    """Function switches and limits of the province (e.g. grade-1 entry age control, proof size)."""

    @extend_schema(responses={200: SettingSerializer(many=True)})
    def get(self, request):
        return Response(SettingSerializer(selectors.setting_list(user=request.user), many=True).data)

    @extend_schema(request=SettingSerializer, responses={200: SettingSerializer})
    def put(self, request):
        data = SettingSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        setting = services.setting_set(actor=request.user, key=data.validated_data["key"],
                                       value=data.validated_data["value"])
        return Response({"key": setting.key, "value": setting.value})
