"""T-PI-01 (SECURITY.md row 28): the register of personal information covers every model field, and every pupil
form submits registered items only."""

from django.apps import apps

from xueji.registry import pi_register
from xueji.registry.fields import ALL_ITEMS, GUARDIAN_ITEMS, PLACEMENT_ITEMS
from xueji.registry.presenters import kind_of

TARGETS = {"student": "registry.Student", "detail": "registry.StudentDetail", "guardian1": "registry.FamilyMember",
           "guardian2": "registry.FamilyMember"}
PRESENTER_KINDS = ("id", "national_number", "phone", "address", "email")


def xueji_models():
    for model in apps.get_models(include_auto_created=True):
        if model.__module__.startswith("xueji.") and not model._meta.proxy:
            yield model


def test_every_model_field_of_every_xueji_app_is_either_registered_or_named_as_not_personal():
    undecided, both = [], []
    for model in xueji_models():
        label = model._meta.label
        registered, plain = set(pi_register.PI.get(label, {})), pi_register.non_pi(label)
        for field in model._meta.concrete_fields:
            if field.name in registered and field.name in plain:
                both.append(f"{label}.{field.name}")
            elif field.name not in registered and field.name not in plain:
                undecided.append(f"{label}.{field.name}")
    assert not undecided, ("Model fields in neither table of registry/pi_register.py: decide whether each holds "
                           f"personal information (PI: purpose, legal basis, retention, mask) or not (NON_PI): "
                           f"{undecided}")
    assert not both, f"Fields both personal and not: {both}"


def test_the_register_names_no_field_that_does_not_exist():
    fields = {model._meta.label: {f.name for f in model._meta.concrete_fields} for model in xueji_models()}
    stale = [f"{label}.{name}" for table in (pi_register.PI, {k: pi_register.non_pi(k) for k in pi_register.NON_PI})
             for label, names in table.items() for name in names if name not in fields.get(label, ())]
    assert not stale


def test_every_registered_field_has_a_purpose_basis_retention_and_a_mask_the_presenter_agrees_with():
    for label, name, _verbose, item, _sealed in pi_register.rows():
        assert item.purpose and item.basis and item.retention, (label, name)
        assert item.mask in pi_register.MASKS, (label, name, item.mask)
        kind = kind_of(name)
        if item.mask in PRESENTER_KINDS:
            assert kind == item.mask, f"{label}.{name}: registered {item.mask}, the presenter masks it as {kind}"
        elif item.mask != "never":
            assert kind is None, f"{label}.{name}: registered {item.mask}, but the presenter masks it as {kind}"


def test_the_copies_of_id_numbers_phones_and_addresses_of_the_pupil_record_are_sealed_at_rest():
    sealed = {(label, name) for label, name, _v, item, is_sealed in pi_register.rows() if is_sealed}
    for label in ("registry.Student", "registry.FamilyMember", "registry.StudentDetail"):
        for name, item in pi_register.PI[label].items():
            if item.mask in ("id", "phone", "address"):
                assert (label, name) in sealed, f"{label}.{name}"


def test_every_registered_id_number_and_national_number_is_sealed_at_rest_wherever_it_is_copied():
    """A G number is G + the ID number: every field the register masks as an ID or a national number, in every
    model, and the JSON copies of the pupil's items (history, pre-school data, deleted records, request payloads,
    transfers and entries) are sealed (SECURITY.md row 24)."""
    sealed = {(label, name) for label, name, _v, item, is_sealed in pi_register.rows() if is_sealed}
    numbers = [(label, name) for label, fields in pi_register.PI.items() for name, item in fields.items()
               if item.mask in ("id", "national_number")]
    assert len(numbers) > 10 and [key for key in numbers if key not in sealed] == []
    copies = [("registry.StudentHistory", "changes"), ("registration.PreschoolRecord", "data"),
              ("problems.DeletedRecord", "snapshot"), ("problems.DeletedRecord", "numbers"),
              ("workflow.Request", "payload"), ("workflow.Request", "result"), ("transfers.Transfer", "pupil"),
              ("admissions.Entry", "pupil")]
    assert [key for key in copies if key not in sealed] == []


def test_every_item_of_the_national_form_lands_on_a_registered_field():
    for item in ALL_ITEMS:
        if item in PLACEMENT_ITEMS:
            continue
        assert pi_register.entry(TARGETS[item.target], item.field), f"{item.key} -> {item.target}.{item.field}"


def test_a_family_member_holds_the_national_forms_items_and_nothing_more():
    form = {item.field for item in GUARDIAN_ITEMS}
    held = {name for name, item in pi_register.PI["registry.FamilyMember"].items() if item.mask != "never"}
    assert held == form


def test_the_pupil_forms_submit_registered_items_only():
    from xueji.changes import checks
    from xueji.changes.ui.forms import MemberForm, RecordEditForm
    from xueji.registration.api.views import GuardianSerializer, StudentFormSerializer
    from xueji.registration.ui.student_form import PupilForm
    from xueji.schools.models import SchoolClass as Classes

    keys = {item.key.replace(".", "__") for item in ALL_ITEMS} | {item.key for item in ALL_ITEMS}
    member_keys = set(checks.MEMBER_ITEMS)
    # Where the pupil goes, why, the proofs, the guardians' list (of registered items), and the pre-school record
    # taken over (named by its ID number: a registered field).
    structural = {"school_class", "reason", "proofs", "guardians", "preschool", "version"}  # version: If-Match
    assert pi_register.entry("registration.PreschoolRecord", "id_number")
    forms = {
        "PupilForm": set(PupilForm(classes=Classes.objects.none()).fields),
        "RecordEditForm": set(RecordEditForm(student=None, detail=None, family=[], controls={}).fields),
        "MemberForm": set(MemberForm(student=None, detail=None, family=[]).fields),
        "StudentFormSerializer": set(StudentFormSerializer().fields),
    }
    for name, fields in forms.items():
        assert not fields - keys - member_keys - structural, (name, fields - keys - member_keys - structural)
    assert set(GuardianSerializer().fields) <= member_keys
