"""Students (学籍) and their family members."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from xueji.core import codes, idnumbers
from xueji.core.fields import BlindIndexField, PrefixField, SealedCharField, SealedJSONField, SealedModel
from xueji.core.labels import SecurityLabel
from xueji.core.models import TimeStampedModel
from xueji.registry.choices import ChangeKind, NumberKind, RegStatus, StudentStatus, VerifyStatus

__all__ = ["CountyStudentCount", "FamilyMember", "NationalNumber", "NumberKind", "NumberSequence", "RegStatus",
           "Student", "StudentCount", "SchoolStudentCount", "StudentDetail", "StudentHistory", "StudentStatus",
           "VerifyStatus"]


class Student(SealedModel, TimeStampedModel):
    """One pupil's lifelong registration record."""

    jurisdiction_path = "school__org_unit__path"
    security_label_lookup = "security_label"  # the restricted queryset hides a labelled record from the uncleared

    # Indexes are chosen for a 16-million-row table: each one slows every COPY, so no low-cardinality
    # single-column indexes and no LIKE twins for columns only matched by equality (see Meta.indexes).
    school = models.ForeignKey("schools.School", on_delete=models.PROTECT, related_name="students",
                               verbose_name=_("school"), db_index=False)
    school_class = models.ForeignKey("schools.SchoolClass", null=True, blank=True, on_delete=models.PROTECT,
                                     related_name="students", verbose_name=_("class"))
    province_code = models.CharField(_("province"), max_length=6)
    # Sealed at rest like the ID number (a G number is G + the ID number): found through its blind index (exact
    # lookups, the uniqueness below), the blind index of its last four characters (the search by a number's
    # ending) and its kind letter kept in clear (G, J or L: the reports' and the rules' "has a final number").
    national_number = SealedCharField(_("national student number"), max_length=24, null=True, blank=True,
                                      index="national_number_index", tail_index="national_number_tail",
                                      prefix_index="national_number_kind")
    national_number_index = BlindIndexField(source="national_number", null=True, blank=True)
    national_number_tail = BlindIndexField(source="national_number", tail=True, null=True, blank=True)
    national_number_kind = PrefixField(source="national_number", null=True, blank=True)
    name = models.CharField(pgettext_lazy("person", "name"), max_length=64)
    name_pinyin = models.CharField(_("name in pinyin"), max_length=128, blank=True, db_index=True)
    # The initials of the pinyin (zxm for 张小明): the list searches them as a prefix. Set by the door with the name.
    name_initials = models.CharField(_("pinyin initials"), max_length=32, blank=True, default="", db_default="",
                                     db_index=True)
    sex = models.CharField(_("sex"), max_length=1, choices=codes.choices_of("SEX"))
    birth_date = models.DateField(_("date of birth"))
    ethnic = models.CharField(_("ethnic group"), max_length=2, choices=codes.choices_of("ETHNIC"), default="01")
    nationality = models.CharField(_("nationality"), max_length=3, default="CHN")
    id_type = models.CharField(_("ID document type"), max_length=1, choices=codes.choices_of("ID_DOC_TYPE"),
                               default="1")
    # Sealed at rest (SM4-GCM, core.sealing); compared through its blind indexes (HMAC-SM3): the whole number
    # (lookups, the duplicate rule) and its last four characters (the list's search by an ID's ending).
    id_number = SealedCharField(_("ID number"), max_length=32, null=True, blank=True, index="id_number_index",
                                tail_index="id_number_tail")
    id_number_index = BlindIndexField(source="id_number", null=True, blank=True)
    id_number_tail = BlindIndexField(source="id_number", tail=True, null=True, blank=True)
    status = models.CharField(_("status"), max_length=2, choices=codes.choices_of("STUDENT_STATUS"),
                              default=StudentStatus.ENROLLED)
    class_number = models.CharField(_("number in class"), max_length=8, blank=True)
    entry_date = models.DateField(_("entry date"), null=True, blank=True)
    hukou_nature = models.CharField(_("hukou nature"), max_length=1, choices=codes.choices_of("HUKOU_NATURE"),
                                    blank=True)
    health = models.CharField(_("health"), max_length=2, choices=codes.choices_of("HEALTH_STATUS"), default="10")
    address = SealedCharField(_("current address"), max_length=255, blank=True)
    phone = SealedCharField(_("contact phone"), max_length=32, blank=True)
    is_left_behind = models.BooleanField(_("left-behind child"), default=False)
    is_migrant = models.BooleanField(_("migrant child"), default=False)
    reg_status = models.CharField(_("registration"), max_length=12, choices=RegStatus.choices,
                                  default=RegStatus.REGISTERED, db_default=RegStatus.REGISTERED)
    verify_status = models.CharField(_("identity check"), max_length=12, choices=VerifyStatus.choices,
                                     default=VerifyStatus.UNVERIFIED, db_default=VerifyStatus.UNVERIFIED)
    # The registration request (workflow) the pupil is filed under: a plain id, not a foreign key, so the
    # registry stays below the approval engine (the column and its index are those of the former foreign key).
    registration_request_id = models.BigIntegerField(null=True, blank=True, db_index=True, db_default=None)
    # 安全标记: 特殊保护 hides the record from users without the clearance (accounts.jurisdiction.restrict). Written
    # only by the door's `student_set_label` (audited, with a history row); the constraint refuses any other value.
    security_label = models.CharField(_("security label"), max_length=12, choices=SecurityLabel.choices,
                                      default=SecurityLabel.NONE, db_default=SecurityLabel.NONE)

    class Meta:
        # School first: a jurisdiction's page walks its schools in id order and sorts one school's pupils at a time
        # (an incremental sort), so the first page of a province or a county costs the same few hundred rows.
        ordering = ["school_id", "school_class_id", "class_number", "id"]
        verbose_name = _("student")
        verbose_name_plural = _("students")
        indexes = [
            models.Index(fields=["school", "status"]),
            models.Index(fields=["school", "reg_status"], name="student_school_reg"),
            # The duplicate rule's equality (name, sex, birth date) and the list's search by a name's beginning
            # (name LIKE '王%'): pattern operator classes on PostgreSQL, since under a C.UTF-8 collation a plain
            # btree serves no LIKE; the same one index as before, so the bulk COPY pays for no extra one.
            models.Index(fields=["name", "sex", "birth_date"], name="student_name_sex_birth",
                         opclasses=["varchar_pattern_ops", "varchar_pattern_ops", "date_ops"]),
            models.Index(fields=["id_number_index"], name="student_id_number"),
            models.Index(fields=["id_number_tail"], name="student_id_tail"),
            models.Index(fields=["national_number_tail"], name="student_number_tail"),
            # Only the pupils still to be checked: a small partial index the verification runs read.
            models.Index(fields=["verify_status"], name="student_to_verify",
                         condition=models.Q(verify_status__in=["unverified", "sent"])),
        ]
        constraints = [
            models.UniqueConstraint(fields=["national_number_index"], name="student_national_number_unique"),
            models.CheckConstraint(condition=models.Q(security_label__in=SecurityLabel.values),
                                   name="student_security_label_known"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def masked_id_number(self) -> str:
        return idnumbers.mask(self.id_number)


class FamilyMember(SealedModel):
    """A guardian or family member (two per pupil on the national form)."""

    jurisdiction_path = "student__school__org_unit__path"
    security_label_lookup = "student__security_label"

    student = models.ForeignKey(Student, on_delete=models.CASCADE, related_name="family")
    relation = models.CharField(_("relation"), max_length=2, choices=codes.choices_of("FAMILY_RELATION"))
    name = models.CharField(pgettext_lazy("person", "name"), max_length=64)
    id_type = models.CharField(_("ID document type"), max_length=1, choices=codes.choices_of("ID_DOC_TYPE"),
                               default="1")
    id_number = SealedCharField(_("ID number"), max_length=32, blank=True, index="id_number_index")
    id_number_index = BlindIndexField(source="id_number", blank=True, default="")
    phone = SealedCharField(_("phone"), max_length=32, blank=True)
    is_guardian = models.BooleanField(_("guardian"), default=True)
    employer = models.CharField(_("employer"), max_length=128, blank=True)
    relation_note = models.CharField(_("relation note"), max_length=64, blank=True, db_default="")
    ethnic = models.CharField(_("ethnic group"), max_length=2, blank=True, db_default="")
    address = SealedCharField(_("current address"), max_length=255, blank=True, db_default="")
    hukou_location = models.CharField(_("hukou location"), max_length=12, blank=True, db_default="")
    job_title = models.CharField(_("job title"), max_length=64, blank=True, db_default="")


    class Meta:
        ordering = ["student", "id"]
        verbose_name = _("family member")
        verbose_name_plural = _("family members")

    def __str__(self) -> str:
        return f"{self.name} ({codes.FAMILY_RELATION.label(self.relation)})"


def _text(label, length=64):
    return models.CharField(label, max_length=length, blank=True, default="", db_default="")


def _flag(label):
    return models.BooleanField(label, default=False, db_default=False)


class StudentDetail(models.Model):
    """The rest of the national student form (identity, auxiliary, study, contact, extended, transport items).

    Kept beside `Student` so the hot table that lists, counts and de-duplicates stays narrow."""

    jurisdiction_path = "student__school__org_unit__path"
    security_label_lookup = "student__security_label"

    student = models.OneToOneField(Student, on_delete=models.CASCADE, primary_key=True, related_name="detail")
    birthplace = _text(_("place of birth"), 12)
    native_place = _text(_("native place"), 12)
    gatqw = models.CharField(_("HK/Macao/Taiwan/overseas"), max_length=2, default="00", db_default="00")
    political_status = models.CharField(_("political status"), max_length=2, default="13", db_default="13")
    former_name = _text(_("former name"))
    id_valid_period = _text(_("ID validity"), 32)
    hukou_location = _text(_("hukou location"), 12)
    talents = _text(_("special talents"), 255)
    aux_number = _text(_("provincial auxiliary number"), 32)
    admission_mode = models.CharField(_("admission mode"), max_length=2, default="11", db_default="11")
    study_mode = models.CharField(_("study mode"), max_length=1, default="1", db_default="1")
    student_source = models.CharField(_("student source"), max_length=1, default="1", db_default="1")
    mailing_address = SealedCharField(_("mailing address"), max_length=255, blank=True, default="", db_default="")
    family_address = SealedCharField(_("family address"), max_length=255, blank=True, default="", db_default="")
    postcode = _text(_("postcode"), 6)
    email = _text(_("e-mail"), 128)
    homepage = _text(_("homepage"), 255)
    is_only_child = _flag(_("only child"))
    had_preschool = _flag(_("received pre-school education"))
    left_behind = models.CharField(_("left-behind"), max_length=1, default="0", db_default="0")
    is_orphan = _flag(_("orphan"))
    is_martyr_child = _flag(_("child of a martyr or entitled group"))
    inclusion = models.CharField(_("inclusive placement"), max_length=1, default="0", db_default="0")
    disability = models.CharField(_("disability"), max_length=1, default="0", db_default="0")
    gov_purchased_seat = _flag(_("seat purchased by government"))
    needs_aid = _flag(_("needs financial aid"))
    boarding_subsidy = _flag(_("boarding subsidy"))
    distance_km = models.DecimalField(_("distance to school (km)"), max_digits=6, decimal_places=2, null=True,
                                      blank=True)
    commute_mode = _text(_("commute mode"), 1)
    needs_school_bus = _flag(_("needs the school bus"))

    class Meta:
        verbose_name = _("student details")

    def __str__(self) -> str:
        return f"details of {self.student_id}"


class NationalNumber(SealedModel):
    """Every national student number ever issued: unique, never reused; old numbers stay findable. Sealed at rest
    (a G number holds the ID number), unique and found through its blind index."""

    jurisdiction_path = "student__school__org_unit__path"
    security_label_lookup = "student__security_label"

    number = SealedCharField(_("national student number"), max_length=24, index="number_index")
    number_index = BlindIndexField(source="number")  # unique: Meta (a constraint: no LIKE twin of the index)
    kind = models.CharField(_("kind"), max_length=1, choices=NumberKind.choices)
    student = models.ForeignKey(Student, on_delete=models.PROTECT, related_name="numbers")
    issued_at = models.DateTimeField(_("issued"))
    superseded_at = models.DateTimeField(_("superseded"), null=True, blank=True)

    class Meta:
        ordering = ["issued_at", "id"]
        verbose_name = _("national student number")
        constraints = [models.UniqueConstraint(fields=["number_index"], name="national_number_index_unique")]

    def __str__(self) -> str:
        return self.number


class StudentHistory(models.Model):
    """The history of a pupil record: one row per change of its status, registration state, placement (school,
    class), items (basic, identity, details) or family members, written by the registry's door
    (`registry.services`) in the same transaction as the change and its audit event. The timeline and the record
    as of a date (`registry.history`) are read from it.

    `old`/`new` hold the status or registration codes of those kinds; `changes` holds, for the others, each
    changed item as [before, after] (JSON values: dates as ISO text), e.g. {"phone": ["138...", "139..."]}; a
    family change names its member ({"member": 12, "action": "update", "phone": [...]})."""

    jurisdiction_path = "student__school__org_unit__path"
    security_label_lookup = "student__security_label"

    # Indexed by (student, at) below: a second index on the pupil alone would cost every bulk write for nothing.
    student = models.ForeignKey(Student, on_delete=models.CASCADE, related_name="history", db_index=False)
    kind = models.CharField(_("kind"), max_length=12, choices=ChangeKind.choices)
    old = models.CharField(_("from"), max_length=12, blank=True)
    new = models.CharField(_("to"), max_length=12, blank=True)
    # The before and after of the ID items (ID numbers, national numbers) sealed at rest (core.fields.ID_KEYS).
    changes = SealedJSONField(_("changes"), default=dict, blank=True, db_default={})
    reason = models.CharField(_("reason"), max_length=255, blank=True)
    request_id = models.BigIntegerField(_("request"), null=True, blank=True)  # the approval that caused it, if any
    # Not indexed: nothing reads the history by its actor (the audit log answers who did what).
    actor = models.ForeignKey("accounts.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
                              db_index=False)
    at = models.DateTimeField(_("at"))

    class Meta:
        ordering = ["student", "at", "id"]
        verbose_name = _("record history")
        verbose_name_plural = _("record history")
        indexes = [models.Index(fields=["student", "at"], name="student_history_at")]

    def __str__(self) -> str:
        return f"{self.student_id}: {self.kind} {self.old} -> {self.new}"


class StudentCount(models.Model):
    """Summary rows: how many pupils each class holds (each school, for its pupils without a class) by status and
    registration state. Kept by the registry's door (`registry/counts.py`, called by `registry/services.py`) in the
    same transaction as every change of a pupil's school, class, status or registration state, one
    `INSERT ... ON CONFLICT DO UPDATE SET n = n + k` per batch (no lost update between two transactions), so that
    a jurisdiction's totals (the menu, the workbench, the list's total, a class list's counts) are a SUM over a
    few rows per class joined to the org paths, never a COUNT over its pupils. `manage.py rebuild_counts`
    recomputes them from the pupils and says where they differed (a test runs the doors and compares)."""

    jurisdiction_path = "school__org_unit__path"

    school = models.ForeignKey("schools.School", on_delete=models.CASCADE, related_name="student_counts",
                               db_index=False)  # the leading column of the unique key serves it
    school_class = models.ForeignKey("schools.SchoolClass", null=True, on_delete=models.CASCADE,
                                     related_name="student_counts")
    class_key = models.BigIntegerField()  # school_class_id, or 0 for the school's pupils without a class
    status = models.CharField(max_length=2)
    reg_status = models.CharField(max_length=12)
    n = models.IntegerField(default=0)

    class Meta:
        verbose_name = _("pupil count")
        constraints = [models.UniqueConstraint(fields=["school", "class_key", "status", "reg_status"],
                                               name="student_count_key")]

    def __str__(self) -> str:
        return f"{self.school_id}/{self.class_key} {self.status} {self.reg_status}: {self.n}"


class SchoolStudentCount(models.Model):
    """The pupil counts rolled up per school (by status and registration state), with the school's org path, so that
    a jurisdiction's total is a SUM over its schools' few rows found by the path index (no join, no pupil read).
    Kept with `StudentCount` by the same upsert of the door (`registry/counts.py`); org paths never change (an org
    unit is not moved), and `rebuild_counts` recomputes these rows too."""

    jurisdiction_path = "path"

    school = models.ForeignKey("schools.School", on_delete=models.CASCADE, related_name="student_totals",
                               db_index=False)  # the leading column of the unique key serves it
    path = models.CharField(max_length=255, db_index=True)  # the school's org unit's path
    status = models.CharField(max_length=2)
    reg_status = models.CharField(max_length=12)
    n = models.IntegerField(default=0)

    class Meta:
        verbose_name = _("pupil count")
        constraints = [models.UniqueConstraint(fields=["school", "status", "reg_status"],
                                               name="school_student_count_key")]

    def __str__(self) -> str:
        return f"{self.school_id} {self.status} {self.reg_status}: {self.n}"


class CountyStudentCount(models.Model):
    """The pupil counts rolled up per county authority (by status and registration state), with the county's org
    path: an authority's total (a county, a city, the province) is a SUM over its counties' few rows, whatever the
    number of its schools and classes. Kept with the other two by the door's upserts (`registry/counts.py`: the
    county derived from the school in the same statement); a school's county never changes, and `rebuild_counts`
    recomputes these rows too. Not for a school's own users (a county's row lies outside a school's path)."""

    jurisdiction_path = "path"

    county = models.ForeignKey("regions.OrgUnit", on_delete=models.CASCADE, related_name="county_student_totals",
                               db_index=False)  # the leading column of the unique key serves it
    path = models.CharField(max_length=255, db_index=True)  # the county's org path
    status = models.CharField(max_length=2)
    reg_status = models.CharField(max_length=12)
    n = models.IntegerField(default=0)

    class Meta:
        verbose_name = _("pupil count")
        constraints = [models.UniqueConstraint(fields=["county", "status", "reg_status"],
                                               name="county_student_count_key")]

    def __str__(self) -> str:
        return f"county {self.county_id} {self.status} {self.reg_status}: {self.n}"


class NumberSequence(models.Model):
    """The last sequence used for a number family (e.g. L numbers of one area and birth date)."""

    key = models.CharField(max_length=32, primary_key=True)
    last = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.key}={self.last}"


class StudentMac(models.Model):
    """The record MAC of a pupil's identity items (SECURITY.md row 23, `registry/integrity.py`): HMAC-SM3 under the
    key ring's index key over name, sex, birth date, ethnic group, ID type, the ID number's blind index, the
    national student number and the school. Kept beside the pupil, not in its row: writing it is no write of the
    pupil (no change-feed entry, no `updated_at`), and the COPY of the import stays as it is. A plain id, no foreign
    key: set-based deletions of pupils are not held up; a MAC whose pupil is gone is dropped by the verification."""

    student_id = models.BigIntegerField(primary_key=True)
    mac = models.CharField(max_length=64)

    class Meta:
        verbose_name = _("pupil record MAC")

    def __str__(self) -> str:
        return f"MAC of pupil {self.student_id}"
