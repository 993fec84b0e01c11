#!/usr/bin/env python
"""Bulk import benchmark on PostgreSQL (issue 3, "Speed"): with 1,000,000 pupils already stored, import a file
of 100,000 new pupils end to end and compare, in the same run, with

  (a) a plain COPY of the same 100,000 pupils (student + details + two family members each) into the same
      tables: the database's own limit;
  (b) django-import-export doing the same import (on a 5,000-row file: it is slow), compared in rows/second;

and measure the peak memory (ru_maxrss) of a process that imports a 1,000,000-row CSV.

    .venv/bin/python bench/import_bench.py                       # everything, results in bench/results/import.md
    .venv/bin/python bench/import_bench.py --skip-memory --rows 20000

Databases (server --server, trust auth): a base database with the 1M pupils is built once with the demo
generator (`manage.py demo_data`, ~5 min) and kept (--base, default xueji_import_base; --rebuild-base to redo
it); every measurement runs in a fresh copy of it (CREATE DATABASE ... TEMPLATE), so each starts from the same
state. The copies are dropped at the end.

django-import-export is not a project dependency: it is installed into var/bench-iie (pip --target) on first use
and put on sys.path of its child process only; .venv and requirements.lock are left alone.
"""

import argparse
import csv
import datetime as dt
import json
import os
import platform
import random
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
IIE_DIR = ROOT / "var" / "bench-iie"
IIE_REQUIREMENT = "django-import-export==4.4.3"
RESULTS = ROOT / "bench" / "results" / "import.md"
BENCH_AREA = "349901"  # an area code no demo county uses: the new pupils' IDs never collide with stored ones
ACTOR = "school_registrar"  # a demo account: registrar of 屯溪区实验小学


# Databases -------------------------------------------------------------------------------------------------------

def admin(server: str, sql: str):
    import psycopg

    with psycopg.connect(f"{server}/postgres", autocommit=True) as conn:
        cursor = conn.execute(sql)
        return cursor.fetchall() if cursor.description else []


def exists(server: str, name: str) -> bool:
    return bool(admin(server, f"SELECT 1 FROM pg_database WHERE datname = '{name}'"))


def manage(database_url: str, *args: str) -> str:
    env = {**os.environ, "DATABASE_URL": database_url, "DJANGO_SETTINGS_MODULE": "config.settings.base",
           "XUEJI_ALLOW_DEMO_DATA": "true"}
    done = subprocess.run([PYTHON, "manage.py", *args], cwd=ROOT, env=env, check=True, capture_output=True,
                          text=True)
    return done.stdout


def ensure_base(args) -> None:
    if exists(args.server, args.base) and not args.rebuild_base:
        return
    print(f"building {args.base}: {args.pupils:,} pupils with the demo generator (once) ...", flush=True)
    admin(args.server, f'DROP DATABASE IF EXISTS "{args.base}"')
    admin(args.server, f'CREATE DATABASE "{args.base}"')
    url = f"{args.server}/{args.base}"
    manage(url, "migrate", "-v0")
    began = time.perf_counter()
    manage(url, "demo_data", "--cities", "5", "--counties", str(getattr(args, "counties", 100)), "--schools",
           str(getattr(args, "schools", 5000)), "--pupils", str(args.pupils), "--no-second-province")
    print(f"  built in {time.perf_counter() - began:.0f} s", flush=True)


def fresh_copy(args, name: str) -> str:
    admin(args.server, f'DROP DATABASE IF EXISTS "{name}"')
    admin(args.server, f'CREATE DATABASE "{name}" TEMPLATE "{args.base}"')
    url = f"{args.server}/{name}"
    manage(url, "migrate", "-v0")  # the base may predate newer migrations
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE")
    return url


# The file --------------------------------------------------------------------------------------------------------

def setup_django(database_url: str) -> None:
    os.environ["DATABASE_URL"] = database_url
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings.base"
    os.environ.setdefault("XUEJI_LOG_LEVEL", "WARNING")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


SURNAMES = ("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁"
            "潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江"
            "尹薛闫段雷侯龙史黎贺顾毛郝龚邵万钱覃武戴孔汤庞")
GIVEN = ("伟芳娜敏静丽强磊军洋勇艳杰涛明超秀霞平刚桂英华玉萍红娟建文辉力兰"
         "宇浩然子涵欣怡梓轩一诺雨彤梓涵思远佳琪晨曦俊杰博文")
COMMUTE = ("步行", "家长自行接送", "公共交通（含城市公交、农村客运、地铁）")
ETHNIC = ["汉族"] * 24 + ["回族", "满族", "壮族", "苗族", "土家族", "畲族"]
RELATIONS = [("父亲", "母亲")] * 9 + [("祖父", "祖母")]


