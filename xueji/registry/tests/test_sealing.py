"""Encryption at rest (issue 11, item 7; SECURITY.md row 24): the pupils' and family members' ID numbers, phones
and addresses are sealed (SM4-GCM) in the database and found through their blind index (HMAC-SM3)."""

import json

import pytest
from django.core.exceptions import FieldError, ImproperlyConfigured
from django.core.management import CommandError, call_command
from django.db import connection

from xueji.core import rotation, sealing
from xueji.core.fields import tail_index
from xueji.problems.identity_keys import duplicate_id_numbers
from xueji.problems.scans import duplicate_scan
from xueji.registry.models import FamilyMember, Student, StudentDetail, StudentHistory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_keys():
    sealing.reset()
    yield
    sealing.reset()


def _raw(table: str, columns: str, pk_column: str, pk) -> tuple:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {columns} FROM {table} WHERE {pk_column} = %s", [pk])  # noqa: S608 - test SQL
        return cursor.fetchone()


def _set_raw(table: str, column: str, value, pk) -> None:
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {table} SET {column} = %s WHERE id = %s", [value, pk])  # noqa: S608 - test SQL


@pytest.fixture
def pupil(world):
    student = Student.objects.get(pk=world.students["tunxi_primary"].pk)
    student.address, student.phone = "安徽省黄山市屯溪区老街1号", "13800138000"
    student.save()
    FamilyMember.objects.create(student=student, relation="11", name="张父", id_number="11010519491231002X",
                                phone="13900139000", address="黄山市屯溪区")
    StudentDetail.objects.update_or_create(student=student, defaults={"mailing_address": "屯溪区邮政信箱8号"})
    return student


def test_the_columns_hold_no_plaintext_and_the_index_is_an_hmac(pupil):
    number = pupil.id_number
    stored, address, phone, index, tail = _raw("registry_student", "id_number, address, phone, id_number_index, "
                                               "id_number_tail", "id", pupil.pk)
    for value, plain in ((stored, number), (address, pupil.address), (phone, pupil.phone)):
        assert value.startswith("$sm4$dev$") and plain not in value
    assert index == sealing.blind_index(number) and len(index) == 64 and number not in index
    assert tail == tail_index(number) and tail != index
    member = FamilyMember.objects.get(student=pupil, name="张父")
    family = _raw("registry_familymember", "id_number, phone, address, id_number_index", "id", member.pk)
    assert all(v.startswith("$sm4$") for v in family[:3]) and "11010519491231002X" not in "".join(family)
    (mailing,) = _raw("registry_studentdetail", "mailing_address", "student_id", pupil.pk)
    assert mailing.startswith("$sm4$") and "信箱" not in mailing
    # Two seals of one value differ (a fresh nonce each time); the instance reads plaintext.
    assert sealing.seal(number, b"t.c") != sealing.seal(number, b"t.c")
    again = Student.objects.get(pk=pupil.pk)
    assert (again.id_number, again.address, again.phone) == (number, pupil.address, pupil.phone)
    assert again.masked_id_number == pupil.masked_id_number


def test_a_changed_value_or_one_moved_to_another_column_does_not_open(pupil):
    (stored,) = _raw("registry_student", "id_number", "id", pupil.pk)
    body = stored.rsplit("$", 1)[1]
    flipped = body[:10] + ("A" if body[10] != "A" else "B") + body[11:]
    _set_raw("registry_student", "id_number", stored.rsplit("$", 1)[0] + "$" + flipped, pupil.pk)
    with pytest.raises(sealing.SealError):
        Student.objects.get(pk=pupil.pk)
    _set_raw("registry_student", "id_number", stored, pupil.pk)
    (phone,) = _raw("registry_student", "phone", "id", pupil.pk)
    _set_raw("registry_student", "address", phone, pupil.pk)  # the tag covers the column (associated data)
    with pytest.raises(sealing.SealError):
        Student.objects.get(pk=pupil.pk)
    _set_raw("registry_student", "address", "plain text written by SQL", pupil.pk)
    with pytest.raises(sealing.SealError):
        Student.objects.get(pk=pupil.pk)


