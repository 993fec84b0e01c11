"""Transfers API (转学): finding the pupil (exact, audited, limited per hour, masked), filing the transfer with its
proofs, the transfers in view, the transfers waiting for you, one transfer with who holds it and the classes its
receiving school may name. Approving, returning, rejecting and withdrawing go through the engine's endpoints
(api:request-decide with `data: {"school_class": id}` at the receiving school's step, api:request-reject, ...),
like every request."""

from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import generics, serializers, status
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response

from xueji.accounts.permissions import Cap
from xueji.core import codes
from xueji.core.api import SelectorMixin
from xueji.core.capabilities import requires
from xueji.core.errors import NotFound
from xueji.registry.presenters import presenter_for
from xueji.transfers import cancellation, crossing, finder, selectors, services
from xueji.transfers.checks import pupil_of
from xueji.transfers.choices import PROOF_KINDS, distance_label
from xueji.transfers.filters import TransferFilterSet
from xueji.transfers.models import Transfer
from xueji.workflow.resolvers import party_label


class FindSerializer(serializers.Serializer):
    national_number = serializers.CharField(required=False, allow_blank=True, max_length=24,
                                            help_text="学籍号, exactly (required for a pupil of another province)")
    id_number = serializers.CharField(required=False, allow_blank=True, max_length=32, help_text="ID number, exactly")
    name = serializers.CharField(required=False, allow_blank=True, max_length=64)
    sex = serializers.ChoiceField(required=False, allow_blank=True, choices=codes.SEX.choices())
    birth_date = serializers.DateField(required=False, allow_null=True, help_text="with name and sex")
    source_province = serializers.CharField(required=False, allow_blank=True, max_length=6,
                                            help_text="the pupil's province when it is not yours (GB/T 2260 code)")


class FoundSerializer(serializers.Serializer):
    token = serializers.CharField(help_text="files the transfer (api:transfer-file) within the hour, by you")
    name = serializers.CharField()
    sex = serializers.CharField()
    birth_date = serializers.DateField()
    national_number = serializers.CharField(help_text="masked")
    id_number = serializers.CharField(help_text="masked")
    school = serializers.CharField()
    county = serializers.CharField()
    city = serializers.CharField()
    province_code = serializers.CharField()
    grade = serializers.CharField()
    status = serializers.CharField()
    distance = serializers.CharField(help_text="same_county, across_counties, across_cities, across_provinces")
    cross_province = serializers.BooleanField()
    refusal = serializers.CharField(allow_null=True, help_text="why the pupil cannot be transferred to you now")


@requires(post=Cap.TRANSFER_FILE)
class TransferFindApi(generics.GenericAPIView):
    """转学: the receiving school finds the pupil exactly (national number, ID number, or name + sex + birth date),
    within the province; the answer is masked and audited, and a user's lookups are limited per hour (429
    find_limit). POST, so the numbers stay out of URLs and logs. 404 pupil_not_found when nothing matches."""

    serializer_class = FindSerializer
    queryset = Transfer.objects.none()  # for the schema only; the lookup is a service

    @extend_schema(request=FindSerializer, responses={200: FoundSerializer})
    def post(self, request):
        data = FindSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        found = finder.pupil_find(actor=request.user, **data.validated_data)
        if found is None:
            raise NotFound("No pupil matches exactly within the province.", code="pupil_not_found")
        return Response(FoundSerializer(found).data)


def _proof_fields() -> dict:
    return {f"proof_{kind}": serializers.ListField(child=serializers.FileField(), required=False, max_length=3,
                                                   help_text=str(label))
            for kind, label in PROOF_KINDS.items()}


TransferFileSerializer = type("TransferFileSerializer", (serializers.Serializer,), {
    "token": serializers.CharField(max_length=512, help_text="from api:transfer-find"),
    "school_class": serializers.IntegerField(required=False, allow_null=True,
                                             help_text="the class the pupil joins (else named at your school's step)"),
    "migrant": serializers.BooleanField(required=False, default=False, help_text="随迁子女"),
    "reason": serializers.CharField(required=False, allow_blank=True, max_length=255),
    **_proof_fields(),
})


