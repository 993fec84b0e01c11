"""Model fields for personal data sealed at rest (core.sealing): `SealedCharField` and its `BlindIndexField`.

A sealed field holds the SM4-GCM sealed text in its column (type text: the sealed form is longer than the value)
and the plaintext on the instance: it seals in get_db_prep_value and opens in from_db_value, so instances,
values() and values_list() see plaintext, and forms validate max_length on the plaintext.

Ciphertext compares with nothing, so a sealed field answers only the lookups its index can: with an index
(`index="id_number_index"`, a `BlindIndexField(source="id_number")` beside it) `exact`, `in`, `any_of` go to
the index column, a value's HMAC-SM3 against it; a column rhs (OuterRef, F) compares the two index columns; a
subquery rhs (`__in=qs.values("id_number")`) selects the index column instead; `isnull` stays on the column (NULL
and "" are stored as they are). With a tail index (`tail_index=...`, the HMAC of the last TAIL characters)
`endswith` of exactly TAIL characters works; with a prefix column (`prefix_index=...`, a `PrefixField`: the
first character in clear, e.g. the kind letter G/J/L of a national student number) `startswith` of that one
character works. Every other lookup raises FieldError instead of silently finding
nothing. Writes keep the index right: pre_save (save and bulk_create), `SealedQuerySet.update` and
`bulk_update`; raw SQL writing a sealed column must call `seal_values`."""

import json

from django.core.exceptions import FieldError
from django.db import models
from django.db.models.expressions import Col
from django.db.models.lookups import Exact, In, IsNull
from django.db.models.sql.query import Query

from xueji.core import sealing

TAIL = 4  # characters of an ID number the tail index covers (the masked list shows the last four)
PREFIX = 1  # characters a prefix column keeps in clear (a kind letter)


class SealedCharField(models.CharField):
    description = "Text sealed at rest (SM4-GCM)"

    def __init__(self, *args, index: str | None = None, tail_index: str | None = None,
                 prefix_index: str | None = None, **kwargs):
        self.index_name, self.tail_index_name, self.prefix_index_name = index, tail_index, prefix_index
        super().__init__(*args, **kwargs)

    def deconstruct(self):
        name, _path, args, kwargs = super().deconstruct()
        if self.index_name:
            kwargs["index"] = self.index_name
        if self.tail_index_name:
            kwargs["tail_index"] = self.tail_index_name
        if self.prefix_index_name:
            kwargs["prefix_index"] = self.prefix_index_name
        return name, "xueji.core.fields.SealedCharField", args, kwargs

    def db_type(self, connection):
        return "text"

    def cast_db_type(self, connection):
        return "text"

    @property
    def aad(self) -> bytes:
        """The associated data a value is sealed with: its table and column (it opens nowhere else)."""
        return f"{self.model._meta.db_table}.{self.column}".encode()

    def from_db_value(self, value, expression, connection):
        return sealing.unseal(value, self.aad)

    def get_db_prep_value(self, value, connection, prepared=False):
        value = super().get_db_prep_value(value, connection, prepared)
        return sealing.seal(value, self.aad)

    def index_field(self, which: str = "index") -> models.Field:
        name = {"index": self.index_name, "tail": self.tail_index_name, "prefix": self.prefix_index_name}[which]
        if not name:
            raise FieldError(f"{self.model.__name__}.{self.name} is sealed and has no {which}: it cannot be "
                             f"compared in the database")
        return self.model._meta.get_field(name)

    def get_lookup(self, lookup_name):
        return _LOOKUPS.get(lookup_name)

    def get_transform(self, lookup_name):
        return None