def test_lookups_go_through_the_index_and_writes_keep_it(world, pupil):
    number = pupil.id_number
    assert list(Student.objects.filter(id_number=number)) == [pupil]
    assert list(Student.objects.filter(id_number__in=[number, "nothing"])) == [pupil]
    assert list(Student.objects.filter(id_number__any_of=[number])) == [pupil]
    assert pupil in Student.objects.filter(id_number__endswith=number[-4:])
    assert Student.objects.filter(id_number__in=Student.objects.filter(pk=pupil.pk).values("id_number")).count() == 1
    with pytest.raises(FieldError):
        list(Student.objects.filter(id_number__icontains=number[3:9]))
    with pytest.raises(FieldError):
        list(Student.objects.filter(phone="13800138000"))  # no index: not comparable, never a silent miss
    other = world.students["shexian_primary"]
    Student.objects.filter(pk=other.pk).update(id_number=number)  # update() keeps the index right
    assert set(Student.objects.filter(id_number=number)) == {pupil, Student.objects.get(pk=other.pk)}
    assert duplicate_id_numbers([number]) == {number}
    result = duplicate_scan(province_code="340000", scope=world.units["anhui"], actor=world.user("anhui", "registrar"))
    assert result["duplicate_id"]["new"] == 1
    moved = Student.objects.get(pk=other.pk)
    moved.id_number = "34100220170301999X"
    moved.save(update_fields=["id_number"])  # save(update_fields) too
    assert Student.objects.filter(id_number="34100220170301999X").get() == moved
    assert duplicate_id_numbers([number]) == set()


def test_a_wrong_key_fails_loudly(pupil, monkeypatch):
    monkeypatch.setenv("XUEJI_DATA_KEYS", f"dev:{sealing.generate_key()}")
    monkeypatch.setenv("XUEJI_INDEX_KEY", sealing.generate_key())
    sealing.reset()
    with pytest.raises(sealing.SealError):
        Student.objects.get(pk=pupil.pk)
    monkeypatch.setenv("XUEJI_DATA_KEYS", f"other:{sealing.generate_key()}")
    sealing.reset()
    with pytest.raises(sealing.SealError, match="No data key 'dev'"):
        Student.objects.get(pk=pupil.pk)


def test_rotation_re_seals_under_the_new_key_and_the_old_key_can_go(pupil, monkeypatch, capsys):
    dev = sealing.key_ring()
    number = pupil.id_number
    history = StudentHistory.objects.create(student=pupil, kind="identity", at=pupil.created_at,
                                            changes={"id_number": ["11010519491231002X", number]})
    from xueji.audit.models import AuditEvent
    from xueji.audit.services import audit_record

    event = audit_record(actor=None, action="student.test", object_type="registry.student", username="test",
                         after={"id_number": number})
    new = sealing.generate_key()
    monkeypatch.setenv("XUEJI_DATA_KEYS", f"k2:{new},dev:{dev.keys['dev'].hex()}")
    monkeypatch.setenv("XUEJI_INDEX_KEY", dev.index_key.hex())
    sealing.reset()
    assert rotation.remaining()["registry.Student"] >= 1 and rotation.remaining()["registry.StudentHistory"] >= 1
    call_command("rotate_data_key", "--batch", "3")
    # Every table re-sealed but the append-only audit log, which keeps its rows as written (the old key stays
    # in the ring until they are purged: --check says so).
    assert set(rotation.remaining()) == {"audit.AuditEvent"}
    with pytest.raises(CommandError, match="older key"):
        call_command("rotate_data_key", "--check")
    assert "append-only" in capsys.readouterr().out
    assert rotation.rotate() == {}  # idempotent: nothing left to rewrite
    (changes,) = _raw("registry_studenthistory", "changes", "id", history.pk)
    assert "$sm4$k2$" in str(changes) and "$sm4$dev$" not in str(changes)
    monkeypatch.setenv("XUEJI_DATA_KEYS", f"k2:{new}")  # the old key dropped
    sealing.reset()
    (stored,) = _raw("registry_student", "id_number", "id", pupil.pk)
    assert stored.startswith("$sm4$k2$")
    assert Student.objects.get(id_number=number).address == pupil.address
    assert FamilyMember.objects.get(student=pupil, name="张父").id_number == "11010519491231002X"
    assert StudentHistory.objects.get(pk=history.pk).changes == history.changes
    # The audit row sealed under the dropped key no longer opens (the old key had to stay: --check said so).
    with pytest.raises(sealing.SealError):
        AuditEvent.objects.get(pk=event.pk)
    assert AuditEvent.objects.filter(action="crypto.rotate_data_key").exists()