def _proofs(request) -> dict:
    files = getattr(request, "FILES", None)
    if files is None:
        return {}
    return {kind: files.getlist(f"proof_{kind}")[:3] for kind in PROOF_KINDS if files.getlist(f"proof_{kind}")}


class TransferSerializer(serializers.ModelSerializer):
    id = serializers.IntegerField(source="request_id", read_only=True)
    student_name = serializers.SerializerMethodField(help_text="the record's, or (the receiving side across "
                                                                "provinces, before 调档) the sending province's")
    pupil = serializers.SerializerMethodField(help_text="the receiving side across provinces: the sending "
                                                        "province's answer to the lookup (masked)")
    national_number = serializers.SerializerMethodField(help_text="masked")
    state_label = serializers.CharField(source="get_state_display", read_only=True)
    distance_label = serializers.SerializerMethodField()
    destination_class_name = serializers.CharField(source="destination_class.display_name", default="",
                                                   read_only=True)
    request_status = serializers.CharField(source="request.status", read_only=True)
    holder = serializers.SerializerMethodField(help_text="who holds it now: unit, role and since when")

    class Meta:
        model = Transfer
        fields = ["id", "request_status", "state", "state_label", "distance", "distance_label", "migrant",
                  "student", "student_name", "pupil", "national_number", "source_school", "source_school_name",
                  "destination_school", "destination_school_name", "destination_class", "destination_class_name",
                  "source_province_code", "destination_province_code", "holder", "filed_at", "decided_at",
                  "completed_at", "escalated_at", "side", "peer_key", "retrieval_at", "cancellation", "outcome"]

    def get_student_name(self, obj) -> str:
        if getattr(obj, "pupil_withheld", False):  # a labelled pupil, the reader not cleared (control 10)
            from xueji.transfers.selectors import withheld_name

            return withheld_name()
        return pupil_of(obj).name

    def get_pupil(self, obj) -> dict | None:
        return presenter_for(None).mapping(obj.pupil) if obj.pupil else None

    def get_national_number(self, obj) -> str:
        if getattr(obj, "pupil_withheld", False):
            return ""
        return presenter_for(None).national_number(obj.national_number)

    def to_representation(self, instance):
        data = super().to_representation(instance)
        if getattr(instance, "pupil_withheld", False):
            data["student"] = None  # its id names the pupil's record too
        return data

    def get_distance_label(self, obj) -> str:
        return distance_label(obj.distance)

    def get_holder(self, obj) -> dict | None:
        if not getattr(obj, "holder_name", None):
            return None
        return {"unit": obj.holder_unit, "unit_name": obj.holder_name, "role": obj.holder_role,
                "party": str(party_label(obj.holder_party)), "since": obj.request.updated_at}


class ClassOptionSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="school_class.pk")
    name = serializers.CharField(source="school_class.display_name")
    left = serializers.IntegerField(allow_null=True, help_text="seats left under the cap (null: no cap)")
    full = serializers.BooleanField()


class TransferDetailSerializer(TransferSerializer):
    steps = serializers.SerializerMethodField()
    permitted = serializers.SerializerMethodField(help_text="what you may do now (the engine's names)")
    class_options = serializers.SerializerMethodField(help_text="at the receiving school's step: the classes of "
                                                                "the pupil's grade, with the seats left")

    class Meta(TransferSerializer.Meta):
        fields = TransferSerializer.Meta.fields + ["reason", "steps", "permitted", "class_options"]

    def _decision_of(self, obj):
        if "_decision" not in self.context:
            self.context["_decision"] = selectors.decision_context(user=self.context["request"].user, transfer=obj)
        return self.context["_decision"]

    def get_steps(self, obj) -> list[dict]:
        from xueji.workflow.selectors import request_steps

        return [{"id": s.pk, "round": s.round, "order": s.order, "party": str(party_label(s.resolver)),
                 "resolver": s.resolver, "org_unit_name": s.org_unit.name, "role": s.role, "status": s.status,
                 "decided_at": s.decided_at} for s in request_steps(request=obj.request)]

    def get_permitted(self, obj) -> list[str]:
        return self._decision_of(obj).permissions.names()

    def get_class_options(self, obj) -> list[dict]:
        return ClassOptionSerializer(self._decision_of(obj).class_options, many=True).data


