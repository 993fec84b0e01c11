"""The engine with request types of the tests' own: a transfer-like type with two sides, a route per case,
decision data, an undo and follow-up work, and a status-change-like type that excludes it on the same pupil.
Nothing here belongs to a domain: a newcomer's request type plugs in by registering exactly like these."""

import threading

import pytest
from django.db import connection, connections

from xueji.accounts.jurisdiction import restrict
from xueji.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from xueji.policy.services import route_set
from xueji.regions.models import OrgUnit
from xueji.schools.models import SchoolClass
from xueji.workflow import selectors, services, types
from xueji.workflow.models import Action, Request, RequestStatus, StepStatus, Subject
from xueji.workflow.resolvers import distance_key, sides
from xueji.workflow.types import FollowUp, RequestType, register_subject, step

PUPIL = register_subject("test.pupil", "pupil (tests)")
TRANSFER, STATUS_CHANGE, HIDDEN = "test.transfer", "test.status_change", "test.hidden_transfer"

# The route per case, as a province would hold it; the engine picks by the type's route key.
ROUTES = {
    "same_county": (step("destination_school", "leader"), step("destination_county", "registrar")),
    "across_counties": (step("destination_school", "leader"), step("source_school", "leader"),
                        step("source_county", "registrar"), step("destination_county", "registrar")),
    "across_cities": (step("destination_county", "registrar"), step("source_county", "registrar"),
                      step("common_superior", "registrar")),
    "across_provinces": (step("destination_province", "registrar"), step("source_province", "registrar")),
}


def _source(request) -> OrgUnit:
    return OrgUnit.objects.get(pk=request.payload["source"])


def _parties(request) -> dict:
    return sides(source=_source(request), destination=request.filer_org)


def _route_key(request) -> str:
    return distance_key(_source(request), request.filer_org)


def _check(*, request, step, data) -> dict:
    """The destination school's approval names the class the pupil joins; the other steps carry nothing."""
    if step.resolver != "destination_school":
        if data:
            raise ValidationFailed("This step takes no data.", code="unexpected_data")
        return {}
    klass = SchoolClass.objects.filter(pk=data.get("class"), school__org_unit=step.org_unit).first()
    if klass is None:
        raise ValidationFailed("Name a class of the receiving school.", code="choice_required", field="class")
    return {"class": klass.pk}


def _apply(*, request, actor) -> dict:
    return {"moved": request.payload["student"], "class": services.decision_data(request).get("class")}


def _undo(*, request, actor) -> None:
    request.result = {**(request.result or {}), "undone": True}
    request.save(update_fields=["result"])


def _file_received(*, request, actor, data) -> dict:
    return {"file": data.get("file") or "received"}


def _make(code: str, **extra) -> RequestType:
    return RequestType(code=code, label=code, default_route=ROUTES["same_county"], routes=ROUTES, apply=_apply,
                       parties=_parties, route_key=_route_key, subjects=(PUPIL.code,), **extra)


@pytest.fixture(autouse=True)
def test_types():
    registered = [
        types.register(_make(TRANSFER, excludes=(TRANSFER,), check_decision=_check, undo=_undo,
                             follow_up=FollowUp("destination_school", "registrar", _file_received, "调档"))),
        # Excludes the transfer on the same pupil (declared on this side only: the exclusion is symmetric).
        types.register(RequestType(code=STATUS_CHANGE, label=STATUS_CHANGE, default_route=(
            step("filing_county", "registrar"),), apply=lambda **kw: None, subjects=(PUPIL.code,),
            excludes=(TRANSFER,))),
        # The same transfer, but none of its parties sees it unless it holds a step.
        types.register(_make(HIDDEN, visible_parties=())),
    ]
    yield registered
    for kind in registered:
        types.unregister(kind.code)


def file(world, filer="tunxi_primary", source="tunxi_middle", pupil="tunxi_middle", code=TRANSFER):
    return services.request_submit(
        actor=world.user(filer, "registrar"), type=code, title=f"转学 {pupil}", subject_type=PUPIL.code,
        subject_id=world.students[pupil].pk, payload={"student": world.students[pupil].pk,
                                                      "source": world.units[source].pk})


