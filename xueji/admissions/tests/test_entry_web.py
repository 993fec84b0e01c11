"""The pages and the API of the cross-province entry after graduation (毕业后跨省就学): the receiving school files
(national number + one of its classes), lists its entries with their state, and retrieves the record; the
approvals are the engine's inbox. The scene is test_entry's."""

from django.urls import reverse

from xueji.admissions.models import Entry
from xueji.admissions.tests.entry_helpers import NUMBER, approve
from xueji.hub.services import hub_run
from xueji.registry.choices import StudentStatus
from xueji.registry.models import Student


def test_the_receiving_school_files_and_retrieves_through_the_pages(entry_scene, login, django_assert_max_num_queries):
    world = entry_scene
    client = login(world.user("tunxi_middle", "registrar"))
    form = client.get(reverse("admissions:entry_new"))
    assert form.status_code == 200 and world.classes["entering"].display_name in form.content.decode()
    answer = client.post(reverse("admissions:entry_new"), {"province": "320000", "national_number": NUMBER,
                                                           "school_class": world.classes["entering"].pk})
    entry = Entry.objects.get(side="receiving")
    assert answer.status_code == 302 and answer["Location"] == reverse("admissions:entry_detail", args=[entry.pk])
    # The county's approval is in the engine's inbox.
    county = login(world.user("tunxi", "registrar"))
    inbox = county.get(reverse("workflow:inbox"))
    assert inbox.status_code == 200 and entry.request.title in inbox.content.decode()
    approve(world, entry.pk)
    hub_run()
    approve(world, Entry.objects.get(side="sending").pk)
    hub_run()
    client = login(world.user("tunxi_middle", "registrar"))
    with django_assert_max_num_queries(25):
        listed = client.get(reverse("admissions:entry_list"))
    html = listed.content.decode()
    assert listed.status_code == 200 and entry.name in html and NUMBER not in html  # masked
    detail = client.get(reverse("admissions:entry_detail", args=[entry.pk]))
    assert 'data-testid="retrieve"' in detail.content.decode()
    done = client.post(reverse("admissions:entry_retrieve", args=[entry.pk]),
                       {"school_class": world.classes["entering"].pk})
    assert done.status_code == 302
    hub_run()
    entry.refresh_from_db()
    pupil = Student.objects.get(pk=world.students["xuanwu_primary"].pk)
    assert entry.state == "completed" and (pupil.school_id, pupil.status) == (
        world.schools["tunxi_middle"].pk, StudentStatus.ENROLLED)


def test_the_list_page_stays_within_its_query_bound(entry_scene, login, django_assert_max_num_queries):
    from xueji.admissions import entry as entries
    from xueji.core import idnumbers

    world = entry_scene
    registrar = world.user("tunxi_middle", "registrar")
    for n in range(6):
        birth = __import__("datetime").date(2013, 3, 1 + n)
        entries.entry_file(actor=registrar, province="320000", school_class=world.classes["entering"],
                           name=f"新生{n}", sex="1", birth_date=birth,
                           id_number=idnumbers.make("320102", birth, 201 + 2 * n))
    client = login(world.user("tunxi", "registrar"))
    with django_assert_max_num_queries(25):
        page = client.get(reverse("admissions:entry_list"))
    assert page.status_code == 200 and page.content.decode().count("新生") >= 6


def test_the_api_files_lists_details_and_retrieves(entry_scene, client):
    world = entry_scene
    client.force_login(world.user("tunxi_middle", "registrar"))
    refused = client.post(reverse("api:admission-entry-list"), {
        "province": "320000", "school_class": world.classes["entering"].pk}, content_type="application/json")
    assert refused.status_code == 400 and refused.json()["code"] == "identity_required"
    assert not Entry.objects.exists()
    filed = client.post(reverse("api:admission-entry-list"), {
        "province": "320000", "national_number": NUMBER, "school_class": world.classes["entering"].pk},
        content_type="application/json")
    assert filed.status_code == 201, filed.content
    body = filed.json()
    assert body["state"] == "filed" and body["national_number"] != NUMBER and "*" in body["national_number"]
    pk = body["id"]
    twice = client.post(reverse("api:admission-entry-list"), {
        "province": "320000", "national_number": NUMBER, "school_class": world.classes["entering"].pk},
        content_type="application/json")
    assert twice.status_code == 409 and twice.json()["code"] == "request_in_progress"
    early = client.post(reverse("api:admission-entry-retrieve", args=[pk]), {}, content_type="application/json")
    assert early.status_code == 409 and early.json()["code"] == "not_approved"
    listed = client.get(reverse("api:admission-entry-list"))
    assert [row["id"] for row in listed.json()["results"]] == [pk]
    approve(world, pk)
    hub_run()
    approve(world, Entry.objects.get(side="sending").pk)
    hub_run()
    done = client.post(reverse("api:admission-entry-retrieve", args=[pk]), {}, content_type="application/json")
    assert done.status_code == 200 and done.json()["retrieval_at"]
    hub_run()
    assert client.get(reverse("api:admission-entry-detail", args=[pk])).json()["state"] == "completed"
    # Outside the jurisdiction: 404, as if absent.
    client.force_login(world.user("shexian", "registrar"))
    assert client.get(reverse("api:admission-entry-detail", args=[pk])).status_code == 404
    # The graduating side sees its own row, not B's.
    client.force_login(world.user("xuanwu", "registrar"))
    sending = client.get(reverse("api:admission-entry-list")).json()["results"]
    assert [row["side"] for row in sending] == ["sending"]
