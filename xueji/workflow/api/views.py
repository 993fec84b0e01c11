from django.http import FileResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import generics, serializers, status
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response

from xueji.accounts.permissions import Cap
from xueji.core.api import SelectorMixin
from xueji.core.capabilities import SIGNED_IN, requires
from xueji.workflow import selectors, services
from xueji.workflow.filters import InboxFilterSet, RequestFilterSet
from xueji.workflow.models import Action, Proof, Request, Step
from xueji.workflow.resolvers import RESOLVER_LABELS
from xueji.workflow.types import payload_shown, request_type


def _presenter(serializer):
    """The viewer's presenter of personal items (masked when the serializer has no request)."""
    from xueji.registry.presenters import presenter_for

    request = serializer.context.get("request")
    return presenter_for(getattr(request, "user", None))


class StepSerializer(serializers.ModelSerializer):
    org_unit_name = serializers.CharField(source="org_unit.name", read_only=True)
    party = serializers.SerializerMethodField()
    decided_by = serializers.CharField(source="decided_by.username", default=None, read_only=True)

    class Meta:
        model = Step
        fields = ["id", "round", "order", "resolver", "party", "org_unit", "org_unit_name", "role", "status",
                  "decided_by", "decided_at", "comment"]

    def get_party(self, obj) -> str:
        return RESOLVER_LABELS.get(obj.resolver, obj.resolver)

    def to_representation(self, instance):
        data = super().to_representation(instance)
        data["comment"] = _presenter(self).text(data["comment"])  # free text may quote a number
        return data


class ActionSerializer(serializers.ModelSerializer):
    actor = serializers.CharField(source="actor.username", read_only=True)
    org_unit_name = serializers.CharField(source="org_unit.name", read_only=True)
    data = serializers.SerializerMethodField(help_text="what the decision carried (checked by the request type)")

    class Meta:
        model = Action
        fields = ["id", "kind", "actor", "org_unit_name", "comment", "at", "step", "status_after", "data"]

    def get_data(self, obj) -> dict | None:
        return _presenter(self).mapping(obj.data) if obj.data else None

    def to_representation(self, instance):
        data = super().to_representation(instance)
        data["comment"] = _presenter(self).text(data["comment"])
        return data


class ProofSerializer(serializers.ModelSerializer):
    class Meta:
        model = Proof
        fields = ["id", "original_name", "content_type", "size", "sha256", "description", "uploaded_at"]


class RequestSerializer(serializers.ModelSerializer):
    type_label = serializers.SerializerMethodField()
    filer = serializers.CharField(source="filer.username", read_only=True)
    filer_org_name = serializers.CharField(source="filer_org.name", read_only=True)
    payload = serializers.SerializerMethodField(help_text="as the request type presents it: personal items "
                                                          "masked unless the role needs them")
    result = serializers.SerializerMethodField()

    class Meta:
        model = Request
        fields = ["id", "type", "type_label", "title", "status", "filer", "filer_org", "filer_org_name", "round",
                  "reject_reason", "payload", "result", "created_at", "updated_at", "finished_at"]

    def get_type_label(self, obj) -> str:
        return request_type(obj.type).label

    def get_payload(self, obj) -> dict:
        if getattr(obj, "pupil_withheld", False):  # a labelled pupil, the reader not cleared (workflow/labels.py)
            return {}
        return payload_shown(obj, _presenter(self))

    def get_result(self, obj) -> dict | None:
        if getattr(obj, "pupil_withheld", False):
            return None
        return _presenter(self).mapping(obj.result)

    def to_representation(self, instance):
        data = super().to_representation(instance)
        shown = _presenter(self)
        data["title"], data["reject_reason"] = shown.text(instance.shown_title), shown.text(data["reject_reason"])
        return data


class RequestDetailSerializer(RequestSerializer):
    steps = serializers.SerializerMethodField()
    actions = serializers.SerializerMethodField()
    proofs = ProofSerializer(many=True, read_only=True)
    permitted = serializers.SerializerMethodField(help_text="what you may do with this request now (the page "
                                                            "offers the same): approve, return, reject, complete, "
                                                            "withdraw, resubmit, cancel, add_proof")

    class Meta(RequestSerializer.Meta):
        fields = RequestSerializer.Meta.fields + ["route_key", "steps", "actions", "proofs", "permitted"]

    def get_permitted(self, obj) -> list[str]:
        return selectors.request_permissions(user=self.context["request"].user, request=obj).names()

    def get_steps(self, obj) -> list[dict]:
        return StepSerializer(selectors.request_steps(request=obj), many=True, context=self.context).data

    def get_actions(self, obj) -> list[dict]:
        return ActionSerializer(selectors.request_actions(request=obj), many=True, context=self.context).data


