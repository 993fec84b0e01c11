"""Demo and benchmark data (演示数据): a province of schools, classes, pupils, guardians and demo accounts.

The default is the demo of the README: 安徽省 > 黄山市 and its seven districts and counties, loaded from
`xueji/regions/data/demo_regions.txt` (official GB/T 2260 codes, Ministry of Civil Affairs format) through
`regions_import`, then their education authorities through `authorities_ensure`; about 60 schools of every
stage, classes for every grade they teach, about 20,000 pupils with two guardians each, and an account for
every role at every level with one shared password (`DEMO_PASSWORD`). With `second_province` (the demo_data
command's default) a second, small province follows, made by the same generator in the same transaction: 浙江省 >
杭州市 > 淳安县 (`demo_regions_330000.txt`, real codes), four schools of every stage, 500 pupils, its own business
windows and class-size caps and accounts (`zhejiang_*`, `hangzhou_*`, `chunan_*`, `zj_school_*` ...), so that a
cross-province transfer can be tried end to end.

The same generator scales to millions of pupils for benchmarks (`bench/demo_scale.py`). Memory stays bounded:
pupils are made class by class in a second thread and written in batches (`COPY ... FROM STDIN` on PostgreSQL,
one prepared INSERT per batch on SQLite); the only state kept beyond a batch is the counters of ID-number and
L-number sequences of the county being made. One audit event is written per batch, not per row.

What is real and what is made up:
- Regions: the province, 黄山市 and its seven counties (and 浙江省, 杭州市, 淳安县) carry their real GB/T 2260 codes
  and names. More
  counties than seven (`counties > 7`) or more cities (`cities > 1`) are synthesized: extra counties of
  黄山市 take the unused codes 341025-341099; extra cities take the unused prefecture codes 347100, 347200 ...
  348900 (no real prefecture of any province uses 71-89), each with counties 02-99. Their names are made from
  a syllable list (e.g. 青溪县, 云岭市) and are not real places. For another province than 340000 everything
  below the province is synthesized the same way.
- Schools: names follow Chinese naming habits (屯溪区实验小学, 歙县第二中学, 歙县深渡镇中心小学, 黟县宏村镇
  石门村教学点) but are invented; codes are the county code plus 4 digits (first digit: 1 primary, 2 junior or
  nine-year, 3 secondary with senior stage, 5 special education).
- Pupils: ID numbers are valid (GB 11643 check digit) with area = the school's county, a birth date that
  puts the pupil in the grade of the class (6 years old on 31 August of the year the cohort entered grade 1)
  and an odd sequence for boys, even for girls; all ID numbers are unique. Names come from weighted common
  surnames (with the Huizhou surnames 汪 程 胡 方 a little boosted) and two-character given names.
- Teaching points (218) teach grades 1-4 only (older village pupils go to the township central school).

Planted imperfections, on purpose, so that the screens that find them have something to find:
- about 1.5% of pupils have no national student number yet (`national_number` empty) and about 0.5% hold
  a temporary number (`L` + area + birth date + 4 digits) instead of `G` + ID number;
- about 3 in 10,000 pupils share name, sex and birth date with a pupil of the same grade in another school
  (different ID numbers): candidates for the duplicate check (查重).
Everything else is consistent: valid IDs, ages matching grades, two guardians (father 51, mother 52) each,
a national-number registry row for every number handed out. The business windows of the province are open for
the whole current school year, so that every flow can be tried in the demo.

Why one module of ~850 lines: it is one generator (`DemoGenerator`), whose stages (regions, schools, classes,
accounts, pupils, numbers, windows) share its plans, id reservations and sequence counters and run in order; cut
into modules, each stage would reach back into the others' state. Its vocabulary (names, places, school naming)
lives in `vocabulary.py`, the registration demo in `registration.py`.
"""

from __future__ import annotations

import bisect
import datetime as dt
import itertools
import math
import random
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from queue import Full, Queue

from django.contrib.auth import password_validation
from django.contrib.auth.hashers import make_password
from django.core.management.color import no_style
from django.db import connection, models, transaction

from xueji.accounts.models import ROLES_BY_KIND, Role, RoleAssignment, User
from xueji.audit.models import AuditEvent
from xueji.audit.services import audit_record
from xueji.core import clock, codes, idnumbers
from xueji.core.db import TableWriter, analyze_changed
from xueji.core.errors import ValidationFailed
from xueji.demo.vocabulary import (
    BOY_CHARS,
    CLASS_SIZES,
    CODE_DIGIT,
    DEFAULT_NAMING,
    DEMO_COUNTIES,
    DEMO_PROVINCE_NAMING,
    DEMO_SCHOOL_ACCOUNTS,
    EMPLOYERS,
    ETHNIC_WEIGHTS,
    GIRL_CHARS,
    MEN_GIVEN,
    PHONE_PREFIXES,
    PROVINCES,
    ROADS,
    SECOND_PROVINCE,
    SECOND_PROVINCE_SIZE,
    SURNAMES,
    SYNTHETIC_CITY_NUMBERS,
    SYNTHETIC_COUNTY_NUMBERS,
    SYNTHETIC_FIRST,
    SYNTHETIC_SECOND,
    TYPE_CYCLE,
    TYPE_HEAD,
    VILLAGES,
    WOMEN_GIVEN,
    birth_window,
    chinese_number,
    grades_taught,
    overall_grade,
    school_name_candidates,
)
from xueji.policy.models import BusinessWindow, ClassCap
from xueji.policy.services import WINDOW_KINDS
from xueji.regions.models import LEVEL_RANK, OrgKind, OrgUnit, Region
from xueji.regions.services import _path_for, authorities_ensure, parse_region_lines, regions_import
from xueji.registry import counts, integrity
from xueji.registry.models import (
    FamilyMember,
    NationalNumber,
    NumberKind,
    NumberSequence,
    RegStatus,
    Student,
    StudentDetail,
    VerifyStatus,
)
from xueji.registry.validation import name_initials, name_pinyin
from xueji.schools import tallies
from xueji.schools.models import School, SchoolClass, SchoolYear

