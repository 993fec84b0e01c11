"""平台账号 and 服务统计 API: the account types, your unit's reports of its super administrator and the reports of
the units below (list, report, bind), and the support reports as JSON. Thin: support.accounts and support.reports."""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from xueji.accounts.permissions import Cap
from xueji.core.capabilities import requires
from xueji.support import accounts, reports
from xueji.support.platform_models import AccountReport


class AccountReportSerializer(serializers.ModelSerializer):
    org_unit_name = serializers.CharField(source="org_unit.name", read_only=True)
    username = serializers.CharField(source="user.username", read_only=True)

    class Meta:
        model = AccountReport
        fields = ["id", "org_unit", "org_unit_name", "parent_org", "user", "username", "status", "reported_at",
                  "bound_at", "channels"]


class FileSerializer(serializers.Serializer):
    user = serializers.IntegerField()
    phone = serializers.CharField(max_length=20, required=False, allow_blank=True, default="")
    email = serializers.EmailField(required=False, allow_blank=True, default="")


@requires(Cap.PLATFORM_ACCOUNTS)
class AccountReportListApi(APIView):
    """GET: the account types, your unit's reports and those of the units below to bind. POST: report your unit's
    super administrator (one of its system administrators) to the level above."""

    @extend_schema(responses={200: None})
    def get(self, request):
        return Response({
            "types": [{"key": t["key"], "label": str(t["label"]), "roles": list(t["roles"])}
                      for t in accounts.ACCOUNT_TYPES],
            "filed": AccountReportSerializer(accounts.reports_filed(user=request.user)[:50], many=True).data,
            "to_bind": AccountReportSerializer(accounts.reports_to_bind(user=request.user)[:100], many=True).data})

    @extend_schema(request=FileSerializer, responses={201: AccountReportSerializer})
    def post(self, request):
        data = FileSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        report = accounts.report_file(actor=request.user, user_id=values["user"], phone=values["phone"],
                                      email=values["email"])
        return Response(AccountReportSerializer(report).data, status=status.HTTP_201_CREATED)


@requires(Cap.PLATFORM_ACCOUNTS)
class AccountReportBindApi(APIView):
    """The level above binds a reported super administrator: new credentials, sent by SMS and e-mail."""

    @extend_schema(request=None, responses=AccountReportSerializer)
    def post(self, request, pk):
        report = accounts.report_bind(actor=request.user, report=accounts.report_get(user=request.user, pk=pk))
        return Response(AccountReportSerializer(report).data)


@requires(Cap.SUPPORT_REPORT)
class SupportReportsApi(APIView):
    """The support reports of your area (`report`: tickets, escalations, times, unread, coverage; repeatable)."""

    @extend_schema(responses={200: None})
    def get(self, request):
        keys = [k for k in request.query_params.getlist("report") if k in reports.REPORTS] or None
        return Response({"reports": reports.all_reports(user=request.user, keys=keys)})