class InboxItemSerializer(serializers.ModelSerializer):
    request = RequestSerializer(read_only=True)

    def to_representation(self, instance):
        instance.request.pupil_withheld = getattr(instance, "pupil_withheld", False)  # annotated on the step
        return super().to_representation(instance)

    class Meta:
        model = Step
        fields = ["id", "round", "order", "role", "request"]


@requires(Cap.REQUEST_VIEW)
@extend_schema_view(get=extend_schema(parameters=[OpenApiParameter(p) for p in RequestFilterSet.base_filters]))
class RequestListApi(SelectorMixin, generics.ListAPIView):
    """Requests filed by the user's unit or with a step in their jurisdiction."""

    serializer_class = RequestSerializer
    list_selector = selectors.request_list
    list_filters = RequestFilterSet


@requires(Cap.REQUEST_VIEW)
class RequestDetailApi(SelectorMixin, generics.RetrieveAPIView):
    serializer_class = RequestDetailSerializer
    get_selector = selectors.request_get


@requires(SIGNED_IN)  # the steps of the user's unit and roles: nothing for a role that decides none
@extend_schema_view(get=extend_schema(parameters=[OpenApiParameter(p) for p in InboxFilterSet.base_filters]))
class InboxApi(SelectorMixin, generics.ListAPIView):
    """待办: the steps this user may decide now."""

    serializer_class = InboxItemSerializer
    list_selector = selectors.inbox
    list_filters = InboxFilterSet


class DecisionSerializer(serializers.Serializer):
    approve = serializers.BooleanField()
    comment = serializers.CharField(required=False, allow_blank=True, max_length=2000)
    step = serializers.IntegerField(required=False, help_text="the step id you saw; refused if already decided")
    data = serializers.DictField(required=False, help_text="what an approval carries where the step asks for it "
                                                           "(e.g. an arbiter's choice); checked by the request type")


@requires(Cap.REQUEST_VIEW)
class DecideApi(SelectorMixin, generics.GenericAPIView):
    serializer_class = DecisionSerializer
    get_selector = selectors.request_get

    @extend_schema(request=DecisionSerializer, responses={200: RequestSerializer})
    def post(self, request, pk):
        data = DecisionSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        decided = services.request_decide(actor=request.user, request=self.get_object(), approve=values["approve"],
                                          comment=values.get("comment", ""), step_id=values.get("step"),
                                          data=values.get("data"))
        return Response(RequestSerializer(decided, context={"request": request}).data)


class ReasonSerializer(serializers.Serializer):
    comment = serializers.CharField(required=False, allow_blank=True, max_length=2000,
                                    help_text="the reason (required: the filer reads it)")
    step = serializers.IntegerField(required=False, help_text="the step id you saw; refused if already decided")


@requires(Cap.REQUEST_VIEW)
class RejectApi(SelectorMixin, generics.GenericAPIView):
    """The current step rejects the request for good (the filer cannot resubmit it)."""

    serializer_class = ReasonSerializer
    get_selector = selectors.request_get

    @extend_schema(request=ReasonSerializer, responses={200: RequestSerializer})
    def post(self, request, pk):
        data = ReasonSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        done = services.request_reject(actor=request.user, request=self.get_object(),
                                       comment=data.validated_data.get("comment", ""),
                                       step_id=data.validated_data.get("step"))
        return Response(RequestSerializer(done, context={"request": request}).data)


@requires(Cap.REQUEST_VIEW)
class CancelApi(SelectorMixin, generics.GenericAPIView):
    """The authority of the final approval cancels an approved request (撤销); the type's undo reverses it."""

    serializer_class = ReasonSerializer
    get_selector = selectors.request_get

    @extend_schema(request=ReasonSerializer, responses={200: RequestSerializer})
    def post(self, request, pk):
        data = ReasonSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        done = services.request_cancel(actor=request.user, request=self.get_object(),
                                       comment=data.validated_data.get("comment", ""))
        return Response(RequestSerializer(done, context={"request": request}).data)


class CompleteSerializer(serializers.Serializer):
    comment = serializers.CharField(required=False, allow_blank=True, max_length=2000)
    step = serializers.IntegerField(required=False, help_text="the follow-up step id you saw")
    data = serializers.DictField(required=False, help_text="what the follow-up work records (by request type)")


