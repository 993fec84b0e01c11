"""培训考试 and 平台账号 in the demo: registrar courses with exams a demo registrar can pass, a reported super
administrator waiting at the city."""

from xueji.accounts.models import User
from xueji.demo import generator as demo
from xueji.demo.training import demo_training_data
from xueji.support.platform_models import AccountReport
from xueji.training import services
from xueji.training.models import Exam
from xueji.training.tests.helpers import right_answers

TINY = demo.DemoOptions(counties=2, schools=6, pupils=200, seed=7, batch_size=200)


def test_the_demo_registrar_passes_the_exam(db):
    demo.generate(TINY)
    assert demo_training_data()
    registrar = User.objects.get(username="school_registrar")
    exam = Exam.objects.get(course__title="学校学籍管理员上岗培训")
    attempt = services.attempt_start(actor=registrar, exam=exam)
    attempt = services.attempt_submit(actor=registrar, attempt=attempt, answers=right_answers(attempt))
    assert attempt.passed and services.valid_certificate(registrar) is not None
    assert AccountReport.objects.get().parent_org.kind == "city"
    assert demo_training_data() == []  # once