DEMO_PASSWORD = "Xueji@2026"
# The second factor of every demo account that needs one (administrators, leaders, authority registrars): one shared
# TOTP secret, printed by the demo_data command (base32 below) for an authenticator app. Demo only.
DEMO_TOTP_KEY = "78756a6964656d6f746f74702d6b65792d323032"  # 20 bytes


def demo_totp_secret() -> str:
    from base64 import b32encode

    return b32encode(bytes.fromhex(DEMO_TOTP_KEY)).decode("ascii")


def demo_second_factors() -> int:
    """Give the demo accounts that need a second factor the shared demo TOTP key (accounts.second_factor)."""
    from xueji.accounts.second_factor import enrolment_preset

    return enrolment_preset(key_hex=DEMO_TOTP_KEY)
DEMO_PROVINCE = "340000"
DEMO_REGIONS_FILE = Path(__file__).resolve().parent.parent / "regions" / "data" / "demo_regions.txt"
# The provinces whose real cities and counties the demo knows (others are synthesized below the province).
DEMO_REGION_FILES = {DEMO_PROVINCE: DEMO_REGIONS_FILE,
                     SECOND_PROVINCE: DEMO_REGIONS_FILE.with_name(f"demo_regions_{SECOND_PROVINCE}.txt")}
AUDIT_USERNAME = "demo_data"
MAX_CLASS_SIZE = 55  # above 55 is a 大班额 (oversized class) in the national rules

# ---------------------------------------------------------------------------------------------------------------
# Options, plans, results


@dataclass(frozen=True)
class DemoOptions:
    province: str = DEMO_PROVINCE
    cities: int = 1
    counties: int = 7
    schools: int = 60
    pupils: int = 20_000
    seed: int = 2260
    batch_size: int = 10_000
    # Add the small second province (浙江省 > 杭州市 > 淳安县, SECOND_PROVINCE_SIZE) after this one: the demo_data
    # command's default (cross-province transfers); off for the tests' and benchmarks' provinces made here.
    second_province: bool = False


@dataclass
class CountyPlan:
    code: str
    name: str
    city_code: str
    prefix: str  # account username prefix
    postcode: str
    towns: tuple[str, ...]
    urban: float
    weight: float
    unit: OrgUnit | None = None
    schools: list[SchoolPlan] = field(default_factory=list)


@dataclass
class ClassPlan:
    stage: str
    year_in_stage: int
    number: int
    size: int
    limit: int
    id: int = 0


@dataclass
class SchoolPlan:
    county: CountyPlan
    running_type: str
    name: str
    code: str
    town: str
    weight: float
    classes: list[ClassPlan] = field(default_factory=list)
    id: int = 0
    unit_id: int = 0


@dataclass(frozen=True)
class DemoAccount:
    username: str
    role: str
    org_name: str
    org_kind: str
    org_code: str
    full_name: str


@dataclass
class DemoResult:
    counts: dict[str, int]
    timings: dict[str, float]
    accounts: list[DemoAccount]


ProgressCallback = Callable[[str, int, int], None]


# ---------------------------------------------------------------------------------------------------------------
# Helpers on the database


def database_has_data() -> bool:
    return any(model.objects.exists() for model in (Region, OrgUnit, User, School, Student))


def _kept_tables() -> set[str]:
    from django.contrib.auth.models import Permission
    from django.contrib.contenttypes.models import ContentType

    from xueji.audit.models import AuditChainHead

    # The audit chain's heads go with the log they are the heads of (emptied, the next links would repeat seqs).
    return {AuditEvent._meta.db_table, AuditChainHead._meta.db_table, ContentType._meta.db_table,
            Permission._meta.db_table}


def reset_database() -> list[str]:
    """Empty every table of the project except the append-only audit log (and Django's own content types and
    permissions). IDs are not reused afterwards: old audit events never point at new objects."""
    kept = _kept_tables()
    tables = [t for t in connection.introspection.django_table_names(only_existing=True, include_views=False)
              if t not in kept]
    statements = connection.ops.sql_flush(no_style(), tables, reset_sequences=False, allow_cascade=False)
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # TRUNCATE refuses tables with deferred foreign-key checks pending in this transaction.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        for statement in statements:
            cursor.execute(statement)
        if connection.vendor == "postgresql":
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")
    return tables


def _reserve_ids(model: type[models.Model], count: int) -> int:
    """Reserve `count` consecutive primary keys for rows written with explicit ids; return the first."""
    if count <= 0:
        return 0
    table = model._meta.db_table
    column = model._meta.pk.column
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT pg_get_serial_sequence(%s, %s)", [table, column])
            sequence = cursor.fetchone()[0]
            cursor.execute("SELECT setval(%s, nextval(%s) + %s - 1)", [sequence, sequence, count])
            return cursor.fetchone()[0] - count + 1
        quoted = connection.ops.quote_name(table)
        cursor.execute(f"SELECT COALESCE(MAX({connection.ops.quote_name(column)}), 0) FROM {quoted}")  # noqa: S608
        highest = cursor.fetchone()[0]
        cursor.execute("SELECT seq FROM sqlite_sequence WHERE name = %s", [table])
        row = cursor.fetchone()
        return max(highest, row[0] if row else 0) + 1


