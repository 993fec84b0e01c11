"""A partial index for the duplicate check of pupils without a usable ID (same name, sex and birth date).

Most pupils hold a resident ID, so the index holds only the few without one, and the province-wide
GROUP BY name, sex, birth_date reads it instead of the whole table. Its condition must stay identical to
`problems.NO_ID_SQL` (PostgreSQL uses a partial index only for queries whose WHERE implies its condition).
Raw SQL because the table belongs to the registry app; the same statement works on SQLite and PostgreSQL.
"""

from django.db import migrations

INDEX = "registration_student_no_id_dup"
CONDITION = "(id_number IS NULL OR id_number = '' OR id_type <> '1') AND reg_status = 'registered'"


class Migration(migrations.Migration):

    dependencies = [
        ("registration", "0002_verification_problems"),
        # After the registry's own index changes, so a table rebuild there (SQLite) cannot drop this index.
        ("registry", "0002_trim_student_indexes"),
    ]

    operations = [
        migrations.RunSQL(
            sql=f"CREATE INDEX IF NOT EXISTS {INDEX} ON registry_student (name, sex, birth_date) WHERE {CONDITION}",
            reverse_sql=f"DROP INDEX IF EXISTS {INDEX}",
        ),
    ]
