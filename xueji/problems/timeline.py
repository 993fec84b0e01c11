"""Problem records (问题学籍) on the pupil's timeline: the requests filed about one of the pupil's problem
memberships (correct, delete, confirm) and the arbitrations of its problems are requests about the pupil
(`workflow.timeline.register_pupil_requests`), so their filings, approvals and proofs show there."""

from django.db.models import CharField, Q
from django.db.models.functions import Cast

from xueji.problems.models import ProblemMember
from xueji.problems.services import MEMBER_SUBJECT, SUBJECT
from xueji.workflow.models import RequestSubject
from xueji.workflow.timeline import register_pupil_requests


def problem_requests(student):
    members = ProblemMember.objects.filter(student_id=student.pk)
    member_keys = members.annotate(key=Cast("pk", CharField())).values("key")
    problem_keys = members.annotate(key=Cast("problem_id", CharField())).values("key")
    return RequestSubject.objects.filter(Q(subject__kind=MEMBER_SUBJECT, subject__key__in=member_keys)
                                         | Q(subject__kind=SUBJECT, subject__key__in=problem_keys)).values("request_id")


register_pupil_requests(problem_requests, name="problems.members")