class BlindIndexField(models.CharField):
    """HMAC-SM3 (hex) of another field's value (`source`), or of its last TAIL characters (`tail=True`); filled
    on every save from the instance's plaintext. Not editable: never set by hand."""

    description = "Blind index (HMAC-SM3) of a sealed field"

    def __init__(self, *args, source: str = "", tail: bool = False, **kwargs):
        self.source, self.tail = source, tail
        kwargs.setdefault("max_length", 64)
        kwargs.setdefault("editable", False)
        super().__init__(*args, **kwargs)

    def deconstruct(self):
        name, _path, args, kwargs = super().deconstruct()
        kwargs["source"] = self.source
        if self.tail:
            kwargs["tail"] = True
        if kwargs.get("max_length") == 64:
            del kwargs["max_length"]
        kwargs.pop("editable", None)
        return name, "xueji.core.fields.BlindIndexField", args, kwargs

    def index_of(self, value: str | None) -> str | None:
        if self.tail:
            return tail_index(value)
        return sealing.blind_index(value)

    def pre_save(self, model_instance, add):
        value = self.index_of(getattr(model_instance, self.source))
        if value is None and not self.null:
            value = ""
        setattr(model_instance, self.attname, value)
        return value


class PrefixField(BlindIndexField):
    """The first PREFIX characters of another field's value, in clear (not an HMAC): for a value whose first
    character is a kind, not personal data (the G/J/L of a national student number). Kept like a blind index."""

    description = "Clear prefix of a sealed field"

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("max_length", PREFIX)
        super().__init__(*args, **kwargs)

    def deconstruct(self):
        name, _path, args, kwargs = super().deconstruct()
        if kwargs.get("max_length") == PREFIX:
            del kwargs["max_length"]
        return name, "xueji.core.fields.PrefixField", args, kwargs

    def index_of(self, value: str | None) -> str | None:
        return value[:PREFIX] if value else value


def tail_index(value: str | None) -> str | None:
    if not value:
        return value
    return sealing.blind_index(value[-TAIL:], b"tail") if len(value) >= TAIL else ""


def _index_col(expression, which: str = "index") -> Col:
    target = getattr(expression, "target", None)
    if not isinstance(expression, Col) or not isinstance(target, SealedCharField):
        raise FieldError("A sealed column compares only with a value or another sealed column")
    return Col(expression.alias, target.index_field(which))


class _SealedLookup(models.Lookup):
    prepare_rhs = False
    which = "index"

    def get_prep_lookup(self):
        return self.rhs

    def get_db_prep_lookup(self, value, connection):
        return ("%s", [value])

    def index(self, value):
        if value is None:
            return None
        if self.which == "prefix":
            return value[:PREFIX]
        return sealing.blind_index(value) if self.which == "index" else tail_index(value)

    def rhs_for(self, rhs):
        if isinstance(rhs, Col):
            return _index_col(rhs, self.which)
        if hasattr(rhs, "as_sql"):
            raise FieldError("A sealed column compares only with a value or another sealed column")
        return self.index(rhs)


class SealedExact(_SealedLookup):
    lookup_name = "exact"

    def as_sql(self, compiler, connection):
        return compiler.compile(Exact(_index_col(self.lhs), self.rhs_for(self.rhs)))


class SealedIn(_SealedLookup):
    lookup_name = "in"

    def as_sql(self, compiler, connection):
        rhs = self.rhs
        if isinstance(rhs, Query):
            if len(rhs.select) != 1:
                raise FieldError("A subquery compared with a sealed column selects that one column")
            rhs = rhs.clone()
            rhs.select = (_index_col(rhs.select[0]),)
        elif hasattr(rhs, "as_sql"):
            raise FieldError("A sealed column is IN a list of values or a subquery of a sealed column")
        else:
            rhs = [self.index(v) for v in rhs]
        return compiler.compile(In(_index_col(self.lhs), rhs))


class SealedAnyOf(_SealedLookup):
    lookup_name = "any_of"

    def as_sql(self, compiler, connection):
        index = _index_col(self.lhs)
        any_of = index.output_field.get_lookup("any_of")  # core.db.lookups, registered on every field
        return compiler.compile(any_of(index, [self.index(v) for v in self.rhs]))