def _audit_batch(stage: str, object_type: str, **after) -> None:
    audit_record(actor=None, username=AUDIT_USERNAME, action="demo.generate", object_type=object_type,
                 object_repr=f"demo data: {stage}", after={"stage": stage, **after})


# ---------------------------------------------------------------------------------------------------------------
# The generator


def _prefetched(items: Iterator[dict], depth: int = 2) -> Iterator[dict]:
    """Iterate `items` made ahead in a daemon thread, at most `depth` waiting (bounded memory).

    Errors in the thread are raised here; if the consumer stops early the thread is told to stop."""
    queue: Queue = Queue(maxsize=depth)
    stop = threading.Event()
    done = object()

    def produce() -> None:
        try:
            for item in items:
                while not stop.is_set():
                    try:
                        queue.put(item, timeout=0.5)
                        break
                    except Full:
                        continue
                if stop.is_set():
                    return
            queue.put(done)
        except BaseException as exc:  # handed to the consumer  # noqa: BLE001
            queue.put(exc)

    thread = threading.Thread(target=produce, name="demo-data-rows", daemon=True)
    thread.start()
    try:
        while True:
            item = queue.get()
            if item is done:
                return
            if isinstance(item, BaseException):
                raise item
            yield item
    finally:
        stop.set()
        thread.join(timeout=5)


