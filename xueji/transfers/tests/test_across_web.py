"""A cross-province transfer through the API and the pages: B = 安徽 (tunxi_primary receives), A = 江苏
(xuanwu_primary sends). The hub's after-commit run does not fire in plain db tests: hub_run() by hand."""

from django.test import Client
from django.urls import reverse

from xueji.hub.services import hub_run
from xueji.registry.models import Student
from xueji.transfers.models import Transfer
from xueji.transfers.tests.conftest import certificate
from xueji.transfers.tests.test_across import NUMBER, across, sending_row  # noqa: F401
from xueji.workflow.models import Request


def client_of(user) -> Client:
    """A client of its own per user (the `login` fixture re-logs one shared client)."""
    client = Client()
    client.force_login(user)
    return client


def _approve_api(world, login, pk: int) -> None:
    request = Request.objects.get(pk=pk)
    while request.status == "pending":
        step = request.steps.filter(round=request.round, status="pending").order_by("order").first()
        unit = next(name for name, u in world.units.items() if u.pk == step.org_unit_id)
        client = client_of(world.user(unit, step.role))
        answer = client.post(reverse("api:request-decide", args=[pk]), {"approve": True, "step": step.pk},
                             content_type="application/json")
        assert answer.status_code == 200, answer.json()
        request.refresh_from_db()


def test_end_to_end_through_the_api(across, login):  # noqa: F811
    world = across
    registrar = client_of(world.user("tunxi_primary", "registrar"))
    found = registrar.post(reverse("api:transfer-find"), {"national_number": "G123", "source_province": "320000"},
                           content_type="application/json")
    assert found.status_code == 400 and found.json()["code"] == "national_number_invalid"
    found = registrar.post(reverse("api:transfer-find"), {"national_number": NUMBER, "source_province": "320000"},
                           content_type="application/json").json()
    assert found["cross_province"] and found["distance"] == "across_provinces"
    filed = registrar.post(reverse("api:transfer-file"), {"token": found["token"], "proof_certificate": certificate(),
                                                          "migrant": "true"})
    assert filed.status_code == 201, filed.json()
    pk = filed.json()["id"]
    assert filed.json()["side"] == "receiving" and filed.json()["migrant"]
    early = registrar.post(reverse("api:transfer-retrieve", args=[pk]), {}, content_type="application/json")
    assert early.status_code == 409 and early.json()["code"] == "not_approved"
    _approve_api(world, login, pk)
    hub_run()
    release = sending_row(Transfer.objects.get(pk=pk))
    sending = client_of(world.user("xuanwu_primary", "registrar"))
    listed = sending.get(reverse("api:transfer-list")).json()["results"]
    assert [row["id"] for row in listed] == [release.pk]  # A's own side only
    _approve_api(world, login, release.pk)
    hub_run()
    migrants = registrar.get(reverse("api:transfer-list"), {"migrant": "true"}).json()["results"]
    assert [(row["id"], row["state"]) for row in migrants] == [(pk, "awaiting_retrieval")]
    klass = world.classes["tunxi_primary"]
    done = registrar.post(reverse("api:transfer-retrieve", args=[pk]), {"school_class": klass.pk},
                          content_type="application/json")
    assert done.status_code == 200 and done.json()["retrieval_at"]
    hub_run()
    assert Transfer.objects.get(pk=pk).state == "completed"
    assert Transfer.objects.get(pk=release.pk).state == "completed"
    assert Student.objects.get(pk=world.students["xuanwu_primary"].pk).school_class_id == klass.pk
    late = registrar.post(reverse("api:transfer-cancel", args=[pk]), {}, content_type="application/json")
    assert late.status_code == 409 and late.json()["code"] == "already_retrieved"


def test_the_pages_show_both_sides_and_the_actions(across, login, django_assert_max_num_queries):  # noqa: F811
    world = across
    registrar = client_of(world.user("tunxi_primary", "registrar"))
    found = registrar.post(reverse("api:transfer-find"), {"national_number": NUMBER, "source_province": "320000"},
                           content_type="application/json").json()
    page = registrar.get(reverse("transfers:transfer_new"), {"token": found["token"]})
    assert page.status_code == 200
    filed = registrar.post(reverse("transfers:transfer_new"), {"token": found["token"], "proof_certificate":
                                                               certificate(), "reason": "随父母工作调动"})
    assert filed.status_code == 302, filed.content.decode()[:2000]
    pk = Transfer.objects.get(side="receiving").pk
    name = Student.objects.get(pk=world.students["xuanwu_primary"].pk).name
    # B's pages name the pupil by A's answer (no record here before 调档), masked.
    leader = client_of(world.user("tunxi_primary", "leader"))
    inbox = leader.get(reverse("transfers:transfer_inbox")).content.decode()
    assert f"/transfers/{pk}/" in inbox and name in inbox
    detail = leader.get(reverse("transfers:transfer_detail", args=[pk])).content.decode()
    assert 'data-testid="peer-answer"' in detail and name in detail and NUMBER not in detail
    row = registrar.get(reverse("api:transfer-list")).json()["results"][0]
    assert (row["student"], row["student_name"], row["pupil"]["name"]) == (None, name, name)
    assert "*" in row["pupil"]["national_number"] and "*" in row["national_number"]
    searched = registrar.get(reverse("api:transfer-list"), {"q": name[:1]}).json()["results"]
    assert [found["id"] for found in searched] == [pk]  # the list's search reads the answer too
    assert registrar.get(reverse("transfers:transfer_form_pdf", args=[pk])).status_code == 200
    _approve_api(world, login, pk)
    detail = registrar.get(reverse("transfers:transfer_detail", args=[pk])).content.decode()
    assert 'data-testid="across"' in detail and 'data-testid="retrieve"' not in detail
    hub_run()
    release = sending_row(Transfer.objects.get(pk=pk))
    sending = client_of(world.user("xuanwu_primary", "leader"))
    inbox = sending.get(reverse("transfers:transfer_inbox")).content.decode()
    assert f"/transfers/{release.pk}/" in inbox
    _approve_api(world, login, release.pk)
    hub_run()
    url = reverse("transfers:transfer_detail", args=[pk])
    with django_assert_max_num_queries(30, info=url):
        detail = registrar.get(url).content.decode()
    assert 'data-testid="retrieve"' in detail and 'data-testid="cancel"' in detail
    klass = world.classes["tunxi_primary"]
    assert registrar.post(reverse("transfers:transfer_retrieve", args=[pk]),
                          {"school_class": klass.pk}).status_code == 302
    hub_run()
    detail = registrar.get(url).content.decode()
    assert Transfer.objects.get(pk=pk).state == "completed" and 'data-testid="retrieve"' not in detail
    assert registrar.get(reverse("transfers:transfer_form_pdf", args=[pk])).status_code == 200
    assert sending.get(reverse("transfers:transfer_form_pdf", args=[release.pk])).status_code == 200