def approve(world, request, unit, role, data=None, **kwargs):
    return services.request_decide(actor=world.user(unit, role), request=request, approve=True, data=data, **kwargs)


def steps_of(request):
    return [(s.org_unit.code, s.role) for s in request.steps.filter(round=request.round).order_by("order")]


def snapshot(request):
    """What a refused action must leave as it was."""
    request.refresh_from_db()
    return (request.status, request.round, [(s.pk, s.status) for s in request.steps.all()],
            Action.objects.filter(request=request).count())


@pytest.mark.parametrize(("filer", "source", "key", "route"), [
    ("tunxi_primary", "tunxi_middle", "same_county", [("3410021001", "leader"), ("341002", "registrar")]),
    ("tunxi_primary", "shexian_primary", "across_counties",
     [("3410021001", "leader"), ("3410211001", "leader"), ("341021", "registrar"), ("341002", "registrar")]),
    ("tunxi_primary", "yaohai_primary", "across_cities",
     [("341002", "registrar"), ("340102", "registrar"), ("340000", "registrar")]),
    ("tunxi_primary", "xuanwu_primary", "across_provinces", [("340000", "registrar"), ("320000", "registrar")]),
])
def test_the_route_follows_the_case_and_its_parties(world, filer, source, key, route):
    request = file(world, filer=filer, source=source, pupil=source)
    assert request.route_key == key
    assert steps_of(request) == route
    parties = {p.name: p.org_unit.code for p in request.parties.all()}
    assert parties["source_school"] == world.units[source].code
    assert parties["destination_school"] == world.units[filer].code


def test_a_province_route_per_key_is_frozen_at_submit(world):
    first = file(world)
    route_set(actor=world.user("anhui", "sysadmin"), request_type=TRANSFER, route_key="same_county",
              steps=[step("destination_school", "leader"), step("source_school", "leader"),
                     step("destination_county", "registrar")])
    assert steps_of(first) == [("3410021001", "leader"), ("341002", "registrar")]
    services.request_withdraw(actor=world.user("tunxi_primary", "registrar"), request=first)
    second = file(world)
    assert steps_of(second) == [("3410021001", "leader"), ("3410021002", "leader"), ("341002", "registrar")]
    # Another case keeps the type's own route for its key.
    other = file(world, source="shexian_primary", pupil="shexian_primary")
    assert len(steps_of(other)) == 4


@pytest.mark.parametrize(("unit", "role", "error"), [
    ("tunxi_middle", "leader", Forbidden),     # wrong school: the source school's step is not the first
    ("tunxi", "registrar", Forbidden),         # wrong level: the county's step waits for the school's
    ("tunxi_primary", "registrar", Forbidden),  # the right school, the wrong role (and the filer's own unit)
    ("shexian", "registrar", Forbidden),       # outside the jurisdiction: never a party, never a step
])
def test_only_the_current_party_decides_and_a_refusal_changes_nothing(world, unit, role, error):
    request = file(world)
    before = snapshot(request)
    with pytest.raises(error):
        approve(world, request, unit, role, data={"class": world.classes["tunxi_primary"].pk})
    assert snapshot(request) == before


def test_outside_the_jurisdiction_the_request_does_not_exist(world):
    request = file(world)
    with pytest.raises(NotFound):
        selectors.access_request_by_id(user=world.user("xuanwu", "registrar"), pk=request.pk)
    assert selectors.access_request_by_id(user=world.user("huangshan", "registrar"), pk=request.pk) == request


def test_the_source_school_sees_the_request_before_its_own_step_when_the_type_says_so(world):
    shown = file(world, source="shexian_primary", pupil="shexian_primary")
    hidden = file(world, source="shexian_primary", pupil="shexian_primary", code=HIDDEN)
    source = world.user("shexian_primary", "registrar")
    visible = set(selectors.request_list(user=source).values_list("pk", flat=True))
    assert shown.pk in visible and hidden.pk not in visible
    approve(world, hidden, "tunxi_primary", "leader")  # this type carries no data
    # Its step is reached: the holders of a step see the request from then on.
    assert selectors.request_list(user=source).filter(pk=hidden.pk).exists()


