"""The 班级 column of an import: the names a school's classes go by, and finding a class from what was typed."""

import re

from xueji.core import codes
from xueji.schools.models import School, SchoolClass
from xueji.schools.selectors import current_school_year_start

_NOISE = re.compile(r"\s+")


def normalise_class_name(value: str) -> str:
    return _NOISE.sub("", value).replace("（", "(").replace("）", ")")


def _classes(school: School) -> list[SchoolClass]:
    return list(SchoolClass.objects.filter(school=school, is_active=True).order_by("stage", "-cohort_year", "number"))


def class_labels(school: School, classes: list[SchoolClass] | None = None) -> list[tuple[str, SchoolClass]]:
    """One label per active class, as shown in the template's dropdown: "2024级3班", or with its stage first
    ("初中2024级1班") when two stages of the school have a class of that name."""
    classes = _classes(school) if classes is None else classes
    seen: dict[str, int] = {}
    for klass in classes:
        seen[klass.display_name] = seen.get(klass.display_name, 0) + 1
    return [(klass.display_name if seen[klass.display_name] == 1 else codes.STAGE.zh(klass.stage) + klass.display_name,
             klass) for klass in classes]


def class_lookup(school: School) -> dict[str, SchoolClass | None]:
    """Every accepted spelling (normalised) → class; None where a spelling fits two classes."""
    classes = _classes(school)
    year = current_school_year_start(school)
    lookup: dict[str, SchoolClass | None] = {}

    def add(alias: str, klass: SchoolClass) -> None:
        key = normalise_class_name(alias)
        if key in lookup and lookup[key] is not None and lookup[key].pk != klass.pk:
            lookup[key] = None
        elif key not in lookup:
            lookup[key] = klass

    labels = class_labels(school, classes)
    for label, klass in labels:  # the dropdown's labels win over looser spellings
        lookup[normalise_class_name(label)] = klass
    for _label, klass in labels:
        add(klass.display_name, klass)
        add(f"{klass.cohort_year}级{klass.number}班", klass)
        grade = klass.grade_code(year)
        if grade:
            grade_name = codes.GRADE.zh(grade)
            for alias in (f"{grade_name}{klass.number}班", f"{grade_name}({klass.number})班"):
                add(alias, klass)
            if grade_name.endswith("年级"):
                add(f"{grade_name[:-2]}({klass.number})班", klass)  # 三(1)班
    return lookup
