"""The one-door rule: only `xueji/registry/services.py` writes the pupil record (Student, StudentDetail,
FamilyMember, NationalNumber, StudentHistory). An AST check over the source tree, run by test_one_door.py
(and usable by hand: `python -m xueji.registry.tests.one_door`).

What counts as a write:
- a write method anywhere down a chain that starts at a protected model's manager
  (`Student.objects.filter(...).update(...)`, `FamilyMember.objects.bulk_create(...)`, `Student._base_manager...`);
- a write through a pupil's related managers (`student.family.create(...)`, `pupil.numbers.update(...)`);
- `.save()` / `.delete()` / `.update()` on a name that by convention holds pupils (`student`, `pupil`, `students`);
- raw SQL text that inserts into, updates, deletes from or COPYs into a registry pupil table.
Tests, migrations, the demo generator and the test world are not checked (they build data on purpose).
"""

import ast
import re
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

PROTECTED = {"Student", "StudentDetail", "FamilyMember", "NationalNumber", "StudentHistory"}
MODELS_MODULE = "xueji.registry.models"
MANAGERS = {"objects", "_default_manager", "_base_manager"}
WRITES = {"create", "get_or_create", "update_or_create", "bulk_create", "bulk_update", "update", "delete",
          "save", "add", "remove", "clear", "set"}
RELATED = {"family", "numbers", "detail", "history"}  # a pupil's reverse relations
PUPIL_NAMES = {"student", "pupil", "students", "pupils"}
INSTANCE_WRITES = {"save", "delete", "update", "bulk_update"}
SQL_WRITE = re.compile(r"\b(INSERT\s+INTO|UPDATE|DELETE\s+FROM|COPY)\s+\"?registry_(student|studentdetail|"
                       r"familymember|nationalnumber|studenthistory)\b", re.IGNORECASE)

THE_DOOR = Path("xueji/registry/services.py")
EXCLUDED_PARTS = {"tests", "migrations", "demo", "testing", "node_modules", ".venv"}
EXCLUDED_FILES = {Path("xueji/core/demo.py"), Path("xueji/registration/demo.py"), Path("xueji/core/testing.py"),
                  Path("conftest.py")}


@dataclass(frozen=True)
class Write:
    path: str
    line: int
    what: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.what}"


def _protected_names(tree: ast.AST) -> set[str]:
    """The names the module binds to protected models (aliases included), plus the plain names."""
    names = set(PROTECTED)
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module == MODELS_MODULE:
            names |= {alias.asname or alias.name for alias in node.names if alias.name in PROTECTED}
    return names


def _chain(node: ast.AST) -> Iterator[ast.AST]:
    """The receivers of a call chain, innermost last: a.b(...).c(...) -> [a.b(...).c, a.b(...), a.b, a]."""
    while True:
        yield node
        if isinstance(node, ast.Call):
            node = node.func
        elif isinstance(node, ast.Attribute | ast.Subscript):
            node = node.value
        else:
            return


def _starts_at_manager(node: ast.AST, models: set[str]) -> str | None:
    for link in _chain(node):
        if (isinstance(link, ast.Attribute) and link.attr in MANAGERS and isinstance(link.value, ast.Name)
                and link.value.id in models):
            return link.value.id
    return None


def _through_related(node: ast.AST) -> bool:
    return any(isinstance(link, ast.Attribute) and link.attr in RELATED and isinstance(link.value, ast.Name)
               and link.value.id in PUPIL_NAMES for link in _chain(node))


def writes_in(source: str, path: str = "<source>") -> list[Write]:
    """Every write to the pupil record in one module's source."""
    tree = ast.parse(source)
    models = _protected_names(tree)
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in WRITES:
            receiver = node.func.value
            model = _starts_at_manager(receiver, models)
            if model is not None:
                found.append(Write(path, node.lineno, f"{model}.objects ... .{node.func.attr}()"))
            elif _through_related(receiver):
                found.append(Write(path, node.lineno, f"a pupil's related manager .{node.func.attr}()"))
            elif (node.func.attr in INSTANCE_WRITES and isinstance(receiver, ast.Name)
                  and receiver.id in PUPIL_NAMES):
                found.append(Write(path, node.lineno, f"{receiver.id}.{node.func.attr}()"))
        elif isinstance(node, ast.Constant) and isinstance(node.value, str) and SQL_WRITE.search(node.value):
            found.append(Write(path, node.lineno, "SQL writing a registry pupil table"))
    return sorted(found, key=lambda w: w.line)


def checked_files(root: Path) -> Iterator[Path]:
    for path in sorted(root.rglob("*.py")):
        relative = path.relative_to(root)
        if relative == THE_DOOR or relative in EXCLUDED_FILES or EXCLUDED_PARTS & set(relative.parts[:-1]):
            continue
        if relative.parts[0] not in ("xueji", "config"):
            continue
        yield path


def writes_outside_the_door(root: Path) -> list[Write]:
    found = []
    for path in checked_files(root):
        found += writes_in(path.read_text(encoding="utf-8"), str(path.relative_to(root)))
    return found


if __name__ == "__main__":  # pragma: no cover - a measuring aid
    base = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).resolve().parents[3]
    writes = writes_outside_the_door(base)
    print("\n".join(map(str, writes)))
    print(f"{len(writes)} writes outside {THE_DOOR}")
