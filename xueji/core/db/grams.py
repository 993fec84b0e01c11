"""Search by any part of a Chinese name, served by an index (issue 14): the name's characters and pairs of characters.

Registrars find a school by any part of its name, mostly one or two characters (实验, 二中, 镇) or more (第二中学),
rarely by its beginning (a name starts with its place: 黄山市屯溪区…). PostgreSQL's pg_trgm indexes a substring
search only from three characters on (a shorter pattern has no trigram: the whole index is read), and a LIKE
'%…%' otherwise reads every row of the jurisdiction. So a column holds the name's grams: its distinct
characters and pairs of adjacent characters, upper-cased, space-separated (`GramsField(source="name")`, computed
on every save and bulk insert), and `field__has_grams=text` asks for the grams a name containing `text` must hold
(its pairs; its one character when it has one):
- PostgreSQL: `string_to_array(field, ' ') @> ARRAY[...]`, served by a GIN index on that expression (created by
  the migration that adds the column; `gin_index_sql`);
- elsewhere (SQLite): the same question with LIKE on the space-delimited column (unindexed).
A name holds all the pairs of a text of one or two characters exactly when it contains the text; a longer text
also needs the plain `icontains` (its pairs may be in the name apart): `has_text` combines them."""

from django.db.models import Lookup, Q, TextField


def _pairs(text: str) -> set[str]:
    return {text[i:i + 2] for i in range(len(text) - 1) if not (text[i].isspace() or text[i + 1].isspace())}


def grams(text: str) -> str:
    """The grams stored for a name: its characters and pairs of characters, upper-cased, sorted, space-separated."""
    upper = (text or "").upper()
    return " ".join(sorted({ch for ch in upper if not ch.isspace()} | _pairs(upper)))


def wanted(text: str) -> list[str]:
    """The grams a name containing `text` holds (no more: the fewer, the better the index's estimate)."""
    upper = (text or "").upper()
    if len(upper) == 1:
        return [] if upper.isspace() else [upper]
    return sorted(_pairs(upper))


def has_text(field: str, source: str, text: str) -> Q:
    """`source` contains `text` (case-insensitive), asked through the grams column `field` (indexed)."""
    condition = Q(**{f"{field}__has_grams": text})
    if len(text) > 2 or any(ch.isspace() for ch in text):
        condition &= Q(**{f"{source}__icontains": text})
    return condition


class GramsField(TextField):
    """The grams of another field of the same model (`source`), kept by every save and bulk insert."""

    def __init__(self, *args, source: str = "name", **kwargs):
        self.source = source
        kwargs.setdefault("editable", False)
        kwargs.setdefault("default", "")
        kwargs.setdefault("blank", True)
        super().__init__(*args, **kwargs)

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()
        kwargs["source"] = self.source
        for key, value in (("editable", False), ("default", ""), ("blank", True)):
            if kwargs.get(key, value) == value:
                kwargs.pop(key, None)
        return name, path, args, kwargs

    def pre_save(self, model_instance, add):
        value = grams(getattr(model_instance, self.source))
        setattr(model_instance, self.attname, value)
        return value


def gin_index_sql(index: str, table: str, column: str) -> str:
    """The PostgreSQL index that serves `has_grams` on `table.column`."""
    return f"CREATE INDEX IF NOT EXISTS {index} ON {table} USING gin (string_to_array({column}, ' '))"


@GramsField.register_lookup
class HasGrams(Lookup):
    lookup_name = "has_grams"
    prepare_rhs = False

    def get_prep_lookup(self):
        return wanted(str(self.rhs))

    def as_sql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        needed = self.rhs
        if not needed:
            return "1 = 1", list(lhs_params)
        if connection.vendor == "postgresql":
            return f"string_to_array({lhs}, ' ') @> %s::text[]", [*lhs_params, needed]
        escaped = [g.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") for g in needed]
        sql = " AND ".join([f"(' ' || {lhs} || ' ') LIKE %s ESCAPE '\\'"] * len(needed))
        return sql, [p for g in escaped for p in (*lhs_params, f"% {g} %")]