@requires(Cap.REQUEST_VIEW)
class CompleteApi(SelectorMixin, generics.GenericAPIView):
    """The follow-up party completes the work after approval (调档)."""

    serializer_class = CompleteSerializer
    get_selector = selectors.request_get

    @extend_schema(request=CompleteSerializer, responses={200: RequestSerializer})
    def post(self, request, pk):
        data = CompleteSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        done = services.request_complete(actor=request.user, request=self.get_object(),
                                         comment=values.get("comment", ""), data=values.get("data"),
                                         step_id=values.get("step"))
        return Response(RequestSerializer(done, context={"request": request}).data)


class BulkDecisionSerializer(serializers.Serializer):
    requests = serializers.ListField(child=serializers.IntegerField(), allow_empty=False, max_length=500)
    approve = serializers.BooleanField()
    comment = serializers.CharField(required=False, allow_blank=True, max_length=2000)


class BulkOutcomeSerializer(serializers.Serializer):
    request_id = serializers.IntegerField()
    ok = serializers.BooleanField()
    message = serializers.CharField()


@requires(Cap.REQUEST_VIEW)
class BulkDecideApi(generics.GenericAPIView):
    """Approve (or return) many requests at once; each is decided on its own."""

    serializer_class = BulkDecisionSerializer
    queryset = Request.objects.none()  # for the schema only; reads go through selectors

    @extend_schema(request=BulkDecisionSerializer, responses={200: BulkOutcomeSerializer(many=True)})
    def post(self, request):
        data = BulkDecisionSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        visible = {r.pk: r for r in selectors.request_list(user=request.user).filter(pk__in=values["requests"])}
        outcomes = []
        found = [visible[pk] for pk in values["requests"] if pk in visible]
        for pk in values["requests"]:
            if pk not in visible:
                outcomes.append({"request_id": pk, "ok": False, "message": "Not found."})
        for outcome in services.request_bulk_decide(actor=request.user, requests=found, approve=values["approve"],
                                                    comment=values.get("comment", "")):
            outcomes.append({"request_id": outcome.request_id, "ok": outcome.ok, "message": outcome.message})
        return Response(outcomes)


class CommentSerializer(serializers.Serializer):
    comment = serializers.CharField(required=False, allow_blank=True, max_length=2000)


@requires(Cap.REQUEST_VIEW)  # withdraw and resubmit inherit it
class _FilerActionApi(SelectorMixin, generics.GenericAPIView):
    """The filer's own actions on a request (withdraw, resubmit): a comment in, the request out."""

    serializer_class = CommentSerializer
    get_selector = selectors.request_get
    service = None

    @extend_schema(request=CommentSerializer, responses={200: RequestSerializer})
    def post(self, request, pk):
        data = CommentSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        done = type(self).service(actor=request.user, request=self.get_object(), **data.validated_data)
        return Response(RequestSerializer(done, context={"request": request}).data)


class WithdrawApi(_FilerActionApi):
    service = services.request_withdraw


class ResubmitApi(_FilerActionApi):
    service = services.request_resubmit


class ProofUploadSerializer(serializers.Serializer):
    file = serializers.FileField()
    description = serializers.CharField(required=False, allow_blank=True, max_length=255)


@requires(Cap.REQUEST_VIEW)
class ProofUploadApi(SelectorMixin, generics.GenericAPIView):
    serializer_class = ProofUploadSerializer
    get_selector = selectors.request_get
    parser_classes = [MultiPartParser]

    @extend_schema(request={"multipart/form-data": ProofUploadSerializer}, responses={201: ProofSerializer})
    def post(self, request, pk):
        data = ProofUploadSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        proof = services.proof_add(actor=request.user, request=self.get_object(), upload=data.validated_data["file"],
                                   description=data.validated_data.get("description", ""))
        return Response(ProofSerializer(proof).data, status=status.HTTP_201_CREATED)


@requires(Cap.REQUEST_VIEW)
class ProofDownloadApi(SelectorMixin, generics.GenericAPIView):
    get_selector = selectors.proof_get

    @extend_schema(responses={(200, "application/octet-stream"): OpenApiTypes.BINARY})
    def get(self, request, pk):
        proof = self.get_object()
        path = services.proof_open(actor=request.user, proof=proof)
        response = FileResponse(path.open("rb"), content_type=proof.content_type, as_attachment=True,
                                filename=proof.original_name)
        response["X-Content-Type-Options"] = "nosniff"
        return response
