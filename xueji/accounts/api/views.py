from django.conf import settings
from django.contrib.auth import HASH_SESSION_KEY, update_session_auth_hash
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import generics, serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from xueji.accounts import second_factor, security_settings, selectors, services
from xueji.accounts.auth import credentials_verify
from xueji.accounts.filters import AuditorFilterSet, UserFilterSet
from xueji.accounts.models import Role, User
from xueji.accounts.permissions import Cap, user_caps
from xueji.core.api import SelectorMixin, VersionedMixin
from xueji.core.capabilities import PUBLIC, SIGNED_IN, requires
from xueji.core.errors import Forbidden
from xueji.regions.selectors import org_unit_get


class UserSerializer(serializers.ModelSerializer):
    roles = serializers.SerializerMethodField()
    org_unit_name = serializers.CharField(source="org_unit.name", read_only=True)

    class Meta:
        model = User
        fields = ["id", "username", "full_name", "phone", "email", "org_unit", "org_unit_name", "roles",
                  "is_active", "must_change_password", "password_changed_at", "last_login"]

    def get_roles(self, obj) -> list[str]:
        return sorted(obj.role_set)


class MeSerializer(UserSerializer):
    capabilities = serializers.SerializerMethodField()
    password_expired = serializers.SerializerMethodField()
    second_factor_required = serializers.SerializerMethodField()
    second_factor_enrolled = serializers.SerializerMethodField()

    class Meta(UserSerializer.Meta):
        fields = UserSerializer.Meta.fields + ["capabilities", "password_expired", "second_factor_required",
                                               "second_factor_enrolled"]

    def get_second_factor_required(self, obj) -> bool:
        return second_factor.required(obj)

    def get_second_factor_enrolled(self, obj) -> bool:
        return second_factor.is_enrolled(obj)

    def get_capabilities(self, obj) -> list[str]:
        return sorted(user_caps(obj))

    def get_password_expired(self, obj) -> bool:
        return security_settings.password_expired(obj)


class TokenRequestSerializer(serializers.Serializer):
    username = serializers.CharField(max_length=150)
    password = serializers.CharField(max_length=128, trim_whitespace=False)
    # The second factor of the roles that need one (accounts/second_factor.py): a current TOTP code or an unused
    # recovery code. Without it such an account gets no token (403 second_factor_required).
    otp = serializers.CharField(max_length=32, required=False, allow_blank=True)


class TokenResponseSerializer(serializers.Serializer):
    token = serializers.CharField()
    expires_hours = serializers.IntegerField()
    password_expired = serializers.BooleanField()


@requires(PUBLIC)
class TokenApi(APIView):
    """Exchange a username and password for an API token (same lockout and rate limits as the web login)."""

    authentication_classes: list = []

    @extend_schema(request=TokenRequestSerializer, responses={200: TokenResponseSerializer})
    def post(self, request):
        data = TokenRequestSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        code = values.pop("otp", "")
        user = credentials_verify(request=request._request, **values)
        proved = False
        if second_factor.required(user):
            if not second_factor.is_enrolled(user):
                raise Forbidden("This account must enrol a second factor: sign in on the web first.",
                                code="second_factor_not_enrolled")
            if not code:
                raise Forbidden("This account needs a second factor: send a one-time code as `otp`.",
                                code="second_factor_required")
            second_factor.verify(request=None, user=user, code=code)
            proved = True
        token = services.token_issue(user=user, second_factor_proved=proved)
        return Response({"token": token.key, "expires_hours": settings.XUEJI_TOKEN_TTL_HOURS,
                         "password_expired": security_settings.password_expired(user)})


class PasswordChangeSerializer(serializers.Serializer):
    old_password = serializers.CharField(max_length=128, trim_whitespace=False)
    new_password = serializers.CharField(max_length=128, trim_whitespace=False)


@requires(SIGNED_IN)
class PasswordChangeApi(APIView):
    allow_expired_password = True

    @extend_schema(request=PasswordChangeSerializer, responses={204: None})
    def post(self, request):
        data = PasswordChangeSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        token = getattr(request.auth, "key", None)  # a token client keeps the token it changed the password with
        user = services.password_change(user=request.user, keep_token=token, **data.validated_data)
        if request.session.get(HASH_SESSION_KEY):
            # Keep this browser session signed in; the password change ends the account's other sessions.
            update_session_auth_hash(request._request, user)
        return Response(status=status.HTTP_204_NO_CONTENT)