class SealedEndsWith(_SealedLookup):
    """The last TAIL characters, through the tail index (another length cannot be answered: FieldError)."""

    lookup_name = "endswith"
    which = "tail"

    def as_sql(self, compiler, connection):
        if not isinstance(self.rhs, str) or len(self.rhs) != TAIL:
            raise FieldError(f"A sealed column's ending is searched by its last {TAIL} characters only")
        return compiler.compile(Exact(_index_col(self.lhs, "tail"), self.index(self.rhs)))


class SealedStartsWith(_SealedLookup):
    """The first PREFIX characters (a kind letter), through the prefix column (a longer beginning: FieldError)."""

    lookup_name = "startswith"
    which = "prefix"

    def as_sql(self, compiler, connection):
        if not isinstance(self.rhs, str) or len(self.rhs) != PREFIX:
            raise FieldError(f"A sealed column's beginning is searched by its first {PREFIX} character only")
        return compiler.compile(Exact(_index_col(self.lhs, "prefix"), self.index(self.rhs)))


_LOOKUPS = {cls.lookup_name: cls for cls in (SealedExact, SealedIn, SealedAnyOf, SealedEndsWith,
                                              SealedStartsWith)}
_LOOKUPS["isnull"] = IsNull


def _index_fields(model) -> list[tuple[str, "BlindIndexField"]]:
    return [(f.source, f) for f in model._meta.concrete_fields if isinstance(f, BlindIndexField)]


def seal_values(model, values: dict) -> dict:
    """`values` (field name -> plaintext) with each sealed field's indexes added: for writes that bypass
    pre_save (QuerySet.update). The sealing itself happens in the field's get_db_prep_value."""
    out = dict(values)
    for source, field in _index_fields(model):
        if source in values and field.name not in values:  # (bulk_update passes both, as expressions)
            value = values[source]
            if hasattr(value, "resolve_expression"):
                raise FieldError(f"{model.__name__}.{source} is sealed: update it with a value, not an expression")
            index = field.index_of(value)
            out[field.name] = "" if index is None and not field.null else index
    return out


class SealedQuerySet(models.QuerySet):
    """Keeps blind indexes right on the writes that do not call pre_save."""

    def update(self, **kwargs):
        return super().update(**seal_values(self.model, kwargs))

    update.alters_data = True

    def bulk_update(self, objs, fields, batch_size=None):
        objs, fields = list(objs), list(fields)
        extra = [f for source, f in _index_fields(self.model) if source in fields and f.name not in fields]
        for obj in objs:
            for field in extra:
                field.pre_save(obj, False)
        return super().bulk_update(objs, fields + [f.name for f in extra], batch_size=batch_size)

    bulk_update.alters_data = True


def row_sealer(model, columns):
    """For writers of raw rows (COPY, executemany) in `columns` order (attnames): a function turning a row of
    plaintext into its stored form (sealed columns sealed, blind indexes computed from their source in the same
    row, whatever the row held there); None when the columns hold nothing sealed."""
    columns = list(columns)
    fields = {f.attname: f for f in model._meta.concrete_fields}
    position = {name: i for i, name in enumerate(columns)}
    sealed = [(i, fields[name].aad) for i, name in enumerate(columns) if isinstance(fields[name], SealedCharField)]
    documents = [(i, fields[name]) for i, name in enumerate(columns) if isinstance(fields[name], SealedJSONField)]
    indexes = [(i, position[fields[name].source], fields[name]) for i, name in enumerate(columns)
               if isinstance(fields[name], BlindIndexField) and fields[name].source in position]
    missing = [f.name for source, f in _index_fields(model) if source in position and f.attname not in position]
    if missing:
        raise FieldError(f"Rows writing {model.__name__}'s sealed columns must carry their indexes: {missing}")
    if not sealed and not indexes and not documents:
        return None
    seal_on = sealing.seal_on

    def sealer(row):
        row = list(row)
        for i, source, field in indexes:
            value = field.index_of(row[source])
            row[i] = "" if value is None and not field.null else value
        if sealed and sealing.enabled():  # checked once a row (a dozen values a pupil in the bulk import)
            ring = sealing.key_ring()
            for i, aad in sealed:
                if row[i]:
                    row[i] = seal_on(row[i], aad, ring)
        for i, field in documents:
            value = row[i]
            if isinstance(value, str):  # a JSON text already
                row[i] = json.dumps(field.seal(json.loads(value)), ensure_ascii=False)
            else:
                row[i] = field.seal(value)
        return tuple(row)

    return sealer