def pupil_rows(count: int, class_names: list[str], *, seed: int = 2026, start: int = 0):
    """Realistic import rows in template column order (registry.fields.ALL_ITEMS): all required items, two
    guardians, some optional items; unique valid ID numbers in BENCH_AREA."""
    from xueji.core import idnumbers
    from xueji.registry.fields import ALL_ITEMS

    keys = [item.key for item in ALL_ITEMS]
    rng = random.Random(seed + start)
    first_day = dt.date(2010, 9, 1)
    for n in range(start, start + count):
        day, sequence = divmod(n, 450)  # 450 boys and 450 girls a day: ID sequences 001-999 stay unique
        birth = first_day + dt.timedelta(days=day % 3600)
        male = rng.random() < 0.52
        number = idnumbers.make(BENCH_AREA, birth, 2 * sequence + (1 if male else 2))
        name = rng.choice(SURNAMES) + "".join(rng.choices(GIVEN, k=rng.choice((1, 2, 2))))
        father, mother = rng.choice(RELATIONS)
        street = f"{rng.choice(('新安', '黄山', '延安', '跃进', '滨江', '长干'))}路{rng.randint(1, 999)}号"
        values = {
            "class_name": rng.choice(class_names), "name": name, "sex": "男" if male else "女",
            "birth_date": birth.isoformat(), "birthplace": "341002", "native_place": rng.choice(("341002", "341021")),
            "ethnic": rng.choice(ETHNIC), "nationality": "CHN", "id_type": "居民身份证", "id_number": number,
            "gatqw": "否", "health": "健康或良好", "hukou_location": "341002",
            "hukou_nature": rng.choice(("农业户口", "非农业户口")),
            "entry_date": f"{min(birth.year + 7, 2025)}09", "admission_mode": "就近入学",
            "study_mode": rng.choice(("走读", "走读", "住校")), "student_source": "正常入学",
            "address": "屯溪区" + street, "mailing_address": "屯溪区" + street, "family_address": "屯溪区" + street,
            "phone": f"1{rng.choice('3589')}{rng.randrange(10 ** 9):09d}", "postcode": "245000",
            "is_only_child": rng.choice(("是", "否")), "had_preschool": "是", "left_behind": "非留守儿童",
            "is_migrant": "否", "commute_mode": rng.choice(COMMUTE),
            "guardian1.name": name[0] + rng.choice(GIVEN) + rng.choice(GIVEN), "guardian1.relation": father,
            "guardian1.phone": f"13{rng.randrange(10 ** 9):09d}", "guardian1.id_type": "居民身份证",
            "guardian1.id_number": idnumbers.make("341002", dt.date(1980 + n % 12, 1 + n % 12, 1 + n % 28),
                                                  2 * (n % 499) + 1),
            "guardian1.employer": rng.choice(("", "黄山市某公司", "务农", "个体")),
            "guardian1.is_guardian": "是", "guardian2.relation": mother,
            "guardian2.name": rng.choice(SURNAMES) + rng.choice(GIVEN) + rng.choice(GIVEN),
            "guardian2.phone": f"15{rng.randrange(10 ** 9):09d}", "guardian2.is_guardian": "是",
        }
        yield [values.get(key, "") for key in keys]


def write_csv(path: Path, count: int, class_names: list[str], *, start: int = 0) -> Path:
    from xueji.exchange.readers import header_title
    from xueji.registry.fields import ALL_ITEMS

    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\r\n")
        writer.writerow([header_title(item) for item in ALL_ITEMS])
        writer.writerows(pupil_rows(count, class_names, start=start))
    return path


def write_xlsx(path: Path, count: int, class_names: list[str]) -> Path:
    """The same kind of rows as an .xlsx laid out like the template (strings, as typed into text cells)."""
    import xlsxwriter

    from xueji.exchange.readers import header_title
    from xueji.registry.fields import ALL_ITEMS

    workbook = xlsxwriter.Workbook(str(path), {"constant_memory": True, "strings_to_numbers": False,
                                               "strings_to_formulas": False})
    sheet = workbook.add_worksheet("学生信息")
    sheet.write_row(0, 0, [header_title(item) for item in ALL_ITEMS])
    for number, row in enumerate(pupil_rows(count, class_names, start=500_000), start=1):
        for col, value in enumerate(row):
            if value:
                sheet.write_string(number, col, value)
    workbook.close()
    return path


def demo_school():
    from xueji.accounts.models import User
    from xueji.exchange.classes import class_labels

    actor = User.objects.select_related("org_unit").get(username=ACTOR)
    school = actor.org_unit.school
    return actor, school, [label for label, _k in class_labels(school)]