def test_a_user_of_an_inactive_unit_sees_nothing(world):
    request = file(world)
    county = world.user("tunxi", "registrar")
    OrgUnit.objects.filter(pk=county.org_unit_id).update(is_active=False)
    county.org_unit.refresh_from_db()
    assert not restrict(Request, county).filter(pk=request.pk).exists()
    with pytest.raises(NotFound):
        selectors.access_request_by_id(user=county, pk=request.pk)


def test_decision_data_is_checked_by_the_type_and_stored_on_the_action(world):
    request = file(world)
    for data, code in (({}, "choice_required"), ({"class": world.classes["shexian_primary"].pk}, "choice_required")):
        before = snapshot(request)
        with pytest.raises(ValidationFailed) as refused:
            approve(world, request, "tunxi_primary", "leader", data=data)
        assert refused.value.code == code and snapshot(request) == before
    klass = world.classes["tunxi_primary"].pk
    approve(world, request, "tunxi_primary", "leader", data={"class": klass, "extra": "dropped"})
    assert request.actions.get(kind="approve").data == {"class": klass}
    with pytest.raises(ValidationFailed):  # the county's step carries nothing
        approve(world, request, "tunxi", "registrar", data={"class": klass})


def test_approval_applies_the_effect_then_the_follow_up_party_completes_it(world):
    request = file(world)
    klass = world.classes["tunxi_primary"].pk
    approve(world, request, "tunxi_primary", "leader", data={"class": klass})
    approve(world, request, "tunxi", "registrar")
    request.refresh_from_db()
    assert request.status == RequestStatus.FOLLOW_UP and request.result == {"moved": request.payload["student"],
                                                                            "class": klass}
    registrar = world.user("tunxi_primary", "registrar")
    assert [s.request_id for s in selectors.inbox(user=registrar)] == [request.pk]
    assert selectors.request_permissions(user=registrar, request=request).names() == ["complete"]
    with pytest.raises(Conflict):  # follow-up work is completed, not approved
        approve(world, request, "tunxi_primary", "registrar")
    with pytest.raises(Forbidden):
        services.request_complete(actor=world.user("tunxi_middle", "registrar"), request=request)
    services.request_complete(actor=registrar, request=request, data={"file": "档案已接收"})
    request.refresh_from_db()
    assert request.status == RequestStatus.APPROVED and request.finished_at is not None
    assert request.result["follow_up"] == {"file": "档案已接收"}
    assert list(request.actions.values_list("kind", "status_after")) == [
        ("submit", "pending"), ("approve", "pending"), ("approve", "follow_up"), ("complete", "approved")]


def test_return_then_resubmit_starts_a_new_round(world):
    request = file(world)
    with pytest.raises(ValidationFailed):
        services.request_decide(actor=world.user("tunxi_primary", "leader"), request=request, approve=False)
    services.request_decide(actor=world.user("tunxi_primary", "leader"), request=request, approve=False,
                            comment="缺少转学证明")
    request.refresh_from_db()
    assert (request.status, request.reject_reason) == (RequestStatus.RETURNED, "缺少转学证明")
    assert request.actions.last().kind == "return"
    services.request_resubmit(actor=world.user("tunxi_primary", "registrar"), request=request)
    request.refresh_from_db()
    assert (request.status, request.round, steps_of(request)) == (
        RequestStatus.PENDING, 2, [("3410021001", "leader"), ("341002", "registrar")])