class SealedModel(models.Model):
    """A model with sealed fields: `save(update_fields=[...])` naming a sealed field saves its indexes too."""

    objects = SealedQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args, update_fields=None, **kwargs):
        if update_fields is not None:
            update_fields = set(update_fields)
            update_fields |= {f.name for source, f in _index_fields(type(self)) if source in update_fields}
        return super().save(*args, update_fields=update_fields, **kwargs)


# JSON copies of ID numbers ----------------------------------------------------------------------------------

# The keys whose values are ID numbers or national student numbers (a G number holds the ID), wherever they stand
# in a JSON value: the history's [before, after] pairs, request payloads, snapshots of deleted records, audit
# rows (`number.issue`'s [pupil, number] pairs under "issued", a hub message's subject: a national number).
ID_KEYS = frozenset({"id_number", "national_number", "number", "numbers", "issued", "subject"})


def seal_items(value, aad: bytes, keys=ID_KEYS, *, whole: bool = False):
    """A copy of a JSON value with every text under one of `keys` (at any depth; the texts of a list or an object
    under such a key too) sealed under `aad`; `whole`: every text of the value. Numbers, booleans, None and ""
    stay as they are; a text already sealed stays sealed (the helper may run twice)."""
    if isinstance(value, str):
        if whole and value and not value.startswith(sealing.PREFIX):
            return sealing.seal(value, aad)
        return value
    if isinstance(value, dict):
        return {k: seal_items(v, aad, keys, whole=whole or k in keys) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [seal_items(v, aad, keys, whole=whole) for v in value]
    return value


def open_items(value, aad: bytes):
    """The reverse of seal_items: every sealed text of a JSON value opened (a plaintext stays as it is)."""
    if isinstance(value, str):
        return sealing.unseal(value, aad) if value.startswith(sealing.PREFIX) else value
    if isinstance(value, dict):
        return {k: open_items(v, aad) for k, v in value.items()}
    if isinstance(value, list):
        return [open_items(v, aad) for v in value]
    return value


class SealedJSONField(models.JSONField):
    """A JSON value whose ID numbers are sealed at rest (core.sealing): the texts under the keys of `ID_KEYS`
    (or every text: `whole=True`, for a list of numbers) are sealed in get_db_prep_value under the table and
    column and opened in from_db_value, so the instance and values() see plaintext. Key lookups (`has_key`,
    `payload__kind`) work on the other keys; a sealed value compares with nothing (its key's lookups find
    nothing: no caller compares them)."""

    description = "JSON with its ID numbers sealed at rest (SM4-GCM)"

    def __init__(self, *args, whole: bool = False, **kwargs):
        self.whole = whole
        super().__init__(*args, **kwargs)

    def deconstruct(self):
        name, _path, args, kwargs = super().deconstruct()
        if self.whole:
            kwargs["whole"] = True
        return name, "xueji.core.fields.SealedJSONField", args, kwargs

    @property
    def aad(self) -> bytes:
        return f"{self.model._meta.db_table}.{self.column}".encode()

    def seal(self, value):
        if value is None or not sealing.enabled() or hasattr(value, "resolve_expression"):
            return value
        return seal_items(value, self.aad, whole=self.whole)

    def get_db_prep_value(self, value, connection, prepared=False):
        return super().get_db_prep_value(self.seal(value), connection, prepared)

    def from_db_value(self, value, expression, connection):
        return open_items(super().from_db_value(value, expression, connection), self.aad)