@requires(post=Cap.TRANSFER_FILE)
class TransferFileApi(generics.GenericAPIView):
    """转学: the receiving school files the transfer of the pupil it found (`token`), multipart with the stamped
    transfer certificate `proof_certificate` (and the proofs the province requires: `proof_<kind>`), optionally the
    class. A second transfer or status change open on the pupil answers 409 request_in_progress."""

    serializer_class = TransferFileSerializer
    parser_classes = [MultiPartParser, FormParser, JSONParser]

    @extend_schema(request={"multipart/form-data": TransferFileSerializer}, responses={201: TransferSerializer})
    def post(self, request):
        data = TransferFileSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        filed = services.transfer_file(actor=request.user, token=values["token"], proofs=_proofs(request),
                                       school_class=values.get("school_class"), migrant=values.get("migrant", False),
                                       reason=values.get("reason", ""))
        filed = selectors.access_transfer_by_id(user=request.user, pk=filed.pk)
        return Response(TransferSerializer(filed, context={"request": request}).data, status=status.HTTP_201_CREATED)


@requires(get=Cap.REQUEST_VIEW)
@extend_schema_view(get=extend_schema(parameters=[OpenApiParameter(p) for p in TransferFilterSet.base_filters]))
class TransferListApi(SelectorMixin, generics.ListAPIView):
    """转学: the transfers of your jurisdiction (either school in it), newest first."""

    serializer_class = TransferSerializer
    list_selector = selectors.transfer_list
    list_filters = TransferFilterSet


@requires(get=Cap.REQUEST_VIEW)
@extend_schema_view(get=extend_schema(parameters=[OpenApiParameter(p) for p in TransferFilterSet.base_filters]))
class TransferInboxApi(SelectorMixin, generics.ListAPIView):
    """转学待办: the transfers whose current step waits for you, the longest waiting first."""

    serializer_class = TransferSerializer
    list_selector = selectors.transfer_inbox
    list_filters = TransferFilterSet


@requires(get=Cap.REQUEST_VIEW)
class TransferDetailApi(SelectorMixin, generics.RetrieveAPIView):
    serializer_class = TransferDetailSerializer
    get_selector = selectors.access_transfer_by_id


class RetrieveSerializer(serializers.Serializer):
    school_class = serializers.IntegerField(required=False, allow_null=True,
                                            help_text="the class the pupil joins (else the one named before)")


class CancelSerializer(serializers.Serializer):
    reason = serializers.CharField(required=False, allow_blank=True, max_length=255)


@requires(post=Cap.TRANSFER_FILE)
class TransferRetrieveApi(generics.GenericAPIView):
    """调档: the receiving school of a cross-province transfer approved on both sides asks for the file, naming
    the class. 409 not_approved before both approvals; a repeat changes nothing."""

    serializer_class = RetrieveSerializer

    @extend_schema(responses={200: TransferSerializer})
    def post(self, request, pk):
        data = RetrieveSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        transfer = selectors.access_transfer_by_id(user=request.user, pk=pk)
        crossing.transfer_retrieve(actor=request.user, transfer=transfer,
                                   school_class=data.validated_data.get("school_class"))
        transfer = selectors.access_transfer_by_id(user=request.user, pk=pk)
        return Response(TransferSerializer(transfer, context={"request": request}).data)


@requires(post=Cap.TRANSFER_FILE)
class TransferCancelApi(generics.GenericAPIView):
    """跨省转学撤销: the receiving school files the cancellation (approved by both sides' parties, in their
    engines). 409 already_retrieved after 调档, not_cancellable before both approvals; a repeat changes nothing."""

    serializer_class = CancelSerializer

    @extend_schema(responses={200: TransferSerializer})
    def post(self, request, pk):
        data = CancelSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        transfer = selectors.access_transfer_by_id(user=request.user, pk=pk)
        cancellation.cancellation_file(actor=request.user, transfer=transfer,
                                       reason=data.validated_data.get("reason", ""))
        transfer = selectors.access_transfer_by_id(user=request.user, pk=pk)
        return Response(TransferSerializer(transfer, context={"request": request}).data)
