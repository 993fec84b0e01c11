"""Reports API (统计报表): the dashboard of the user's authority (every chart's table, or one by `chart`), the
statistics returns (import, list, the comparison with the records), funding rules, allocations (compute, detail
with the per-county and per-school lines and the pupils listed apart, file for approval). Thin: selectors read,
services write; the same rules as the pages."""

from django.core.paginator import Paginator
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from xueji.accounts.permissions import Cap
from xueji.core.capabilities import requires
from xueji.reports import comparison, selectors, services
from xueji.reports.choices import Programme
from xueji.reports.models import Allocation, FundingRule, StatisticsReturn

PER_PAGE = 100


def _page(request, queryset, serializer) -> dict:
    page = Paginator(queryset, PER_PAGE).get_page(request.query_params.get("page"))
    return {"count": page.paginator.count, "page": page.number, "results": serializer(page.object_list, many=True).data}


@requires(Cap.STUDENT_VIEW)
class DashboardApi(APIView):
    """The charts of your authority over its area: each with its columns and rows (`chart`: one of them)."""

    @extend_schema(responses={200: dict})
    def get(self, request):
        charts = selectors.dashboard(user=request.user, only=request.query_params.get("chart") or None)
        return Response({"unit": request.user.org_unit.name, "charts": [c.as_dict() for c in charts]})


class ReturnSerializer(serializers.ModelSerializer):
    class Meta:
        model = StatisticsReturn
        fields = ["id", "org_unit", "stat_date", "original_name", "uploaded_at", "rows"]


class ImportSerializer(serializers.Serializer):
    stat_date = serializers.DateField()
    file = serializers.FileField()


@requires(Cap.STUDENT_VIEW)
class StatisticsListApi(APIView):
    """GET: the statistics returns of your area. POST (multipart: stat_date, file): import one; every row error is
    answered at once (`details.errors`: row, column, message), nothing imported."""

    parser_classes = [MultiPartParser, FormParser, JSONParser]

    def get(self, request):
        return Response(_page(request, selectors.return_list(user=request.user), ReturnSerializer))

    @extend_schema(request=ImportSerializer, responses={201: ReturnSerializer})
    def post(self, request):
        data = ImportSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        ret = services.statistics_import(actor=request.user, upload=data.validated_data["file"],
                                         stat_date=data.validated_data["stat_date"])
        return Response(ReturnSerializer(ret).data, status=status.HTTP_201_CREATED)


@requires(Cap.STUDENT_VIEW)
class StatisticsDetailApi(APIView):
    """A statistics return compared with the records at its date: every school, grade and sex that differs, with the
    pupils that may explain it (national numbers masked unless you may see them)."""

    def get(self, request, pk: int):
        ret = selectors.return_get(user=request.user, pk=pk)
        result = comparison.compare(user=request.user, statistics_return=ret)
        return Response({**ReturnSerializer(ret).data, "rows_compared": result.rows_compared,
                         "replayed": result.replayed, "truncated": result.truncated,
                         "differences": [d.as_dict() for d in result.differences]})


class RuleSerializer(serializers.ModelSerializer):
    programme = serializers.ChoiceField(choices=Programme.choices)

    class Meta:
        model = FundingRule
        fields = ["id", "stage", "programme", "amount", "valid_from", "valid_to"]
        read_only_fields = ["id"]


@requires(Cap.STUDENT_VIEW, post=Cap.REQUEST_FILE)
class RuleListApi(APIView):
    """GET: the funding rules of your province. POST: a new rule (the province's registrar); an overlapping one is
    refused (409 rule_overlap, the rule it overlaps in `details.rule`)."""

    def get(self, request):
        return Response(RuleSerializer(selectors.rule_list(user=request.user), many=True).data)

    @extend_schema(request=RuleSerializer, responses={201: RuleSerializer})
    def post(self, request):
        data = RuleSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        rule = services.funding_rule_create(actor=request.user, **data.validated_data)
        return Response(RuleSerializer(rule).data, status=status.HTTP_201_CREATED)


class AllocationSerializer(serializers.ModelSerializer):
    class Meta:
        model = Allocation
        fields = ["id", "at_date", "status", "total", "pupils", "excluded", "request_id", "created_at",
                  "approved_at"]


class RunSerializer(serializers.Serializer):
    at_date = serializers.DateField()


@requires(Cap.STUDENT_VIEW, post=Cap.REQUEST_FILE)
class AllocationListApi(APIView):
    """GET: the allocations of your area. POST (at_date): compute one from the verified enrolment at that date."""

    def get(self, request):
        return Response(_page(request, selectors.allocation_list(user=request.user), AllocationSerializer))

    @extend_schema(request=RunSerializer, responses={201: AllocationSerializer})
    def post(self, request):
        data = RunSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        allocation = services.allocation_create(actor=request.user, at_date=data.validated_data["at_date"])
        return Response(AllocationSerializer(allocation).data, status=status.HTTP_201_CREATED)


@requires(Cap.STUDENT_VIEW)
class AllocationDetailApi(APIView):
    """An allocation: per county, per school (first 1000 lines of your area) and the pupils listed apart (count)."""

    def get(self, request, pk: int):
        allocation = selectors.allocation_get(user=request.user, pk=pk)
        lines = selectors.allocation_lines(user=request.user, allocation=allocation)[:1000]
        return Response({**AllocationSerializer(allocation).data,
                         "counties": [{"county": c["county_id"], "name": c["county__name"], "pupils": c["pupils"],
                                       "total": str(c["total"])}
                                      for c in selectors.allocation_counties(user=request.user, allocation=allocation)],
                         "lines": [{"school": ln.school_id, "school_name": ln.school.name, "county": ln.county_id,
                                    "stage": ln.stage, "programme": ln.programme, "pupils": ln.pupils,
                                    "amount": str(ln.amount), "total": str(ln.total)} for ln in lines],
                         "listed_apart": selectors.allocation_left_out(user=request.user,
                                                                       allocation=allocation).count()})


@requires(Cap.REQUEST_FILE)
class AllocationSubmitApi(APIView):
    """File the allocation for the province leader's approval; approved, it is frozen."""

    def post(self, request, pk: int):
        allocation = selectors.allocation_get(user=request.user, pk=pk)
        allocation = services.allocation_submit(actor=request.user, allocation=allocation)
        return Response(AllocationSerializer(allocation).data)
