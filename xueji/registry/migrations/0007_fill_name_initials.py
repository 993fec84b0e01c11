"""Fill the pinyin initials of the existing pupils, set-based: the distinct names a chunk at a time (names repeat a
lot in a province), one UPDATE ... SET name_initials = CASE name WHEN ... END WHERE name IN (...) per chunk, through
the (name, sex, birth_date) index. Pinyin cannot be computed in SQL; every other row is written by the door."""

from django.db import migrations
from django.db.models import Case, CharField, Value, When

CHUNK = 500


def fill(apps, schema_editor):
    from xueji.registry.validation import name_initials

    Student = apps.get_model("registry", "Student")
    names = Student.objects.filter(name_initials="").exclude(name="").order_by("name").values_list(
        "name", flat=True).distinct()
    last = None
    while True:
        page = names.filter(name__gt=last) if last is not None else names
        chunk = list(page[:CHUNK])
        if not chunk:
            break
        last = chunk[-1]
        cases = [When(name=name, then=Value(name_initials(name))) for name in chunk]
        Student.objects.filter(name__in=chunk, name_initials="").update(
            name_initials=Case(*cases, default=Value(""), output_field=CharField()))


class Migration(migrations.Migration):

    dependencies = [
        ("registry", "0006_student_name_initials"),
    ]

    operations = [
        migrations.RunPython(fill, migrations.RunPython.noop, elidable=True),
    ]