@requires(SIGNED_IN)
class MeApi(APIView):
    allow_expired_password = True

    @extend_schema(responses={200: MeSerializer})
    def get(self, request):
        return Response(MeSerializer(request.user).data)


class UserCreateSerializer(serializers.Serializer):
    username = serializers.RegexField(r"^[\w.@+-]{3,150}$")
    full_name = serializers.CharField(max_length=64)
    org_unit = serializers.IntegerField()
    # Empty for a business account (its roles come from the security administrator, SecurityUserRolesApi).
    roles = serializers.ListField(child=serializers.ChoiceField(choices=Role.values), allow_empty=True, default=list)
    password = serializers.CharField(max_length=128, trim_whitespace=False)
    phone = serializers.CharField(max_length=32, required=False, allow_blank=True)
    email = serializers.EmailField(required=False, allow_blank=True)


class UserUpdateSerializer(serializers.Serializer):
    full_name = serializers.CharField(max_length=64, required=False)
    org_unit = serializers.IntegerField(required=False)
    roles = serializers.ListField(child=serializers.ChoiceField(choices=Role.values), allow_empty=False,
                                  required=False)
    phone = serializers.CharField(max_length=32, required=False, allow_blank=True)
    email = serializers.EmailField(required=False, allow_blank=True)


@requires(Cap.USER_MANAGE)
@extend_schema_view(get=extend_schema(parameters=[OpenApiParameter(p) for p in UserFilterSet.base_filters]))
class UserListApi(SelectorMixin, generics.ListAPIView):
    serializer_class = UserSerializer
    list_selector = selectors.user_list
    list_filters = UserFilterSet

    @extend_schema(request=UserCreateSerializer, responses={201: UserSerializer})
    def post(self, request):
        data = UserCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        values["org_unit"] = org_unit_get(user=request.user, pk=values["org_unit"])
        user = services.user_create(actor=request.user, **values)
        return Response(UserSerializer(user).data, status=status.HTTP_201_CREATED)


@requires(Cap.USER_MANAGE)
class UserDetailApi(VersionedMixin, SelectorMixin, generics.RetrieveAPIView):
    """An account; its GET carries the ETag (`services.user_version`), its PATCH takes If-Match (an account changed
    since: 412 stale_version, nothing written)."""

    serializer_class = UserSerializer
    get_selector = selectors.user_get

    def object_version(self, obj) -> str:
        return services.user_version(obj)

    @extend_schema(request=UserUpdateSerializer, responses={200: UserSerializer}, parameters=[
        OpenApiParameter("If-Match", str, OpenApiParameter.HEADER, required=False,
                         description="the ETag of the account as read")])
    def patch(self, request, pk):
        data = UserUpdateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        if "org_unit" in values:
            values["org_unit"] = org_unit_get(user=request.user, pk=values["org_unit"])
        user = services.user_update(actor=request.user, user=self.get_object(), version=self.if_match(), **values)
        return self.versioned(Response(UserSerializer(user).data), user)


class PasswordResetSerializer(serializers.Serializer):
    new_password = serializers.CharField(max_length=128, trim_whitespace=False)


@requires(Cap.USER_MANAGE)
class UserResetPasswordApi(SelectorMixin, generics.GenericAPIView):
    get_selector = selectors.user_get
    serializer_class = PasswordResetSerializer

    @extend_schema(request=PasswordResetSerializer, responses={200: UserSerializer})
    def post(self, request, pk):
        data = PasswordResetSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        user = services.user_reset_password(actor=request.user, user=self.get_object(), **data.validated_data)
        return Response(UserSerializer(user).data)


class UserActiveSerializer(serializers.Serializer):
    is_active = serializers.BooleanField()


@requires(Cap.USER_MANAGE)
class UserSetActiveApi(SelectorMixin, generics.GenericAPIView):
    get_selector = selectors.user_get
    serializer_class = UserActiveSerializer

    @extend_schema(request=UserActiveSerializer, responses={200: UserSerializer})
    def post(self, request, pk):
        data = UserActiveSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        user = services.user_set_active(actor=request.user, user=self.get_object(), **data.validated_data)
        return Response(UserSerializer(user).data)