def test_reject_is_final_with_a_reason_and_frees_the_subject(world):
    request = file(world)
    leader = world.user("tunxi_primary", "leader")
    before = snapshot(request)
    with pytest.raises(ValidationFailed):
        services.request_reject(actor=leader, request=request, comment=" ")
    assert snapshot(request) == before
    services.request_reject(actor=leader, request=request, comment="不符合转学条件")
    request.refresh_from_db()
    assert (request.status, request.reject_reason) == (RequestStatus.REJECTED, "不符合转学条件")
    assert request.finished_at is not None
    assert not request.steps.filter(status__in=[StepStatus.PENDING, StepStatus.WAITING]).exists()
    with pytest.raises(Conflict):
        services.request_resubmit(actor=world.user("tunxi_primary", "registrar"), request=request)
    assert file(world).status == RequestStatus.PENDING  # the pupil is free for a new request


def test_withdraw_before_any_decision_only(world):
    request = file(world)
    services.request_withdraw(actor=world.user("tunxi_primary", "registrar"), request=request)
    request.refresh_from_db()
    assert request.status == RequestStatus.WITHDRAWN
    with pytest.raises(Conflict):
        services.request_withdraw(actor=world.user("tunxi_primary", "registrar"), request=request)


def test_cancel_after_approval_runs_the_types_undo_and_only_the_final_approver_may(world):
    request = file(world)
    approve(world, request, "tunxi_primary", "leader", data={"class": world.classes["tunxi_primary"].pk})
    with pytest.raises(Conflict):  # not approved yet
        services.request_cancel(actor=world.user("tunxi", "registrar"), request=request, comment="错误")
    approve(world, request, "tunxi", "registrar")
    request.refresh_from_db()
    for unit, role in (("tunxi_primary", "leader"), ("tunxi_primary", "registrar"), ("shexian", "registrar")):
        before = snapshot(request)
        with pytest.raises(Forbidden):
            services.request_cancel(actor=world.user(unit, role), request=request, comment="错误")
        assert snapshot(request) == before
    county = world.user("tunxi", "registrar")
    assert "cancel" in selectors.request_permissions(user=county, request=request).names()
    services.request_cancel(actor=county, request=request, comment="审核有误")
    request.refresh_from_db()
    assert request.status == RequestStatus.CANCELLED and request.result["undone"] is True
    assert not request.steps.filter(status=StepStatus.PENDING).exists()  # the follow-up lapses too


def test_a_type_without_an_undo_cannot_be_cancelled(world):
    request = services.request_submit(actor=world.user("tunxi_middle", "registrar"), type=STATUS_CHANGE,
                                      title="休学", subjects=[(PUPIL.code, world.students["tunxi_middle"].pk)])
    services.request_decide(actor=world.user("tunxi", "registrar"), request=request, approve=True)
    with pytest.raises(Conflict) as refused:
        services.request_cancel(actor=world.user("tunxi", "registrar"), request=request, comment="错误")
    assert refused.value.code == "not_cancellable"


def test_excluding_types_are_refused_on_the_same_subject_and_nothing_is_filed(world):
    first = file(world)
    pupil = world.students["tunxi_middle"].pk
    count = Request.objects.count()
    with pytest.raises(Conflict) as refused:
        file(world)
    assert refused.value.code == "request_in_progress"
    with pytest.raises(Conflict):  # symmetric: the status change names the transfer, not the other way round
        services.request_submit(actor=world.user("tunxi_middle", "registrar"), type=STATUS_CHANGE, title="休学",
                                subjects=[(PUPIL.code, pupil)])
    assert Request.objects.count() == count
    file(world, source="shexian_primary", pupil="shexian_primary")  # another pupil is free
    services.request_withdraw(actor=world.user("tunxi_primary", "registrar"), request=first)
    services.request_submit(actor=world.user("tunxi_middle", "registrar"), type=STATUS_CHANGE, title="休学",
                            subjects=[(PUPIL.code, pupil)])
    assert Subject.objects.filter(kind=PUPIL.code, key=str(pupil)).count() == 1