def test_the_key_ring_comes_from_the_environment_or_a_file(tmp_path):
    a, b, index = sealing.generate_key(), sealing.generate_key(), sealing.generate_key()
    ring = sealing.load_key_ring({"XUEJI_DATA_KEYS": f"k2:{a},k1:{b}", "XUEJI_INDEX_KEY": index})
    assert (ring.current, ring.source, set(ring.keys)) == ("k2", "environment", {"k1", "k2"})
    path = tmp_path / "keys.json"
    path.write_text(json.dumps({"data_keys": [["k3", a]], "index_key": index}))
    ring = sealing.load_key_ring({"XUEJI_DATA_KEY_FILE": str(path)})
    assert (ring.current, ring.source) == ("k3", "file")
    for bad in ({"XUEJI_DATA_KEYS": "k1:abcd", "XUEJI_INDEX_KEY": index},
                {"XUEJI_DATA_KEYS": f"k1:{a}"},
                {"XUEJI_DATA_KEYS": f"k1:{a},k1:{b}", "XUEJI_INDEX_KEY": index},
                {"XUEJI_DATA_KEY_FILE": str(tmp_path / "missing.json")}):
        with pytest.raises(ImproperlyConfigured):
            sealing.load_key_ring(bad)
    assert sealing.load_key_ring({}, secret_key="x").source == "development"


def test_sm4_known_answer():
    from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

    key = bytes.fromhex("0123456789abcdeffedcba9876543210")
    encryptor = Cipher(algorithms.SM4(key), modes.ECB()).encryptor()  # noqa: S305 - the standard's vector
    assert (encryptor.update(key) + encryptor.finalize()).hex() == "681edf34d206965e86b3e94f536e4246"


def test_bulk_update_keeps_the_index(world, pupil):
    other = Student.objects.get(pk=world.students["shexian_primary"].pk)
    other.id_number = pupil.id_number
    Student.objects.bulk_update([other], ["id_number"])
    assert set(Student.objects.filter(id_number=pupil.id_number)) == {pupil, other}
    assert Student.objects.get(pk=other.pk).id_number == pupil.id_number


def _sealed_by_the_public_api(value: str, aad: bytes, nonce: bytes) -> str:
    """A value sealed as before the bulk import's fast path: `Cipher(SM4, GCM)` through cryptography's public API."""
    import base64

    from cryptography.hazmat.primitives.ciphers import Cipher, modes

    ring = sealing.key_ring()
    encryptor = Cipher(ring.algorithm(ring.current), modes.GCM(nonce)).encryptor()
    encryptor.authenticate_additional_data(aad)
    body = encryptor.update(value.encode()) + encryptor.finalize()
    return f"$sm4${ring.current}${base64.b64encode(nonce + body + encryptor.tag).decode()}"


def test_the_fast_sealing_path_writes_the_same_format_and_old_values_still_open(monkeypatch):
    """`seal` draws nonces from a pool and makes its GCM context without `Cipher`: with the same nonce it gives the
    very text the public API gives, values sealed the old way open, and no two values share a nonce (a forked child
    starts with an empty pool)."""
    import os

    aad = b"registry_student.id_number"
    old = _sealed_by_the_public_api("34100220100901001X", aad, bytes(range(12)))
    assert sealing.unseal(old, aad) == "34100220100901001X"
    monkeypatch.setattr(sealing, "_nonce", lambda: bytes(range(12)))
    assert sealing.seal("34100220100901001X", aad) == old
    monkeypatch.undo()
    sealed = [sealing.seal(f"屯溪区新安路{n}号", aad) for n in range(1000)]
    assert [sealing.unseal(s, aad) for s in sealed] == [f"屯溪区新安路{n}号" for n in range(1000)]
    nonces = {base64_nonce(s) for s in sealed}
    assert len(nonces) == 1000
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child's first nonce is its own, not the parent's next one
        os.write(write, sealing._nonce())
        os._exit(0)
    os.waitpid(pid, 0)
    assert os.read(read, 12) != sealing._nonce()