# The security administrator's (安全管理员, 三员分立): lockouts and second factors -----------------------------------


class SecurityUserSerializer(UserSerializer):
    second_factor_enrolled = serializers.SerializerMethodField()

    class Meta(UserSerializer.Meta):
        fields = UserSerializer.Meta.fields + ["second_factor_enrolled"]

    def get_second_factor_enrolled(self, obj) -> bool:
        return second_factor.is_enrolled(obj)


@requires(Cap.SECURITY_MANAGE)
@extend_schema_view(get=extend_schema(parameters=[OpenApiParameter(p) for p in UserFilterSet.base_filters]))
class SecurityUserListApi(SelectorMixin, generics.ListAPIView):
    """The accounts a security administrator looks after (the levels below, its unit's business accounts)."""

    serializer_class = UserSerializer
    list_selector = selectors.security_user_list
    list_filters = UserFilterSet


@requires(Cap.SECURITY_MANAGE)
class UserUnlockApi(SelectorMixin, generics.GenericAPIView):
    get_selector = selectors.security_user_get
    serializer_class = UserSerializer

    @extend_schema(request=None, responses={200: UserSerializer})
    def post(self, request, pk):
        user = services.user_unlock(actor=request.user, user=self.get_object())
        return Response(UserSerializer(user).data)


@requires(Cap.SECOND_FACTOR_RESET)
class UserResetSecondFactorApi(SelectorMixin, generics.GenericAPIView):
    """Delete the account's second factor; it enrols again at its next sign-in (its sessions and tokens end)."""

    get_selector = selectors.security_user_get
    serializer_class = SecurityUserSerializer

    @extend_schema(request=None, responses={200: SecurityUserSerializer})
    def post(self, request, pk):
        user = second_factor.reset(actor=request.user, user=self.get_object())
        return Response(SecurityUserSerializer(user).data)


# Auditor accounts (三员分立): managed by the auditor of a level above, never by a system administrator ----------


class AuditorCreateSerializer(serializers.Serializer):
    username = serializers.RegexField(r"^[\w.@+-]{3,150}$")
    full_name = serializers.CharField(max_length=64)
    org_unit = serializers.IntegerField()
    password = serializers.CharField(max_length=128, trim_whitespace=False)
    phone = serializers.CharField(max_length=32, required=False, allow_blank=True)
    email = serializers.EmailField(required=False, allow_blank=True)


@requires(Cap.AUDITOR_MANAGE)
@extend_schema_view(get=extend_schema(parameters=[OpenApiParameter(p) for p in AuditorFilterSet.base_filters]))
class AuditorListApi(SelectorMixin, generics.ListAPIView):
    """The auditor accounts of the levels below the auditor's own; POST creates one (its role is auditor)."""

    serializer_class = UserSerializer
    list_selector = selectors.auditor_list
    list_filters = AuditorFilterSet

    @extend_schema(request=AuditorCreateSerializer, responses={201: UserSerializer})
    def post(self, request):
        data = AuditorCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        values["org_unit"] = selectors.auditor_org_unit_get(user=request.user, pk=values["org_unit"])
        user = services.user_create(actor=request.user, roles=[Role.AUDITOR], **values)
        return Response(UserSerializer(user).data, status=status.HTTP_201_CREATED)


@requires(Cap.AUDITOR_MANAGE)
class AuditorResetPasswordApi(UserResetPasswordApi):
    get_selector = selectors.auditor_get


@requires(Cap.AUDITOR_MANAGE)
class AuditorSetActiveApi(UserSetActiveApi):
    get_selector = selectors.auditor_get


class RolesSerializer(serializers.Serializer):
    roles = serializers.ListField(child=serializers.ChoiceField(choices=Role.values), allow_empty=True)


@requires(Cap.SECURITY_MANAGE)
class SecurityUserRolesApi(SelectorMixin, generics.GenericAPIView):
    """Grant and revoke an account's business roles (三员分立: the security administrator's, not the system
    administrator's)."""

    get_selector = selectors.security_user_get
    serializer_class = RolesSerializer

    @extend_schema(request=RolesSerializer, responses={200: UserSerializer})
    def post(self, request, pk):
        data = RolesSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        user = services.user_roles_set(actor=request.user, user=self.get_object(), **data.validated_data)
        return Response(UserSerializer(user).data)