def test_the_refusal_of_a_second_request_names_the_open_one(world):
    from xueji.core.messages import user_message

    first = file(world)
    with pytest.raises(Conflict) as refused:
        services.request_submit(actor=world.user("tunxi_middle", "registrar"), type=STATUS_CHANGE, title="休学",
                                subjects=[(PUPIL.code, world.students["tunxi_middle"].pk)])
    assert refused.value.details == {"request": first.pk, "type": TRANSFER, "status": "pending"}
    assert user_message(refused.value) == (f"该学籍已有办理中的申请：{TRANSFER} 第 {first.pk} 号（待审核，tunxi_primary"
                                           f"提交）。请等待其审核结果，或将其撤回后再提交新的申请。")
    assert first.title not in user_message(refused.value)  # the title may name a pupil the filer does not see


def test_a_refusal_of_the_effect_may_leave_work_behind_after_the_rollback(world):
    """The effect refuses (the approval is undone, the request stays at its step) but what it leaves is kept."""
    from xueji.audit.models import AuditEvent
    from xueji.audit.services import audit_record

    def refuse(*, request, actor):
        audit_record(actor=actor, action="test.undone")  # rolled back with the approval
        raise types.refusal_leaving(Conflict("no", code="identity_clash"),
                                    lambda: audit_record(actor=actor, action="test.kept"))

    kind = types.register(RequestType(code="test.refusing", label="test", default_route=(
        step("filing_county", "registrar"),), apply=refuse, subjects=(PUPIL.code,)))
    try:
        request = services.request_submit(actor=world.user("tunxi_middle", "registrar"), type=kind.code, title="x",
                                          subjects=[(PUPIL.code, world.students["tunxi_middle"].pk)])
        before = snapshot(request)
        with pytest.raises(Conflict) as refused:
            approve(world, request, "tunxi", "registrar")
        assert refused.value.code == "identity_clash" and snapshot(request) == before
        assert request.steps.get().status == StepStatus.PENDING
        assert list(AuditEvent.objects.filter(action__startswith="test.").values_list("action", flat=True)) == [
            "test.kept"]
        outcome = services.request_bulk_decide(actor=world.user("tunxi", "registrar"), requests=[request],
                                               approve=True)
        assert [(o.ok, o.code) for o in outcome] == [(False, "identity_clash")]
        assert AuditEvent.objects.filter(action="test.kept").count() == 2
    finally:
        types.unregister(kind.code)


def test_a_subject_kind_the_type_does_not_declare_is_refused(world):
    with pytest.raises(ValidationFailed):
        services.request_submit(actor=world.user("tunxi_middle", "registrar"), type=STATUS_CHANGE, title="休学",
                                subjects=[("registration.problem", 1)])


def test_the_api_rejects_cancels_and_says_what_the_user_may_do(world, client):
    request = file(world)
    client.force_login(world.user("tunxi_primary", "leader"))
    detail = client.get(f"/api/v1/requests/{request.pk}/").json()
    assert detail["permitted"] == ["approve", "return", "reject", "add_proof"]
    assert client.post(f"/api/v1/requests/{request.pk}/reject/", {}, content_type="application/json") \
        .json()["code"] == "reason_required"
    answer = client.post(f"/api/v1/requests/{request.pk}/reject/", {"comment": "不符合条件"},
                         content_type="application/json")
    assert answer.status_code == 200 and answer.json()["status"] == "rejected"
    other = file(world)
    approve(world, other, "tunxi_primary", "leader", data={"class": world.classes["tunxi_primary"].pk})
    approve(world, other, "tunxi", "registrar")
    client.force_login(world.user("tunxi", "registrar"))
    assert client.post(f"/api/v1/requests/{other.pk}/cancel/", {"comment": "有误"},
                       content_type="application/json").json()["status"] == "cancelled"
    client.force_login(world.user("xuanwu", "registrar"))
    assert client.post(f"/api/v1/requests/{other.pk}/cancel/", {"comment": "有误"},
                       content_type="application/json").status_code == 404


