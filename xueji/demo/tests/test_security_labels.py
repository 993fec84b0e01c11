"""The demo's pupils under special protection (安全标记, SECURITY.md control 10): two of `school_registrar`'s school,
labelled through the registry's door (audited), once however often the demo's security step runs."""

from xueji.accounts.models import User
from xueji.audit.models import AuditEvent
from xueji.demo import generator as demo
from xueji.demo.security import demo_security_data
from xueji.registry.models import Student

TINY = demo.DemoOptions(counties=2, schools=6, pupils=300, seed=7, batch_size=120)


def test_the_demo_labels_two_pupils_of_the_registrar_s_school_once(db):
    demo.generate(TINY)

    demo_security_data()
    demo_security_data()

    labelled = Student.objects.filter(security_label="special").select_related("school")
    registrar = User.objects.get(username="school_registrar")
    assert labelled.count() == 2
    assert {s.school.org_unit_id for s in labelled} == {registrar.org_unit_id}
    assert AuditEvent.objects.filter(action="student.set_label").count() == 2