# Password loans (借用, accounts/loans.py) ---------------------------------------------------------------------------

class LoanSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    lender = serializers.CharField(source="lender.username", read_only=True)
    borrower = serializers.CharField(source="borrower.username", read_only=True)
    starts_at = serializers.DateTimeField(read_only=True)
    ends_at = serializers.DateTimeField(read_only=True)
    reason = serializers.CharField(read_only=True)
    status = serializers.CharField(read_only=True)
    decided_by = serializers.CharField(source="decided_by.username", read_only=True, default=None)
    decided_at = serializers.DateTimeField(read_only=True)


class LoanFileSerializer(serializers.Serializer):
    borrower = serializers.IntegerField()
    starts_at = serializers.DateTimeField()
    ends_at = serializers.DateTimeField()
    reason = serializers.CharField(max_length=255)


@requires(SIGNED_IN)
class LoanListApi(SelectorMixin, generics.ListCreateAPIView):
    """The caller's loans (lent and borrowed); POST files a loan of the caller's account."""

    serializer_class = LoanSerializer
    list_selector = selectors.loan_list_mine

    @extend_schema(request=LoanFileSerializer, responses={201: LoanSerializer})
    def post(self, request):
        from xueji.accounts import loans

        data = LoanFileSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        borrower = selectors.loan_borrower_choices(user=request.user).filter(pk=values.pop("borrower")).first()
        if borrower is None:
            from xueji.core.errors import ValidationFailed

            raise ValidationFailed("The borrower is an active colleague of your unit.", code="loan_borrower",
                                   field="borrower")
        loan = loans.loan_file(actor=request.user, borrower=borrower, **values)
        return Response(LoanSerializer(loan).data, status=status.HTTP_201_CREATED)


@requires(Cap.SECURITY_MANAGE)
class SecurityLoanListApi(SelectorMixin, generics.ListAPIView):
    serializer_class = LoanSerializer
    list_selector = selectors.loan_list_for_security


class LoanDecisionSerializer(serializers.Serializer):
    approve = serializers.BooleanField()
    note = serializers.CharField(max_length=255, required=False, allow_blank=True, default="")


@requires(Cap.SECURITY_MANAGE)
class LoanDecideApi(SelectorMixin, generics.GenericAPIView):
    get_selector = selectors.loan_get_for_security
    serializer_class = LoanDecisionSerializer

    @extend_schema(request=LoanDecisionSerializer, responses={200: LoanSerializer})
    def post(self, request, pk):
        from xueji.accounts import loans

        data = LoanDecisionSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        loan = loans.loan_decide(actor=request.user, loan=self.get_object(), **data.validated_data)
        return Response(LoanSerializer(loan).data)


# Intrusion alerts (accounts/alerts.py) ------------------------------------------------------------------------------

class AlertSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    kind = serializers.CharField(read_only=True)
    status = serializers.CharField(read_only=True)
    org_unit = serializers.IntegerField(source="org_unit_id", read_only=True)
    subject_user = serializers.CharField(source="subject_user.username", read_only=True, default=None)
    subject_ip = serializers.IPAddressField(read_only=True)
    window_start = serializers.DateTimeField(read_only=True)
    window_end = serializers.DateTimeField(read_only=True)
    count = serializers.IntegerField(read_only=True)
    evidence = serializers.JSONField(read_only=True)
    audit_ids = serializers.JSONField(read_only=True)
    created_at = serializers.DateTimeField(read_only=True)


@requires(Cap.SECURITY_MANAGE)
@extend_schema_view(get=extend_schema(parameters=[OpenApiParameter("status")]))
class AlertListApi(SelectorMixin, generics.ListAPIView):
    """The intrusion alerts of the caller's jurisdiction (?status=open|acknowledged|closed)."""

    serializer_class = AlertSerializer
    list_selector = selectors.alert_list
    filter_params = ("status",)


@requires(Cap.SECURITY_MANAGE)
class AlertDetailApi(SelectorMixin, generics.RetrieveAPIView):
    serializer_class = AlertSerializer
    get_selector = selectors.alert_get