def test_the_page_rejects_and_cancels(world, client):
    request = file(world)
    client.force_login(world.user("tunxi_primary", "leader"))
    page = client.get(f"/requests/{request.pk}/")
    assert b'data-testid="reject"' in page.content
    client.post(f"/requests/{request.pk}/decide/", {"decision": "reject", "comment": "不符合条件"})
    request.refresh_from_db()
    assert request.status == RequestStatus.REJECTED
    other = file(world)
    approve(world, other, "tunxi_primary", "leader", data={"class": world.classes["tunxi_primary"].pk})
    approve(world, other, "tunxi", "registrar")
    client.force_login(world.user("tunxi", "registrar"))
    assert b'data-testid="cancel"' in client.get(f"/requests/{other.pk}/").content
    client.post(f"/requests/{other.pk}/decide/", {"decision": "cancel", "comment": "审核有误"})
    other.refresh_from_db()
    assert other.status == RequestStatus.CANCELLED


def _parallel(world, count, work):
    barrier = threading.Barrier(count)
    results: list[str] = []

    def run(index):
        try:
            barrier.wait()
            results.append(work(index))
        except (Conflict, Forbidden, ValidationFailed) as exc:
            results.append(type(exc).__name__)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_parallel_filings_on_one_subject_give_one_request(world):
    if connection.vendor != "postgresql":
        pytest.skip("row locks need PostgreSQL")
    results = _parallel(world, 4, lambda i: file(world) and "filed")
    assert sorted(results) == ["Conflict", "Conflict", "Conflict", "filed"], results
    assert Request.objects.filter(type=TRANSFER).count() == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_parallel_reject_and_approve_give_one_outcome(world):
    if connection.vendor != "postgresql":
        pytest.skip("row locks need PostgreSQL")
    request = file(world)
    leader = world.user("tunxi_primary", "leader")
    klass = world.classes["tunxi_primary"].pk

    def work(index):
        fresh = Request.objects.get(pk=request.pk)
        if index % 2:
            services.request_reject(actor=leader, request=fresh, comment="并发")
            return "rejected"
        services.request_decide(actor=leader, request=fresh, approve=True, data={"class": klass})
        return "approved"

    results = _parallel(world, 4, work)
    winners = [r for r in results if r in ("approved", "rejected")]
    assert len(winners) == 1, results
    assert request.actions.filter(kind__in=["approve", "reject"]).count() == 1


def test_the_policy_api_holds_a_route_per_key(world, client):
    client.force_login(world.user("anhui", "sysadmin"))
    steps = [step("destination_school", "leader"), step("destination_city", "registrar")]
    answer = client.put("/api/v1/policy/routes/", {"request_type": TRANSFER, "route_key": "across_counties",
                                                   "steps": steps}, content_type="application/json")
    assert answer.status_code == 200 and answer.json()["route_key"] == "across_counties"
    route = next(r for r in client.get("/api/v1/policy/routes/").json() if r["request_type"] == TRANSFER)
    cases = {case["route_key"]: case["steps"] for case in route["cases"]}
    assert cases["across_counties"] == steps and cases["same_county"] == list(ROUTES["same_county"])
    assert route["steps"] == list(ROUTES["same_county"])  # the default route is untouched
    request = file(world, source="shexian_primary", pupil="shexian_primary")
    assert steps_of(request) == [("3410021001", "leader"), ("341000", "registrar")]


def test_the_page_offers_the_follow_up_to_its_party_only(world, client):
    request = file(world)
    approve(world, request, "tunxi_primary", "leader", data={"class": world.classes["tunxi_primary"].pk})
    approve(world, request, "tunxi", "registrar")
    client.force_login(world.user("tunxi", "registrar"))
    assert b'data-testid="complete"' not in client.get(f"/requests/{request.pk}/").content
    client.force_login(world.user("tunxi_primary", "registrar"))
    page = client.get(f"/requests/{request.pk}/")
    assert b'data-testid="complete"' in page.content and b'data-testid="cancel"' not in page.content
    client.post(f"/requests/{request.pk}/decide/", {"decision": "complete", "comment": "档案已接收"})
    request.refresh_from_db()
    assert request.status == RequestStatus.APPROVED