class _People:
    """Random names, phones and ID numbers (one instance per run, seeded)."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.random = rng.random
        self.randrange = rng.randrange
        surnames, weights = zip(*SURNAMES, strict=True)
        self.surnames = surnames
        self.surname_cum = list(itertools.accumulate(weights))
        ethnic, ethnic_weights = zip(*ETHNIC_WEIGHTS, strict=True)
        self.ethnic = ethnic
        self.ethnic_cum = list(itertools.accumulate(ethnic_weights))

    def surname(self) -> str:
        cum = self.surname_cum
        return self.surnames[bisect.bisect_right(cum, self.random() * cum[-1])]

    def child_given(self, male: bool) -> str:
        chars = BOY_CHARS if male else GIRL_CHARS
        randrange = self.randrange
        first = chars[randrange(len(chars))]
        second = chars[randrange(len(chars))]
        while second == first and self.random() < 0.8:  # doubled names (乐乐) exist but are rarer
            second = chars[randrange(len(chars))]
        return first + second

    def adult_name(self, male: bool, surname: str | None = None) -> str:
        given = MEN_GIVEN if male else WOMEN_GIVEN
        return (surname or self.surname()) + given[self.randrange(len(given))]

    def phone(self) -> str:
        return f"{PHONE_PREFIXES[self.randrange(len(PHONE_PREFIXES))]}{self.randrange(100_000_000):08d}"

    def ethnic_group(self) -> str:
        cum = self.ethnic_cum
        return self.ethnic[bisect.bisect_right(cum, self.random() * cum[-1])]


class _IdAllocator:
    """Unique ID-number sequences within one area code: odd for men, even for women (GB 11643).

    Holds one counter per (birth date, sex) seen in the area; the generator writes county by county, so a new
    allocator per county keeps memory bounded however many pupils are made.
    """

    def __init__(self, area: str) -> None:
        self.area = area
        self.used: dict[int, int] = {}

    def make(self, birth: dt.date, male: bool) -> tuple[str, int]:
        ordinal = birth.toordinal()
        key = ordinal * 2 + male
        count = self.used.get(key, 0)
        if count >= 500:
            raise ValidationFailed(f"More than 500 people of one sex born on {birth} in {self.area}.",
                                   code="id_sequence_exhausted")
        self.used[key] = count + 1
        sequence = ((ordinal * 37 + count) % 500) * 2 + (1 if male else 0)
        return idnumbers.make(self.area, birth, sequence), sequence


class DemoGenerator:
    STUDENT_COLUMNS = ("id", "created_at", "updated_at", "school_id", "school_class_id", "province_code",
                       "national_number", "name", "name_pinyin", "name_initials", "sex", "birth_date", "ethnic",
                       "nationality", "id_type", "id_number", "status", "class_number", "entry_date", "hukou_nature",
                       "health", "address", "phone", "is_left_behind", "is_migrant", "reg_status", "verify_status")
    DETAIL_COLUMNS = ("student_id", "birthplace", "native_place", "hukou_location", "admission_mode",
                      "mailing_address", "family_address", "postcode", "is_only_child", "had_preschool", "left_behind",
                      "disability")
    FAMILY_COLUMNS = ("id", "student_id", "relation", "name", "id_type", "id_number", "phone", "is_guardian",
                      "employer", "ethnic", "address", "hukou_location")
    NUMBER_COLUMNS = ("id", "number", "kind", "student_id", "issued_at", "superseded_at")
    CLASS_COLUMNS = ("id", "created_at", "updated_at", "school_id", "stage", "cohort_year", "number", "name",
                     "head_teacher", "head_teacher_phone", "is_active")

    def __init__(self, options: DemoOptions, progress: ProgressCallback | None = None) -> None:
        self.options = options
        self.rng = random.Random(options.seed)
        self.people = _People(self.rng)
        self.progress = progress or (lambda stage, done, total: None)
        self.now = clock.now()
        self.school_year = SchoolYear.start_year_for(clock.today())
        self.counts: dict[str, int] = {}
        self.timings: dict[str, float] = {}
        self.province_name = ""
        # Account prefixes of the province level, its first city and its schools; the telephone area code.
        self.naming = DEMO_PROVINCE_NAMING.get(options.province, DEFAULT_NAMING)
        self.cities: list[tuple[str, str, str]] = []  # code, name, account prefix
        self.counties: list[CountyPlan] = []
        self.schools: list[SchoolPlan] = []

    # -- validation --------------------------------------------------------------------------------------------

    def validate(self) -> None:
        o = self.options
        if o.province not in PROVINCES:
            raise ValidationFailed(f"{o.province} is not a province-level code of GB/T 2260.", code="unknown_region",
                                   field="province")
        if o.cities < 1 or o.counties < o.cities:
            raise ValidationFailed("Need at least one city and at least one county per city.", code="invalid",
                                   field="counties")
        if o.schools < o.counties:
            raise ValidationFailed("Need at least one school per county.", code="invalid", field="schools")
        if o.pupils < 0 or o.batch_size < 1:
            raise ValidationFailed("Pupils and batch size must be positive.", code="invalid", field="pupils")
        try:
            password_validation.validate_password(DEMO_PASSWORD)
        except Exception as exc:  # the policy is configurable: say which setting refuses the demo password
            raise ValidationFailed(f"The demo password {DEMO_PASSWORD} fails the password policy: {exc}",
                                   code="weak_password") from None

    # -- regions -----------------------------------------------------------------------------------------------

    @property
    def _syllables(self) -> list[str]:
        return [a + b for a in SYNTHETIC_FIRST for b in SYNTHETIC_SECOND]

    def _synthetic_names(self, suffixes: Sequence[str], taken: set[str]) -> Iterator[str]:
        bases = self._syllables
        self.rng.shuffle(bases)
        longer = (a + b + c for a in SYNTHETIC_FIRST for b in SYNTHETIC_SECOND for c in SYNTHETIC_FIRST)
        for index, base in enumerate(itertools.chain(bases, longer)):
            name = base + suffixes[index % len(suffixes)]
            if base not in taken and name not in taken:
                taken.add(base)
                yield name

    def plan_regions(self) -> list[tuple[str, str]]:
        """The region rows to import: the demo file for 安徽省, synthesized cities and counties beyond it."""
        o = self.options
        rows: list[tuple[str, str]] = []
        province_real: list[tuple[str, str]] = []
        if o.province in DEMO_REGION_FILES:
            parsed, errors = parse_region_lines(DEMO_REGION_FILES[o.province].read_text(encoding="utf-8").splitlines())
            if errors:
                raise ValidationFailed("; ".join(errors), code="invalid_demo_regions")
            province_real = parsed
        self.province_name = PROVINCES[o.province]
        rows.append((o.province, self.province_name))
        taken = {name[:-1] for _code, name in province_real} | {name for _code, name in province_real}
        city_names = self._synthetic_names(("市",), taken)
        county_names = self._synthetic_names(("县", "区", "县"), taken)

        per_city = [o.counties // o.cities + (1 if i < o.counties % o.cities else 0) for i in range(o.cities)]
        synthetic_city_numbers = iter(SYNTHETIC_CITY_NUMBERS)
        for index, wanted in enumerate(per_city):
            real_counties: list[tuple[str, str]] = []
            if index == 0 and province_real:
                city_code, city_name = next((c, n) for c, n in province_real if c.endswith("00") and c != o.province)
                real_counties = [(c, n) for c, n in province_real if not c.endswith("00")]
                prefix = self.naming[1]
            else:
                number = next(synthetic_city_numbers, None)
                if number is None:
                    raise ValidationFailed(f"At most {len(SYNTHETIC_CITY_NUMBERS) + 1} cities can be made.",
                                           code="too_many_cities", field="cities")
                city_code, city_name = f"{o.province[:2]}{number:02d}00", next(city_names)
                prefix = self.naming[1] if index == 0 else f"city{city_code}"
            rows.append((city_code, city_name))
            self.cities.append((city_code, city_name, prefix))
            chosen = real_counties[:wanted]
            used_numbers = {int(c[4:]) for c, _n in real_counties}
            free = [n for n in SYNTHETIC_COUNTY_NUMBERS
                    if n not in used_numbers and (not real_counties or n > max(used_numbers))]
            if wanted - len(chosen) > len(free):
                raise ValidationFailed(f"{city_name} can hold at most {len(chosen) + len(free)} counties; "
                                       f"ask for more cities.", code="too_many_counties", field="counties")
            chosen += [(f"{city_code[:4]}{n:02d}", next(county_names)) for n in free[: wanted - len(chosen)]]
            for code, name in chosen:
                rows.append((code, name))
                demo = DEMO_COUNTIES.get(code)
                if demo:
                    prefix_, urban, weight, postcode, towns = demo
                else:
                    prefix_, urban, weight = f"county{code}", 1.0, self.rng.uniform(0.5, 2.0)
                    postcode = f"{self.rng.randrange(100_000, 860_000) // 100 * 100:06d}"
                    towns = ("城关镇", *(town + ("乡" if i % 4 == 3 else "镇")
                                        for i, town in enumerate(self.rng.sample(self._syllables, 7))))
                self.counties.append(CountyPlan(code=code, name=name, city_code=city_code, prefix=prefix_,
                                                postcode=postcode, towns=tuple(towns), urban=urban, weight=weight))
        return rows

    def load_regions(self) -> None:
        rows = self.plan_regions()
        result = regions_import(rows=rows)
        if result.errors:
            raise ValidationFailed("; ".join(result.errors), code="invalid_demo_regions")
        authorities_ensure(province_code=self.options.province)
        units = {u.code: u for u in OrgUnit.objects.filter(code__in=[c.code for c in self.counties])}
        for county in self.counties:
            county.unit = units[county.code]
        self.counts["regions"] = len(rows)
        self.counts["authorities"] = OrgUnit.objects.exclude(kind=OrgKind.SCHOOL).count()

    # -- schools and classes -----------------------------------------------------------------------------------

    def plan_schools(self) -> None:
        o, rng = self.options, self.rng
        total_weight = sum(c.weight for c in self.counties)
        # Largest remainder, at least one school per county.
        spare = o.schools - len(self.counties)
        shares = [c.weight / total_weight * spare for c in self.counties]
        numbers = [1 + math.floor(s) for s in shares]
        for index in sorted(range(len(shares)), key=lambda i: shares[i] - math.floor(shares[i]),
                            reverse=True)[: o.schools - sum(numbers)]:
            numbers[index] += 1
        for county, number in zip(self.counties, numbers, strict=True):
            used: set[str] = set()
            serials: dict[str, int] = {}
            for index in range(number):
                running_type = TYPE_HEAD[index] if index < len(TYPE_HEAD) else TYPE_CYCLE[
                    (index - len(TYPE_HEAD)) % len(TYPE_CYCLE)]
                name, town, size = next((n, t, s) for n, t, s in school_name_candidates(running_type, county.name,
                                                                                   county.towns) if n not in used)
                used.add(name)
                digit = CODE_DIGIT[running_type]
                serials[digit] = serials.get(digit, 0) + 1
                if serials[digit] > 999:
                    raise ValidationFailed(f"Too many schools in {county.name}.", code="too_many_schools")
                weight = size * county.urban * rng.uniform(0.75, 1.25)
                plan = SchoolPlan(county=county, running_type=running_type, name=name,
                                  code=f"{county.code}{digit}{serials[digit]:03d}", town=town, weight=weight)
                county.schools.append(plan)
                self.schools.append(plan)

    def plan_classes(self) -> None:
        """Classes per grade and pupils per class, adding up to exactly the pupils asked for.

        Each grade of a school wants pupils in proportion to the school's weight; a grade opens as many classes
        as its demand holds classes of the school's target size (42-50 in ordinary schools, 15 in teaching points,
        10 in special schools). Grades of more than one class are then filled to the target (scaled so that the
        total comes out right), a single class keeps its demand: so village schools have small classes. No class
        is above 55.
        """
        o, rng = self.options, self.rng
        slots: list[tuple[SchoolPlan, str, int, float]] = []
        for school in self.schools:
            stages = "".join(codes.STAGES_BY_RUNNING_TYPE[school.running_type])
            for stage, year in grades_taught(school.running_type, stages):
                slots.append((school, stage, year, school.weight))
        if o.pupils < len(slots):
            raise ValidationFailed(f"{o.pupils} pupils cannot fill the {len(slots)} grades of {o.schools} schools.",
                                   code="too_few_pupils", field="pupils")
        scale = o.pupils / sum(weight for *_rest, weight in slots)
        grade_plans: list[tuple[SchoolPlan, str, int, int, float, float]] = []
        for school, stage, year, weight in slots:
            demand = weight * scale
            target, limit = CLASS_SIZES.get(school.running_type, (rng.uniform(42, 50), MAX_CLASS_SIZE))
            number = max(1, round(demand / target))
            if number == 1 and demand > limit:
                number = 2
            grade_plans.append((school, stage, year, number, demand, target, limit))
        single = sum(plan[4] for plan in grade_plans if plan[3] == 1)
        multi = sum(plan[3] * plan[5] for plan in grade_plans if plan[3] > 1)
        factor = (o.pupils - single) / multi if multi else 1.0
        classes: list[ClassPlan] = []
        for school, stage, year, number, demand, target, limit in grade_plans:
            for index in range(1, number + 1):
                wanted = demand if number == 1 else target * factor * rng.uniform(0.96, 1.04)
                size = min(limit, max(1, round(wanted)))
                plan = ClassPlan(stage=stage, year_in_stage=year, number=index, size=size, limit=limit)
                school.classes.append(plan)
                classes.append(plan)
        # Exact total: move single pupils in or out of random classes within their limits.
        difference = o.pupils - sum(c.size for c in classes)
        order = list(range(len(classes)))
        while difference:
            rng.shuffle(order)
            moved = False
            for i in order:
                plan = classes[i]
                if difference > 0 and plan.size < plan.limit:
                    plan.size += 1
                    difference -= 1
                    moved = True
                elif difference < 0 and plan.size > 1:
                    plan.size -= 1
                    difference += 1
                    moved = True
                if not difference:
                    break
            if not moved:
                raise ValidationFailed("The classes cannot hold the pupils asked for.", code="too_many_pupils")

    def write_schools(self) -> None:
        first_unit = _reserve_ids(OrgUnit, len(self.schools))
        first_school = _reserve_ids(School, len(self.schools))
        units, schools = [], []
        for offset, plan in enumerate(self.schools):
            plan.unit_id, plan.id = first_unit + offset, first_school + offset
            county_unit = plan.county.unit
            unit = OrgUnit(id=plan.unit_id, kind=OrgKind.SCHOOL, name=plan.name, code=plan.code, parent=county_unit)
            unit.path = _path_for(unit)
            units.append(unit)
            schools.append(School(
                id=plan.id, org_unit_id=plan.unit_id, code=plan.code, name=plan.name, county_id=county_unit.pk,
                running_type=plan.running_type, stages="".join(codes.STAGES_BY_RUNNING_TYPE[plan.running_type]),
                address=f"{self.province_name}{plan.county.name}{plan.town}",
                phone=f"{self.naming[3]}-{self.rng.randrange(2_000_000, 8_000_000)}"))
        OrgUnit.objects.bulk_create(units, batch_size=2000)
        School.objects.bulk_create(schools, batch_size=2000)
        self.counts["schools"] = len(schools)
        _audit_batch("schools", "schools.school", schools=len(schools))

        start = self.school_year
        if not SchoolYear.objects.exists():  # the school years are everyone's: the second province finds them
            SchoolYear.objects.bulk_create([
                SchoolYear(start_year=start - 1, start_date=dt.date(start - 1, 9, 1), end_date=dt.date(start, 8, 31),
                           is_current=False),
                SchoolYear(start_year=start, start_date=dt.date(start, 9, 1), end_date=dt.date(start + 1, 8, 31),
                           is_current=True),
            ])
            _audit_batch("school years", "schools.schoolyear", current=f"{start}-{start + 1}")
        # Business windows open for the whole current school year, so every flow can be tried in the demo.
        BusinessWindow.objects.bulk_create([
            BusinessWindow(province_code=self.options.province, kind=kind, start_date=dt.date(start, 9, 1),
                           end_date=dt.date(start + 1, 8, 31), note="演示数据：整个学年开放")
            for kind in WINDOW_KINDS])
        _audit_batch("business windows", "policy.businesswindow", kinds=sorted(WINDOW_KINDS))
        # Class-size caps of the province (班额): 55 a class in every stage (56 and more is an oversized class in the
        # national rules); a city or county may set lower ones, the province may lock its own.
        province = OrgUnit.objects.get(code=self.options.province)
        ClassCap.objects.bulk_create([ClassCap(org_unit=province, stage=stage, cap=MAX_CLASS_SIZE) for stage in "123"])
        _audit_batch("class-size caps", "policy.classcap", cap=MAX_CLASS_SIZE)

        all_classes = [c for s in self.schools for c in s.classes]
        next_id = _reserve_ids(SchoolClass, len(all_classes))
        writer = TableWriter(SchoolClass, self.CLASS_COLUMNS)
        people, now, rows = self.people, self.now, []
        for school in self.schools:
            for plan in school.classes:
                plan.id, next_id = next_id, next_id + 1
                teacher = people.adult_name(male=people.random() < (0.3 if plan.stage == "1" else 0.5))
                rows.append((plan.id, now, now, school.id, plan.stage, start - plan.year_in_stage + 1, plan.number,
                             "", teacher, people.phone(), True))
        for chunk in range(0, len(rows), self.options.batch_size):
            writer.write(rows[chunk: chunk + self.options.batch_size])
        self.counts["classes"] = len(rows)
        _audit_batch("classes", "schools.schoolclass", classes=len(rows))

    # -- pupils and guardians ----------------------------------------------------------------------------------

    def write_pupils(self) -> None:
        """Pupils class by class, each with details, two guardians and (mostly) a national number.

        The rows are made in a second thread while this one writes the previous batch, so that Python making
        rows and the database storing them overlap (the generator thread touches no database)."""
        o = self.options
        writers = {
            "students": TableWriter(Student, self.STUDENT_COLUMNS),
            "details": TableWriter(StudentDetail, self.DETAIL_COLUMNS),
            "family": TableWriter(FamilyMember, self.FAMILY_COLUMNS),
            "numbers": TableWriter(NationalNumber, self.NUMBER_COLUMNS),
            "sequences": TableWriter(NumberSequence, ("key", "last")),
        }
        first_ids = (_reserve_ids(Student, o.pupils), _reserve_ids(FamilyMember, 2 * o.pupils),
                     _reserve_ids(NationalNumber, o.pupils))
        batch = written = numbers = 0
        for rows in _prefetched(self.pupil_batches(*first_ids)):
            for name, writer in writers.items():
                writer.write(rows[name])
            students = rows["students"]
            if students:
                batch += 1
                written += len(students)
                numbers += len(rows["numbers"])
                _audit_batch("pupils", "registry.student", batch=batch, students=len(students),
                             family_members=len(rows["family"]), national_numbers=len(rows["numbers"]),
                             first_id=students[0][0], last_id=students[-1][0])
                self.progress("pupils", written, o.pupils)
        self.counts["pupils"] = written
        self.counts["family_members"] = 2 * written
        self.counts["national_numbers"] = numbers
        self.counts["pupil_batches"] = batch

    def pupil_batches(self, next_student: int, next_family: int, next_number: int) -> Iterator[dict[str, list]]:
        """Rows of pupils, details, guardians, numbers and number sequences, `batch_size` pupils at a time.

        Pure Python (no database access): ids come reserved. Memory: one batch, plus the ID-number and
        L-number counters of the county being made."""
        o = self.options
        people, rng = self.people, self.rng
        random_, randrange = rng.random, rng.randrange
        now, start, province = self.now, self.school_year, o.province
        names = ("students", "details", "family", "numbers", "sequences")
        rows: dict[str, list[tuple]] = {name: [] for name in names}
        students, details, family, numbers = rows["students"], rows["details"], rows["family"], rows["numbers"]
        last_of_grade: dict[int, tuple[int, str, str, bool, dt.date]] = {}  # for the planted near-duplicates
        windows = {}
        for grade in range(1, 13):
            first, last = birth_window(start, grade)
            windows[grade] = (first.toordinal(), (last - first).days + 1)
        fromordinal = dt.date.fromordinal
        registered, draft = RegStatus.REGISTERED.value, RegStatus.DRAFT.value
        verified, sent, unverified = VerifyStatus.VERIFIED.value, VerifyStatus.SENT.value, VerifyStatus.UNVERIFIED.value
        city_names = {code: name for code, name, _prefix in self.cities}

        def take() -> dict[str, list[tuple]]:
            nonlocal rows, students, details, family, numbers
            full, rows = rows, {name: [] for name in names}
            students, details, family, numbers = rows["students"], rows["details"], rows["family"], rows["numbers"]
            return full

        for county in self.counties:
            ids = _IdAllocator(county.code)
            temporary: dict[str, int] = {}  # L-number sequences of this county, by area + birth date
            employers = [e.format(county=county.name) for e in EMPLOYERS]
            rural_county = county.urban <= 1.0
            area = county.code
            for school in county.schools:
                address_base = f"{self.province_name}{city_names[county.city_code]}{county.name}{school.town}"
                on_street = school.town.endswith("街道")
                special = school.running_type == "513"
                for klass in school.classes:
                    grade = overall_grade(klass.stage, klass.year_in_stage)
                    window_start, window_days = windows[grade]
                    entry = dt.date(start - klass.year_in_stage + 1, 9, 1)
                    admission = "21" if klass.stage == "3" else "11"
                    for seat in range(1, klass.size + 1):
                        duplicate = last_of_grade.get(grade)
                        if duplicate and duplicate[0] != school.id and random_() < 0.0003:
                            _school, surname, given, male, birth = duplicate
                        else:
                            male = random_() < 0.52
                            surname, given = people.surname(), people.child_given(male)
                            birth = fromordinal(window_start + randrange(window_days))
                        name = surname + given
                        id_number, _sequence = ids.make(birth, male)
                        student_id = next_student
                        next_student += 1
                        roll = random_()
                        if roll < 0.015:  # planted: entered, not yet submitted for registration
                            national, reg_status, verify_status = None, draft, unverified
                        elif roll < 0.02:  # planted: registered with a temporary number, ID being checked
                            key = f"L{area}{birth:%Y%m%d}"
                            temporary[key] = temporary.get(key, 0) + 1
                            national, reg_status, verify_status = f"{key}{temporary[key]:04d}", registered, sent
                            numbers.append((next_number, national, NumberKind.L.value, student_id, now, None))
                            next_number += 1
                        else:
                            national, reg_status, verify_status = "G" + id_number, registered, verified
                            numbers.append((next_number, national, NumberKind.G.value, student_id, now, None))
                            next_number += 1
                        if on_street:
                            address = f"{address_base}{ROADS[randrange(len(ROADS))]}{randrange(1, 300)}号"
                        else:
                            address = f"{address_base}{VILLAGES[randrange(len(VILLAGES))]}{randrange(1, 120)}号"
                        father_phone, mother_phone = people.phone(), people.phone()
                        left_behind = "0"
                        if rural_county and random_() < 0.08:
                            left_behind = "2" if random_() < 0.4 else "1"
                        ethnic = people.ethnic_group()
                        students.append((
                            student_id, now, now, school.id, klass.id, province, national, name,
                            name_pinyin(name), name_initials(name), "1" if male else "2", birth, ethnic, "CHN", "1",
                            id_number, "01", f"{seat:02d}", entry,
                            "1" if random_() < (0.7 if rural_county else 0.35) else "2",
                            "10" if random_() < 0.985 else "20", address,
                            mother_phone if random_() < 0.6 else father_phone,
                            left_behind != "0", random_() < (0.03 if rural_county else 0.07),
                            reg_status, verify_status,
                        ))
                        details.append((
                            student_id, area, area, area, admission, address, address, county.postcode,
                            random_() < 0.3, random_() < 0.95, left_behind, "5" if special else "0",
                        ))
                        father_birth = fromordinal(birth.toordinal() - randrange(24 * 365, 38 * 365))
                        mother_birth = fromordinal(birth.toordinal() - randrange(22 * 365, 35 * 365))
                        father_id, _sequence = ids.make(father_birth, True)
                        mother_id, _sequence = ids.make(mother_birth, False)
                        family.append((next_family, student_id, "51", people.adult_name(True, surname), "1",
                                       father_id, father_phone, True, employers[randrange(len(employers))],
                                       ethnic, address, area))
                        family.append((next_family + 1, student_id, "52", people.adult_name(False), "1",
                                       mother_id, mother_phone, True, employers[randrange(len(employers))],
                                       "01" if random_() < 0.99 else ethnic, address, area))
                        next_family += 2
                        last_of_grade[grade] = (school.id, surname, given, male, birth)
                        if len(students) >= o.batch_size:
                            yield take()
            # The number registry continues each L family after the numbers handed out here.
            rows["sequences"].extend(sorted(temporary.items()))
        if students or rows["sequences"]:
            yield take()

    # -- accounts ----------------------------------------------------------------------------------------------

    def demo_school_prefixes(self) -> list[tuple[str, SchoolPlan]]:
        """The handful of schools that get accounts: prefer the first county (屯溪区) for `school_`."""
        chosen: list[tuple[str, SchoolPlan]] = []
        taken: set[int] = set()
        for prefix, types in DEMO_SCHOOL_ACCOUNTS:
            for running_type in types:
                plan = next((s for s in self.schools if s.running_type == running_type and s.id not in taken), None)
                if plan:
                    chosen.append((prefix, plan))
                    taken.add(plan.id)
                    break
        return chosen

    def write_accounts(self) -> None:
        units: list[tuple[str, int, str]] = []  # prefix, org unit id, kind
        province = OrgUnit.objects.get(code=self.options.province)
        units.append((self.naming[0], province.pk, OrgKind.PROVINCE))
        by_code = {u.code: u for u in OrgUnit.objects.filter(code__in=[c for c, _n, _p in self.cities])}
        for code, _name, prefix in self.cities:
            units.append((prefix, by_code[code].pk, OrgKind.CITY))
        for county in self.counties:
            units.append((county.prefix, county.unit.pk, OrgKind.COUNTY))
        for prefix, plan in self.demo_school_prefixes():
            units.append((self.naming[2] + prefix, plan.unit_id, OrgKind.SCHOOL))
        # One shared demo password: hash it once (hashing is deliberately slow).
        password = make_password(DEMO_PASSWORD)
        people = self.people
        users, roles = [], []
        first = _reserve_ids(User, sum(len(ROLES_BY_KIND[kind]) for _p, _u, kind in units))
        for prefix, unit_id, kind in units:
            for role in ROLES_BY_KIND[kind]:
                male = people.random() < 0.5
                users.append(User(id=first + len(users), username=f"{prefix}_{role}", password=password,
                                  full_name=people.adult_name(male), org_unit_id=unit_id, phone=people.phone(),
                                  password_changed_at=self.now, must_change_password=False, is_active=True))
                roles.append(RoleAssignment(user_id=users[-1].id, role=role))
        User.objects.bulk_create(users)
        RoleAssignment.objects.bulk_create(roles)
        self.counts["accounts"] = len(users)
        _audit_batch("accounts", "accounts.user", accounts=len(users), usernames=[u.username for u in users][:200])

    # -- the whole run -----------------------------------------------------------------------------------------

    def run(self, *, rebuild_counts: bool = True) -> DemoResult:
        self.validate()
        steps = (("regions", self.load_regions), ("schools", self.plan_schools), ("classes", self.plan_classes),
                 ("schools and classes written", self.write_schools), ("pupils", self.write_pupils),
                 ("pupil counts", counts.rebuild if rebuild_counts else lambda: None),
                 ("record MACs", integrity.refresh_all if rebuild_counts else lambda: None),
                 ("school and class tallies", tallies.rebuild),
                 ("accounts", self.write_accounts))
        with transaction.atomic():
            for name, step in steps:
                began = time.perf_counter()
                step()
                self.timings[name] = time.perf_counter() - began
        return DemoResult(counts=self.counts, timings=self.timings, accounts=demo_accounts())


def second_province_options(options: DemoOptions) -> DemoOptions | None:
    """The small second province that follows `options` (None when it is not asked for, or is the first)."""
    if not options.second_province or options.province == SECOND_PROVINCE:
        return None
    return DemoOptions(province=SECOND_PROVINCE, seed=options.seed + 1, batch_size=options.batch_size,
                       **SECOND_PROVINCE_SIZE)


def generate(options: DemoOptions | None = None, *, reset: bool = False,
             progress: ProgressCallback | None = None) -> DemoResult:
    """Generate demo data into an empty database (or, with `reset`, after emptying it but for the audit log)."""
    options = options or DemoOptions()
    generator = DemoGenerator(options, progress)
    generator.validate()
    second = second_province_options(options)
    with transaction.atomic():
        if reset:
            began = time.perf_counter()
            reset_database()
            audit_record(actor=None, username=AUDIT_USERNAME, action="demo.reset", object_type="database",
                         object_repr="demo data: reset")
            generator.timings["reset"] = time.perf_counter() - began
        elif database_has_data():
            raise ValidationFailed("The database already holds data; use --reset to replace it with demo data.",
                                   code="demo_data_exists")
        result = generator.run(rebuild_counts=second is None)
        if second is not None:  # the second province, in the same transaction; then the counts of both at once
            began = time.perf_counter()
            other = DemoGenerator(second, progress).run()
            for key, value in other.counts.items():
                result.counts[key] = result.counts.get(key, 0) + value
            result.counts["authorities"] = other.counts["authorities"]  # counted over the whole table
            result.timings["second province"] = time.perf_counter() - began
            result.accounts = other.accounts
        committing = time.perf_counter()
    # PostgreSQL checks the deferred foreign keys of every row written at commit: part of the cost.
    result.timings["commit"] = time.perf_counter() - committing
    # Fresh statistics for every table the load filled, at once: plans made on an empty table's statistics are
    # slow for a million rows, and autovacuum may come late or never (issue 14).
    began = time.perf_counter()
    counts = result.counts
    analyze_changed({Region: counts.get("regions", 0), OrgUnit: counts.get("authorities", 0) + counts.get("schools", 0),
                     School: counts.get("schools", 0), SchoolClass: counts.get("classes", 0),
                     Student: counts.get("pupils", 0), StudentDetail: counts.get("pupils", 0),
                     FamilyMember: counts.get("family_members", 0), NationalNumber: counts.get("national_numbers", 0),
                     NumberSequence: counts.get("pupils", 0), User: counts.get("accounts", 0),
                     RoleAssignment: counts.get("accounts", 0)}, force=True)
    result.timings["analyze"] = time.perf_counter() - began
    return result


def demo_accounts() -> list[DemoAccount]:
    """Every account with its roles, highest level first (the demo accounts in a demo database)."""
    rows = (RoleAssignment.objects.select_related("user__org_unit")
            .filter(user__is_active=True, user__org_unit__isnull=False)
            .order_by("user__org_unit__path", "user__username"))
    accounts = [DemoAccount(username=r.user.username, role=r.role, org_name=r.user.org_unit.name,
                            org_kind=r.user.org_unit.kind, org_code=r.user.org_unit.code,
                            full_name=r.user.full_name) for r in rows]
    role_order = {role: index for index, role in enumerate(Role.values)}
    # Province by province (the demo's first province first), then level by level.
    return sorted(accounts, key=lambda a: (a.org_code[:2] != DEMO_PROVINCE[:2], a.org_code[:2],
                                           LEVEL_RANK[OrgKind(a.org_kind)], a.org_code, role_order.get(a.role, 99),
                                           a.username))


__all__ = ["DEMO_PASSWORD", "DEMO_TOTP_KEY", "demo_second_factors", "demo_totp_secret",
           "DemoAccount", "DemoOptions", "DemoResult", "birth_window", "chinese_number",
           "database_has_data", "demo_accounts", "generate", "grades_taught", "overall_grade",
           "reset_database", "second_province_options"]