def test_threads_sealing_at_once_never_share_a_nonce():
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=8) as pool:
        batches = list(pool.map(lambda _: [sealing._nonce() for _ in range(3000)], range(8)))
    assert len({nonce for batch in batches for nonce in batch}) == 8 * 3000


def base64_nonce(stored: str) -> bytes:
    import base64

    return base64.b64decode(stored.rsplit("$", 1)[1])[:12]


def test_the_national_number_is_sealed_and_found_by_its_index_its_ending_and_its_kind(pupil):
    """A G number is G + the ID number: sealed like it, unique and found through its blind index, its ending
    through the index of its last four characters, its kind through the letter kept in clear."""
    from django.db import IntegrityError, transaction

    from xueji.registry.models import NationalNumber
    from xueji.registry.services import student_number_issue

    number = "G" + pupil.id_number
    student_number_issue(actor=None, issued=[(pupil.pk, number, "G")])
    stored, index, tail, kind = _raw("registry_student", "national_number, national_number_index, "
                                     "national_number_tail, national_number_kind", "id", pupil.pk)
    assert stored.startswith("$sm4$") and pupil.id_number not in stored
    assert (index, tail, kind) == (sealing.blind_index(number), tail_index(number), "G")
    (issued,) = _raw("registry_nationalnumber", "number", "student_id", pupil.pk)
    assert issued.startswith("$sm4$") and pupil.id_number not in issued
    assert Student.objects.get(national_number=number) == pupil
    assert pupil in Student.objects.filter(national_number__endswith=number[-4:], national_number__startswith="G")
    assert not Student.objects.filter(pk=pupil.pk, national_number__startswith="L").exists()
    assert NationalNumber.objects.get(number=number).student_id == pupil.pk
    with pytest.raises(FieldError):
        list(Student.objects.filter(national_number__startswith="G3410"))
    other = Student.objects.exclude(pk=pupil.pk).first()
    with pytest.raises(IntegrityError), transaction.atomic():
        Student.objects.filter(pk=other.pk).update(national_number=number)  # unique through the index


def test_the_json_copies_seal_their_id_numbers_and_read_back_plain(pupil):
    from xueji.core.fields import open_items, seal_items

    number = pupil.id_number
    changes = {"id_number": ["11010519491231002X", number], "name": ["甲", "乙"], "member": 3}
    row = StudentHistory.objects.create(student=pupil, kind="identity", at=pupil.created_at, changes=changes)
    (raw,) = _raw("registry_studenthistory", "changes", "id", row.pk)
    assert number not in str(raw) and "11010519491231002X" not in str(raw) and "$sm4$" in str(raw)
    assert (json.loads(raw) if isinstance(raw, str) else raw)["name"] == ["甲", "乙"]  # the other items stay
    assert StudentHistory.objects.get(pk=row.pk).changes == changes
    assert StudentHistory.objects.filter(pk=row.pk, changes__has_key="id_number").exists()
    nested = {"pupil": {"national_number": "G" + number, "school": {"code": "1"}}, "numbers": ["L1", "G2"]}
    sealed = seal_items(nested, b"t.c")
    assert sealed["pupil"]["school"] == {"code": "1"} and sealed["pupil"]["national_number"].startswith("$sm4$")
    assert all(n.startswith("$sm4$") for n in sealed["numbers"])
    assert seal_items(sealed, b"t.c") == sealed  # sealing twice changes nothing
    assert open_items(sealed, b"t.c") == nested
    with pytest.raises(sealing.SealError):
        open_items(sealed, b"other.column")  # bound to its column
