"""Existing requests keep working: returns recorded as `reject` become `return` (a rejection is now final),
and every request's subject becomes a subject row (with the problem member a problem action is about), so the
engine's exclusion sees requests already in flight."""

from django.db import migrations

MEMBER_TYPES = ("problem.correct", "problem.delete", "problem.confirm")


def forwards(apps, schema_editor):
    Action = apps.get_model("workflow", "Action")
    Request = apps.get_model("workflow", "Request")
    Subject = apps.get_model("workflow", "Subject")
    RequestSubject = apps.get_model("workflow", "RequestSubject")
    Action.objects.filter(kind="reject").update(kind="return")
    links = []
    for request in Request.objects.exclude(subject_type="").exclude(subject_id="").iterator():
        keys = [(request.subject_type, request.subject_id)]
        member = (request.payload or {}).get("member")
        if request.type in MEMBER_TYPES:  # a school's action is about its member of the problem, not the problem
            keys = [("registration.problem_member", str(member))] if member else []
        for kind, key in keys:
            subject, _ = Subject.objects.get_or_create(kind=kind, key=key)
            links.append(RequestSubject(request_id=request.pk, subject_id=subject.pk))
    RequestSubject.objects.bulk_create(links, ignore_conflicts=True)


def backwards(apps, schema_editor):
    apps.get_model("workflow", "Action").objects.filter(kind="return").update(kind="reject")


class Migration(migrations.Migration):
    dependencies = [("workflow", "0002_engine_parties_subjects")]
    operations = [migrations.RunPython(forwards, backwards)]