def watermark() -> int:
    """The highest pupil id before a measurement: what it writes comes after (ids from the sequence)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT COALESCE(max(id), 0) FROM registry_student")
        return cursor.fetchone()[0]


def counts(since: int) -> dict[str, int]:
    """Rows of the pupils after `since` (the measurement's) in the four tables: index range scans, so the counting
    costs the database next to nothing. (The ID numbers are sealed: they cannot be ranged over.)"""
    from django.db import connection

    queries = {
        "registry_student": "SELECT count(*) FROM registry_student WHERE id > %s",
        "registry_studentdetail": "SELECT count(*) FROM registry_studentdetail WHERE student_id > %s",
        "registry_familymember": "SELECT count(*) FROM registry_familymember WHERE student_id > %s",
        "registry_studentmac": "SELECT count(*) FROM registry_studentmac WHERE student_id > %s",
    }
    out = {}
    with connection.cursor() as cursor:
        for table, sql in queries.items():
            cursor.execute(sql, [since])
            out[table] = cursor.fetchone()[0]
    return out


def maxrss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


class TreeMemory:
    """Peak resident memory of this process and its descendants together, and the CPU seconds of the descendants
    (the import's checking processes are children of multiprocessing's fork server, itself our child), sampled
    from /proc every 0.2 s."""

    def __init__(self) -> None:
        import threading

        self.peak = 0
        self.cpu: dict[int, float] = {}
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _sample(self) -> int:
        parents, rss, cpu = {}, {}, {}
        tick = os.sysconf("SC_CLK_TCK")
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                fields = {line.split(":")[0]: line.split(":")[1].strip()
                          for line in (entry / "status").read_text().splitlines() if ":" in line}
                stat = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            pid = int(entry.name)
            parents[pid] = int(fields.get("PPid", "0"))
            rss[pid] = int(fields.get("VmRSS", "0 kB").split()[0])
            cpu[pid] = (int(stat[11]) + int(stat[12])) / tick
        me, total = os.getpid(), 0
        for pid, kib in rss.items():
            seen, node = set(), pid
            while node and node not in seen:
                if node == me:
                    total += kib
                    if pid != me:
                        self.cpu[pid] = cpu[pid]
                    break
                seen.add(node)
                node = parents.get(node, 0)
        return total

    def _run(self) -> None:
        while not self.stop.wait(0.2):
            self.peak = max(self.peak, self._sample())

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop.set()
        self.thread.join()

    @property
    def descendants_cpu(self) -> float:
        return sum(self.cpu.values())


# Children: each measurement runs in its own process on its own fresh database ------------------------------

def child_ours(url: str, file: Path, raise_limit: bool = False) -> dict:
    """The whole import as a school registrar gets it: the upload stored and checked (size, type, columns),
    then the job's work (parse, validate, class, duplicates in the file and against the 1M stored, COPY,
    error report, audit), with the writer thread."""
    setup_django(url)
    from django.core.files import File

    from xueji.exchange import pipeline
    from xueji.exchange.models import ImportBatch
    from xueji.exchange.services import check_file
    from xueji.exchange.uploads import import_max_bytes, store_upload
    from xueji.policy.models import ClassCap, PolicySetting

    actor, school, _classes = demo_school()
    if raise_limit:  # the 1M-row file is bigger than the default 100 MB upload limit
        PolicySetting.objects.update_or_create(province_code="340000", key="import.max_bytes",
                                               defaults={"value": 4 * 1024 ** 3})
    # The file puts its pupils into one school's few classes: the demo's class-size caps would refuse nearly every
    # row. The bench measures the import, so no level caps the classes here.
    ClassCap.objects.all().delete()
    since = watermark()
    usage = resource.getrusage(resource.RUSAGE_SELF)
    cpu_before = usage.ru_utime + usage.ru_stime
    began = time.perf_counter()
    with file.open("rb") as handle:
        stored = store_upload(File(handle, name=file.name), limit=import_max_bytes(school.org_unit))
    file_type, encoding = check_file(stored.path, stored.name)
    from xueji.core import clock

    batch = ImportBatch.objects.create(school=school, kind="enrolled", file_name=stored.name, file_size=stored.size,
                                       file_type=file_type, sha256=stored.sha256, stored_file=stored.relative,
                                       encoding=encoding, created_by=actor, created_at=clock.now())
    accepted = time.perf_counter()
    if os.environ.get("BENCH_CHUNK_ROWS"):  # a knob to try another chunk size
        pipeline.CHUNK_ROWS = int(os.environ["BENCH_CHUNK_ROWS"])
    with TreeMemory() as tree:
        result = pipeline.run_import(batch, threaded=os.environ.get("BENCH_THREADED", "1") == "1")
    wall = time.perf_counter() - began
    written = counts(since)
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return {"wall_s": wall, "accept_s": accepted - began, "result": result, "written": written,
            "maxrss_mib": maxrss_mib(),
            "tree_peak_mib": tree.peak / 1024, "checking_processes_cpu_s": tree.descendants_cpu,
            "python_cpu_s": usage.ru_utime + usage.ru_stime - cpu_before + tree.descendants_cpu}


def child_copy(url: str, file: Path, variant: str = "text") -> dict:
    """A plain COPY of the same pupils into the same tables: the very rows ours stores (sealed ID numbers, phones
    and addresses, their blind indexes, the record MACs), checked and formatted as COPY text beforehand by the
    import's own code (not timed); then nextval for the ids, the COPY statements and the commit (which runs the
    deferred foreign-key checks, as the import's commits do). `variant`: "text" (student, details, two family
    members and the record MAC: everything ours writes of a pupil) or "text3" (the three pupil tables only, as
    before the MACs)."""
    setup_django(url)
    from django.db import connection, transaction

    from xueji.core import clock
    from xueji.exchange.classes import class_lookup, normalise_class_name
    from xueji.exchange.readers import CsvSource, match_columns
    from xueji.registry.models import FamilyMember, Student, StudentDetail
    from xueji.registry.services import _copy_table, _student_sequence, students_copy_prepare
    from xueji.registry.validation import validate_row

    actor, school, _classes = demo_school()
    lookup = class_lookup(school)
    source = CsvSource(file)
    columns = match_columns(source.open())
    keys = [item.key for _pos, item in columns.items]
    today = clock.today()
    prepared = []
    for _number, cells in source.rows():
        clean, errors = validate_row(dict(zip(keys, cells, strict=False)), today=today)
        assert not errors, errors
        prepared.append((lookup[normalise_class_name(clean.class_name)], clean))
    source.close()
    with connection.cursor() as cursor:
        cursor.execute("SELECT nextval(%s) FROM generate_series(1, %s)", [_student_sequence(), len(prepared)])
        ids = [row[0] for row in cursor.fetchall()]
    pupils = students_copy_prepare(school=school, rows=prepared, ids=ids, province_code="340000")
    sqls = [_copy_table(m).sql for m in (Student, StudentDetail, FamilyMember)]
    sqls.append("COPY registry_studentmac (student_id, mac) FROM STDIN")
    texts = [bytes(b) for b in pupils.buffers]
    if variant == "text3":
        sqls, texts = sqls[:3], texts[:3]
    del pupils, prepared
    since = ids[0] - 1
    usage = resource.getrusage(resource.RUSAGE_SELF)
    cpu_before = usage.ru_utime + usage.ru_stime
    began = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT nextval(%s) FROM generate_series(1, %s)", [_student_sequence(), len(ids)])
        for sql, text in zip(sqls, texts, strict=True):
            with cursor.copy(sql) as copy:
                copy.write(text)
    copied = time.perf_counter() - began
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return {"variant": variant, "copy_s": copied, "pupils": len(ids),
            "python_cpu_s": usage.ru_utime + usage.ru_stime - cpu_before, "written": counts(since),
            "bytes": sum(len(t) for t in texts)}


def child_iie(url: str, file: Path) -> dict:
    """django-import-export importing the same kind of file: a ModelResource over Student built from the same
    form items (Chinese titles, code names converted by widgets, the class by name), the ID number as
    import_id_fields (its way to avoid duplicates on re-import), model validation on, the details and the
    two family members saved after each pupil."""
    sys.path.insert(0, str(IIE_DIR))
    setup_django(url)
    import tablib
    from import_export import fields, resources, widgets

    from xueji.exchange.classes import class_lookup, normalise_class_name
    from xueji.exchange.readers import header_title
    from xueji.registry import validation
    from xueji.registry.fields import GUARDIAN_ITEMS, STUDENT_ITEMS
    from xueji.registry.models import FamilyMember, Student, StudentDetail

    actor, school, _classes = demo_school()
    lookup = class_lookup(school)
    student_attrs = {f.attname for f in Student._meta.concrete_fields}

    class CodeWidget(widgets.Widget):
        def __init__(self, table):
            super().__init__()
            self.table = table

        def clean(self, value, row=None, **kwargs):
            if value in (None, ""):
                return None
            code = self.table.code_for_name(str(value))
            if code is None:
                raise ValueError(f"“{value}”不是有效的代码")
            return code

    class FlagWidget(widgets.Widget):
        def clean(self, value, row=None, **kwargs):
            return {"是": True, "否": False}.get(value, False)

    class ClassWidget(widgets.Widget):
        def clean(self, value, row=None, **kwargs):
            return lookup.get(normalise_class_name(value or ""))

    class YearMonthWidget(widgets.Widget):
        def clean(self, value, row=None, **kwargs):
            return validation.parse_year_month(value or "")

    def widget_for(item):
        if item.kind == "yearmonth":
            return YearMonthWidget()
        if item.kind == "code":
            return CodeWidget(item.table)
        if item.kind == "flag":
            return FlagWidget()
        if item.kind == "date":
            return widgets.DateWidget(format="%Y-%m-%d")
        return widgets.CharWidget()

    attrs = {
        "school_class": fields.Field(attribute="school_class", column_name="*班级", widget=ClassWidget()),
    }
    for item in STUDENT_ITEMS:
        if item.target == "student" and item.field in student_attrs:
            attrs[item.key] = fields.Field(attribute=item.field, column_name=header_title(item),
                                           widget=widget_for(item))

    class Meta:
        model = Student
        import_id_fields = ("id_number",)
        fields = tuple(attrs)
        clean_model_instances = True  # model validation (choices, lengths, required)
        skip_unchanged = True
        skip_diff = True  # its fastest setting: no per-row diff for the result page

    def init_instance(self, row=None):
        return Student(school=school, province_code="340000", reg_status="draft")

    def before_save_instance(self, instance, row, **kwargs):
        instance.name_pinyin = instance.name_pinyin or validation.name_pinyin(instance.name)

    def after_save_instance(self, instance, row, **kwargs):
        detail = {}
        for item in STUDENT_ITEMS:
            if item.target == "detail" and row.get(header_title(item)):
                detail[item.field] = widget_for(item).clean(row[header_title(item)])
        StudentDetail.objects.update_or_create(student=instance, defaults=detail)
        FamilyMember.objects.filter(student=instance).delete()
        for n in (1, 2):
            member = {}
            for item in GUARDIAN_ITEMS:
                if item.target == f"guardian{n}" and row.get(header_title(item)):
                    member[item.field] = widget_for(item).clean(row[header_title(item)])
            if member.get("name"):
                FamilyMember.objects.create(student=instance, **member)

    student_resource = type("StudentResource", (resources.ModelResource,), {
        **attrs, "Meta": Meta, "init_instance": init_instance, "before_save_instance": before_save_instance,
        "after_save_instance": after_save_instance})
    with file.open(encoding="utf-8-sig") as handle:
        content = handle.read()
    since = watermark()
    usage = resource.getrusage(resource.RUSAGE_SELF)
    cpu_before = usage.ru_utime + usage.ru_stime
    began = time.perf_counter()
    dataset = tablib.Dataset().load(content, format="csv")
    result = student_resource().import_data(dataset, dry_run=False, raise_errors=False, use_transactions=True)
    wall = time.perf_counter() - began
    usage = resource.getrusage(resource.RUSAGE_SELF)
    written = counts(since)
    import import_export

    return {"wall_s": wall, "rows": len(dataset), "new": result.totals.get("new"),
            "python_cpu_s": usage.ru_utime + usage.ru_stime - cpu_before,
            "errors": len(result.row_errors()), "invalid": len(result.invalid_rows),
            "written": written, "version": import_export.__version__}


def ensure_iie() -> None:
    if (IIE_DIR / "import_export").exists():
        return
    print(f"installing {IIE_REQUIREMENT} into {IIE_DIR.relative_to(ROOT)} (bench only) ...", flush=True)
    subprocess.run([PYTHON, "-m", "pip", "install", "--quiet", "--no-deps", "--target", str(IIE_DIR),
                    IIE_REQUIREMENT, "tablib==3.10.0", "diff-match-patch==20241021"], check=True)


# Main ------------------------------------------------------------------------------------------------------------

class BackendCpu:
    """CPU seconds used by the PostgreSQL backends serving one database (same host: read from /proc while they
    live, sampled every 0.2 s), so the report can show CPU next to wall time on a shared machine."""

    def __init__(self, database: str) -> None:
        import threading

        self.marker = f" {database} "
        self.seen: dict[int, float] = {}
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _sample(self) -> None:
        tick = os.sysconf("SC_CLK_TCK")
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                if self.marker not in (entry / "cmdline").read_bytes().decode(errors="replace").replace("\0", " "):
                    continue
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            self.seen[int(entry.name)] = (int(fields[11]) + int(fields[12])) / tick

    def _run(self) -> None:
        while not self.stop.wait(0.2):
            self._sample()

    def __enter__(self):
        self._sample()
        self.before = dict(self.seen)
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop.set()
        self.thread.join()
        self.seconds = sum(cpu - self.before.get(pid, 0.0) for pid, cpu in self.seen.items())


def run_child(kind: str, url: str, file: Path, *extra: str, root: Path = ROOT) -> dict:
    """One measurement in its own process; `root`: another checkout's code (its own bench script) for "ours"."""
    database = url.rsplit("/", 1)[1]
    began = time.perf_counter()
    with BackendCpu(database) as backends:
        done = subprocess.run([PYTHON, str(root / "bench" / "import_bench.py"), "--child", kind, "--url", url,
                               "--file", str(file), *extra], cwd=root, check=True, capture_output=True, text=True)
    line = [line for line in done.stdout.splitlines() if line.startswith("{")][-1]
    result = json.loads(line)
    result["child_wall_s"] = time.perf_counter() - began
    result["backend_cpu_s"] = backends.seconds
    result["load_avg"] = os.getloadavg()
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--server", default="postgres://postgres@127.0.0.1:5432")
    parser.add_argument("--base", default="xueji_import_base")
    parser.add_argument("--database", default="xueji_import_bench")
    parser.add_argument("--pupils", type=int, default=1_000_000, help="pupils stored before the import")
    parser.add_argument("--rows", type=int, default=100_000, help="pupils in the imported file")
    parser.add_argument("--iie-rows", type=int, default=5_000)
    parser.add_argument("--xlsx-rows", type=int, default=50_000)
    parser.add_argument("--memory-rows", type=int, default=1_000_000)
    parser.add_argument("--skip-memory", action="store_true")
    parser.add_argument("--skip-iie", action="store_true")
    parser.add_argument("--skip-xlsx", action="store_true")
    parser.add_argument("--skip-text3", action="store_true", help="no COPY of the three pupil tables alone")
    parser.add_argument("--before-root", help="also import with another checkout's code (before/after figures)")
    parser.add_argument("--rounds", type=int, default=1, help="alternating COPY / ours rounds (median ratio)")
    parser.add_argument("--rebuild-base", action="store_true")
    parser.add_argument("--keep", action="store_true", help="keep the scratch copies")
    parser.add_argument("--no-write", action="store_true", help="do not write bench/results/import.md")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--url", help=argparse.SUPPRESS)
    parser.add_argument("--file", help=argparse.SUPPRESS)
    parser.add_argument("--raise-limit", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--variant", default="text", help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.child:
        handler = {"ours": child_ours, "copy": child_copy, "iie": child_iie}[args.child]
        extra = {"raise_limit": True} if args.raise_limit else {}
        if args.child == "copy":
            extra = {"variant": args.variant}
        print(json.dumps(handler(args.url, Path(args.file), **extra), default=str))
        return 0

    ensure_base(args)
    work = ROOT / "var" / "bench-import"
    work.mkdir(parents=True, exist_ok=True)
    url = f"{args.server}/{args.base}"
    setup_django(url)
    from django.db import connections

    _actor, _school, classes = demo_school()
    connections.close_all()
    began = time.perf_counter()
    big = write_csv(work / f"pupils-{args.rows}.csv", args.rows, classes)
    small = write_csv(work / f"pupils-{args.iie_rows}.csv", args.iie_rows, classes)
    workbook = None if args.skip_xlsx else write_xlsx(work / f"pupils-{args.xlsx_rows}.xlsx", args.xlsx_rows, classes)
    print(f"files written in {time.perf_counter() - began:.1f} s: {big.name} {big.stat().st_size / 2 ** 20:.1f} MiB",
          flush=True)
    figures: dict = {}

    figures["copy"] = {}
    figures["rounds"] = []
    for variant in ("text3",) if not args.skip_text3 else ():
        print(f"plain COPY ({variant}) ...", flush=True)
        url = fresh_copy(args, args.database)
        figures["copy"][variant] = run_child("copy", url, big, "--variant", variant)
    for round_ in range(args.rounds):  # the same-run comparison, alternating: a load change hits both
        print(f"round {round_ + 1}: plain COPY (text) ...", flush=True)
        url = fresh_copy(args, args.database)
        copy = run_child("copy", url, big, "--variant", "text")
        print(f"round {round_ + 1}: ours ...", flush=True)
        url = fresh_copy(args, args.database)
        ours = run_child("ours", url, big)
        figures["rounds"].append((copy, ours))
        if args.before_root:
            print(f"round {round_ + 1}: ours, before (the code of {args.before_root}) ...", flush=True)
            url = fresh_copy(args, args.database)
            figures.setdefault("before", []).append(run_child("ours", url, big, root=Path(args.before_root)))
        print(f"  COPY {copy['copy_s']:.2f} s, ours {ours['wall_s']:.2f} s: {copy['copy_s'] / ours['wall_s']:.2f}"
              f" (load {copy['load_avg'][0]:.1f}, {ours['load_avg'][0]:.1f})", flush=True)
    ranked = sorted(figures["rounds"], key=lambda pair: pair[0]["copy_s"] / pair[1]["wall_s"])
    middle = ranked[len(ranked) // 2]
    figures["copy"]["text"], figures["ours"] = middle
    if not args.skip_xlsx:
        print(f"ours, .xlsx of {args.xlsx_rows:,} rows ...", flush=True)
        url = fresh_copy(args, args.database)
        figures["ours_xlsx"] = run_child("ours", url, workbook)
        figures["ours_xlsx"]["file_mib"] = workbook.stat().st_size / 2 ** 20
    if not args.skip_iie:
        print("ours on the small file ...", flush=True)
        url = fresh_copy(args, args.database)
        figures["ours_small"] = run_child("ours", url, small)
        ensure_iie()
        print("django-import-export ...", flush=True)
        url = fresh_copy(args, args.database)
        figures["iie"] = run_child("iie", url, small)
    if not args.skip_memory:
        print(f"memory: {args.memory_rows:,}-row file ...", flush=True)
        huge = write_csv(work / f"pupils-{args.memory_rows}.csv", args.memory_rows, classes)
        url = fresh_copy(args, args.database)
        figures["memory"] = run_child("ours", url, huge, "--raise-limit")
        figures["memory"]["file_mib"] = huge.stat().st_size / 2 ** 20
        huge.unlink()
    if not args.keep:
        admin(args.server, f'DROP DATABASE IF EXISTS "{args.database}"')
    report = render(args, figures)
    print(report)
    if not args.no_write:
        RESULTS.parent.mkdir(parents=True, exist_ok=True)
        RESULTS.write_text(report, encoding="utf-8")
        print(f"written to {RESULTS.relative_to(ROOT)}")
    return 0


def render(args, figures: dict) -> str:
    ours = figures["ours"]
    rows = ours["result"]["total_rows"]
    ours_rate = rows / ours["wall_s"]
    copy_rates = {variant: f["pupils"] / f["copy_s"] for variant, f in figures["copy"].items()}
    version = admin(args.server, "SHOW server_version")[0][0]

    def cpu(figure: dict, python_key: str = "python_cpu_s") -> str:
        return f"{figure.get(python_key, 0):.1f} + {figure.get('backend_cpu_s', 0):.1f}"

    lines = [
        "# Bulk import benchmark",
        "",
        f"`bench/import_bench.py`, {dt.date.today():%Y-%m-%d}: PostgreSQL {version}, "
        f"Python {platform.python_version()},"
        f" {os.cpu_count()} CPUs ({platform.machine()}); {args.pupils:,} pupils stored before each run (demo data),"
        " every measurement on a fresh copy of that database. Ratios compare figures of this one run.",
        "",
        "| measurement | pupils | wall s | pupils/s | CPU s: Python + PostgreSQL | load avg | ratio |",
        "|---|---:|---:|---:|---:|---:|---:|",
        f"| **ours**, end to end: upload stored and checked, parse, validate every row, class, duplicates in the file"
        f" and against the {args.pupils:,} stored, COPY, error report, audit | {rows:,} | {ours['wall_s']:.2f} | "
        f"**{ours_rate:,.0f}** | {cpu(ours)} | {ours['load_avg'][0]:.1f} | |",
    ]
    labels = {"text": "plain COPY of the same rows as pre-formatted COPY text (student, details, 2 family members,"
                      " record MAC: sealed and indexed as ours stores them)",
              "text3": "plain COPY of pre-formatted COPY text, the three pupil tables only (no record MACs)"}
    for variant, figure in figures["copy"].items():
        lines.append(f"| {labels[variant]}, committed | {figure['pupils']:,} | "
                     f"{figure['copy_s']:.2f} | {copy_rates[variant]:,.0f} | {cpu(figure)} | "
                     f"{figure['load_avg'][0]:.1f} | ours / this = **{ours_rate / copy_rates[variant]:.2f}** |")
    if "ours_xlsx" in figures:
        book = figures["ours_xlsx"]
        book_rows = book["result"]["total_rows"]
        lines.append(f"| ours, the same kind of pupils as an .xlsx ({book['file_mib']:.0f} MiB, calamine) | "
                     f"{book_rows:,} | {book['wall_s']:.2f} | {book_rows / book['wall_s']:,.0f} | {cpu(book)} | "
                     f"{book['load_avg'][0]:.1f} | peak {book['maxrss_mib']:.0f} MiB |")
    if "iie" in figures:
        small = figures["ours_small"]
        iie = figures["iie"]
        small_rate = small["result"]["total_rows"] / small["wall_s"]
        iie_rate = iie["rows"] / iie["wall_s"]
        lines.append(f"| ours on the {small['result']['total_rows']:,}-row file | {small['result']['total_rows']:,} | "
                     f"{small['wall_s']:.2f} | {small_rate:,.0f} | {cpu(small)} | {small['load_avg'][0]:.1f} | |")
        lines.append(f"| django-import-export {iie['version']}, same {iie['rows']:,}-row file (see below) | "
                     f"{iie['rows']:,} | {iie['wall_s']:.2f} | {iie_rate:,.0f} | {cpu(iie)} | "
                     f"{iie['load_avg'][0]:.1f} | ours (100k) / this = **{ours_rate / iie_rate:.0f}×**; "
                     f"same file: {small_rate / iie_rate:.0f}× |")
    lines += ["", "Targets: ours ≥ 0.8 × plain COPY (issue 14; 0.5 in issue 3); ≥ 20 × django-import-export; peak "
              "memory < 500 MB for a 1,000,000-row file.", ""]
    ratio = ours_rate / copy_rates["text"]
    lines.append(f"- ours / plain COPY of the same rows: **{ratio:.2f}** ({'met' if ratio >= 0.8 else 'NOT met'}); "
                 f"against the three pupil tables alone "
                 f"{ours_rate / copy_rates.get('text3', copy_rates['text']):.2f}")
    if len(figures["rounds"]) > 1:
        lines.append("- per round (COPY s, ours s, ratio, load average after each): " + "; ".join(
            f"{c['copy_s']:.2f}, {o['wall_s']:.2f}, {c['copy_s'] / o['wall_s']:.2f} ({c['load_avg'][0]:.1f}, "
            f"{o['load_avg'][0]:.1f})" for c, o in figures["rounds"]) + "; the table shows the median round")
    if "iie" in figures:
        lines.append(f"- ours / django-import-export: **{ours_rate / iie_rate:.0f}×** "
                     f"({'met' if ours_rate / iie_rate >= 20 else 'NOT met'}; on the same small file "
                     f"{small_rate / iie_rate:.0f}×)")
    if "memory" in figures:
        memory = figures["memory"]
        lines.append(f"- peak memory (ru_maxrss) of the process importing {memory['result']['total_rows']:,} rows "
                     f"({memory['file_mib']:.0f} MiB CSV) end to end: **{memory['maxrss_mib']:.0f} MiB**, with its "
                     f"checking process(es): **{memory.get('tree_peak_mib', 0):.0f} MiB** together "
                     f"({'met' if max(memory['maxrss_mib'], memory.get('tree_peak_mib', 0)) < 500 else 'NOT met'});"
                     f" that import took "
                     f"{memory['wall_s']:.0f} s ({memory['result']['total_rows'] / memory['wall_s']:,.0f} pupils/s)")
    for before in figures.get("before", []):
        lines.append(f"- the same import with the code before this change ({args.before_root}): "
                     f"{before['wall_s']:.2f} s ({rows / before['wall_s']:,.0f} pupils/s, "
                     f"{rows / before['wall_s'] / copy_rates['text']:.2f}"
                     f" of the COPY), CPU {cpu(before)}, peak memory of its processes "
                     f"{before.get('tree_peak_mib', 0):.0f} MiB, load {before['load_avg'][0]:.1f}")
    timings = ours["result"]["timings"]
    lines += [
        "",
        "The machine is shared: the load average is shown so the wall times can be read in context; the CPU"
        " seconds (this process, and the PostgreSQL backends of the scratch database, sampled from /proc) do not"
        " depend on the load.",
        "",
        f"CPU of ours includes its checking process(es): {ours.get('checking_processes_cpu_s', 0):.1f} s of the "
        f"{ours.get('python_cpu_s', 0):.1f} s ({ours['result']['timings'].get('check_processes', 0)} "
        "checking process(es)); peak memory of the import's processes together "
        f"{ours.get('tree_peak_mib', 0):.0f} MiB.",
        "",
        f"Where ours spends its time in the {rows:,}-row run: accepting the upload (store, hash, type, columns) "
        f"{ours['accept_s']:.2f} s; reading, checking and formatting rows {timings['check_s']:.2f} s on the main "
        f"thread; checking existing records and COPY {timings['write_s']:.2f} s on the writer thread, overlapping "
        f"the checks; wall {timings['wall_s']:.2f} s.",
        "",
        f"- ours wrote {ours['written']}; batch {json.dumps(ours['result'], ensure_ascii=False)}",
    ]
    for variant, figure in figures["copy"].items():
        lines.append(f"- plain COPY ({variant}) wrote {figure['written']}")
    if "iie" in figures:
        lines.append(f"- django-import-export: {json.dumps(figures['iie'], ensure_ascii=False)}")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    sys.exit(main())
