"""Forms of the policy pages: input shapes only. Business rules stay in the services; choices come from
selectors, so an id outside the user's jurisdiction is simply not a valid choice."""

from django import forms
from django.utils.translation import gettext_lazy as _

from xueji.accounts.models import Role
from xueji.core import codes
from xueji.core.versions import VersionedForm
from xueji.policy.choices import TRANSFER_CERTIFICATE, TRANSFER_PROOF_KINDS, WINDOW_KINDS
from xueji.policy.services import MAX_CAP
from xueji.policy.switches import (
    DELETE_FORMAL,
    ENTRY_AGE,
    REGISTRATION_OPEN,
    STATUS_CHANGE_CODES,
    STATUS_CHANGES,
    TRANSFER_CONSENT,
)
from xueji.ui.forms import date_input
from xueji.workflow.ui.forms import _request_type_choices

# ---------------------------------------------------------------- policy

class WindowForm(forms.Form):
    kind = forms.ChoiceField(label=_("Business"), choices=lambda: list(WINDOW_KINDS.items()))
    start_date = forms.DateField(label=_("Opens"), widget=date_input())
    end_date = forms.DateField(label=_("Closes"), widget=date_input(),
                               help_text=_("Inclusive; dates are in Beijing time."))
    note = forms.CharField(label=_("Note"), max_length=255, required=False)


ROUTE_ROWS = 8  # a transfer across cities with both cities' approvals has six steps


def _resolver_choices():
    from xueji.workflow.resolvers import RESOLVER_LABELS

    return [("", "—"), *RESOLVER_LABELS.items()]


def _approver_roles():
    return [(Role.LEADER.value, Role.LEADER.label), (Role.REGISTRAR.value, Role.REGISTRAR.label)]


class RouteForm(forms.Form):
    """The approval route of one request type: up to ROUTE_ROWS steps of (party, role); blank rows are skipped."""

    request_type = forms.ChoiceField(label=_("Request type"), choices=_request_type_choices,
                                     widget=forms.HiddenInput)
    # One case of the type (its route key: a transfer's distance, a status change's kind); empty: the default.
    route_key = forms.CharField(required=False, max_length=32, widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for n in range(1, ROUTE_ROWS + 1):
            self.fields[f"resolver_{n}"] = forms.ChoiceField(label=_("Party"), choices=_resolver_choices,
                                                             required=False)
            self.fields[f"role_{n}"] = forms.ChoiceField(label=_("Role"), choices=[("", "—"), *_approver_roles()],
                                                         required=False)

    def rows(self):
        return [(n, self[f"resolver_{n}"], self[f"role_{n}"]) for n in range(1, ROUTE_ROWS + 1)]

    def steps(self) -> list[dict[str, str]]:
        data = self.cleaned_data
        return [{"resolver": data[f"resolver_{n}"], "role": data[f"role_{n}"]}
                for n in range(1, ROUTE_ROWS + 1) if data.get(f"resolver_{n}") or data.get(f"role_{n}")]

    @staticmethod
    def initial_for(request_type: str, steps: list[dict], route_key: str = "") -> dict:
        initial = {"request_type": request_type, "route_key": route_key}
        for n, step in enumerate(steps[:ROUTE_ROWS], start=1):
            initial[f"resolver_{n}"], initial[f"role_{n}"] = step["resolver"], step["role"]
        return initial


MB = 1024 * 1024


class SettingsForm(VersionedForm):
    """The province's limits (policy settings), in the units people think in. (The grade-1 entry-age control is a
    function switch of the primary stage: SwitchForm.)"""

    # At most 10 MB: the request-size ceiling of ordinary pages (XUEJI_MAX_REQUEST_BYTES).
    proof_max_mb = forms.DecimalField(label=_("Largest proof file (MB)"), min_value=0.1, max_value=10,
                                      decimal_places=1)
    import_max_mb = forms.IntegerField(label=_("Largest import file (MB)"), min_value=1, max_value=1024)
    abroad_keep_years = forms.IntegerField(label=_("Years the record of a pupil studying abroad is kept"),
                                           min_value=1, max_value=12, required=False,
                                           help_text=_("保留学籍: the pupil may return (回国复学) within this period."))
    transfer_extra_proofs = forms.MultipleChoiceField(
        label=_("Proofs a transfer needs besides the transfer certificate"), required=False,
        widget=forms.CheckboxSelectMultiple,
        choices=[(k, v) for k, v in TRANSFER_PROOF_KINDS.items() if k != TRANSFER_CERTIFICATE],
        help_text=_("转学: the receiving school files with its stamped transfer certificate and these proofs."))
    large_school_pupils = forms.IntegerField(
        label=_("Oversized school (超大规模): pupils on the roll from"), min_value=100, max_value=100_000,
        required=False,
        help_text=_("The dashboard's oversized-schools chart lists the schools with this many pupils or more "
                    "(national default 2,000)."))
    export_approval_rows = forms.IntegerField(
        label=_("Bulk export of personal data: the leader approves past (pupils)"), min_value=0, max_value=10_000_000,
        required=False, help_text=_("0: every export runs at once (批量导出审批)."))
    export_encrypt = forms.BooleanField(
        label=_("Export files are encrypted archives (the password shown once to the exporter)"), required=False)

    @staticmethod
    def initial_from(values: dict) -> dict:
        return {"proof_max_mb": round(values["proof.max_bytes"] / MB, 1),
                "import_max_mb": values["import.max_bytes"] // MB,
                "abroad_keep_years": values["changes.abroad_keep_years"],
                "transfer_extra_proofs": list(values.get("transfers.extra_proofs") or []),
                "large_school_pupils": values["reports.large_school_pupils"],
                "export_approval_rows": values["export.approval_rows"], "export_encrypt": values["export.encrypt"]}

    def values(self) -> dict:
        data = self.cleaned_data
        years = data.get("abroad_keep_years")
        return {"proof.max_bytes": int(data["proof_max_mb"] * MB), "import.max_bytes": data["import_max_mb"] * MB,
                **({"changes.abroad_keep_years": years} if years is not None else {}),
                "transfers.extra_proofs": [k for k in TRANSFER_PROOF_KINDS if k in set(data["transfer_extra_proofs"])],
                **({"reports.large_school_pupils": data["large_school_pupils"]}
                   if data.get("large_school_pupils") is not None else {}),
                **({"export.approval_rows": data["export_approval_rows"]}
                   if data.get("export_approval_rows") is not None else {}),
                "export.encrypt": bool(data.get("export_encrypt"))}


class WindowEditForm(VersionedForm):
    start_date = forms.DateField(label=_("Opens"), widget=date_input())
    end_date = forms.DateField(label=_("Closes"), widget=date_input(),
                               help_text=_("Inclusive; dates are in Beijing time."))
    note = forms.CharField(label=_("Note"), max_length=255, required=False)


class SwitchForm(forms.Form):
    """The province's function switches, one field per switch and stage (`<field>_<stage>`), built from the rows
    of `selectors.switch_rows` (their values are the initial ones)."""

    FIELDS = {STATUS_CHANGES: "status_changes", REGISTRATION_OPEN: "registration_open", DELETE_FORMAL: "delete_formal"}

    def __init__(self, *args, rows: list[dict], **kwargs):
        super().__init__(*args, **kwargs)
        self.rows = rows
        type_choices = [(c, codes.STATUS_CHANGE_TYPE.label(c)) for c in STATUS_CHANGE_CODES]
        for row in rows:
            for cell in row["stages"]:
                if not cell["applies"]:
                    continue
                stage, value = cell["stage"], cell["value"]
                if row["key"] == STATUS_CHANGES:
                    self.fields[f"status_changes_{stage}"] = forms.MultipleChoiceField(
                        choices=type_choices, required=False, widget=forms.CheckboxSelectMultiple, initial=value)
                elif row["key"] == ENTRY_AGE:
                    self.fields[f"entry_age_enabled_{stage}"] = forms.BooleanField(required=False,
                                                                                   initial=value["enabled"])
                    self.fields[f"entry_age_min_age_{stage}"] = forms.IntegerField(
                        label=_("Minimum age on 31 August"), min_value=3, max_value=9, initial=value["min_age"])
                elif row["key"] == TRANSFER_CONSENT:
                    self.fields[f"consent_enabled_{stage}"] = forms.BooleanField(required=False,
                                                                                 initial=value["enabled"])
                    self.fields[f"consent_days_{stage}"] = forms.IntegerField(
                        label=_("Working days"), min_value=1, max_value=60, initial=value["working_days"],
                        required=False)  # left empty: the days stay as they are
                else:
                    self.fields[f"{self.FIELDS[row['key']]}_{stage}"] = forms.BooleanField(required=False,
                                                                                           initial=value)

    def values(self) -> list[tuple[str, str, object]]:
        """(stage, key, value) of every switch on the form."""
        data = self.cleaned_data
        out = []
        for row in self.rows:
            for cell in row["stages"]:
                if not cell["applies"]:
                    continue
                stage, key = cell["stage"], row["key"]
                if key == ENTRY_AGE:
                    value = {"enabled": bool(data[f"entry_age_enabled_{stage}"]),
                             "min_age": int(data[f"entry_age_min_age_{stage}"])}
                elif key == STATUS_CHANGES:
                    value = [c for c in STATUS_CHANGE_CODES if c in set(data[f"status_changes_{stage}"])]
                elif key == TRANSFER_CONSENT:
                    value = {"enabled": bool(data[f"consent_enabled_{stage}"]),
                             "working_days": int(data[f"consent_days_{stage}"] or cell["value"]["working_days"])}
                else:
                    value = bool(data[f"{self.FIELDS[key]}_{stage}"])
                out.append((stage, key, value))
        return out


class ControlledItemsForm(forms.Form):
    """The items the user's level controls: the editable items of `selectors.controlled_item_rows`."""

    items = forms.MultipleChoiceField(required=False, widget=forms.CheckboxSelectMultiple)

    def __init__(self, *args, rows: list[dict], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["items"].choices = [(r["item"], r["title"]) for r in rows if r["editable"]]
        self.fields["items"].initial = [r["item"] for r in rows if r["editable"] and r["controlled"]]


class CapsForm(forms.Form):
    """The user's level's cap and lock per stage (`cap_<stage>`, `locked_<stage>`); an empty cap: none, inherit."""

    def __init__(self, *args, rows: list[dict], **kwargs):
        super().__init__(*args, **kwargs)
        self.rows = rows
        for row in rows:
            stage, own = row["stage"], row["own"]
            self.fields[f"cap_{stage}"] = forms.IntegerField(
                label=row["label"], required=False, min_value=1, max_value=MAX_CAP,
                initial=own.cap if own else None, disabled=not row["editable"])
            self.fields[f"locked_{stage}"] = forms.BooleanField(
                label=_("Lock"), required=False, initial=own.locked if own else False, disabled=not row["editable"])

    def values(self) -> list[tuple[str, int | None, bool]]:
        data = self.cleaned_data
        return [(row["stage"], data[f"cap_{row['stage']}"], bool(data[f"locked_{row['stage']}"]))
                for row in self.rows if row["editable"]]


# ---------------------------------------------------------------- security settings (安全策略)

class SecuritySettingsForm(forms.Form):
    """The level's security settings: one field per setting (accounts.security_settings.SETTINGS), its bounds from
    the definition; the tighten-only rule is the service's (policy.security)."""

    def __init__(self, *args, rows: list[dict], **kwargs):
        super().__init__(*args, **kwargs)
        from xueji.accounts.security_settings import MORE, OPTIONAL_FACTOR_ROLES

        for row in rows:
            name = row["key"].replace(".", "__")
            if row["stricter"] == MORE:
                field = forms.MultipleChoiceField(
                    label=row["label"], required=False, widget=forms.CheckboxSelectMultiple,
                    choices=[(r, Role(r).label) for r in OPTIONAL_FACTOR_ROLES],
                    help_text=_("System, security and audit administrators, leaders and the authorities' registrars "
                                "always use one."))
            else:
                field = forms.IntegerField(label=row["label"], min_value=row["low"], max_value=row["high"])
            field.initial = row["value"]
            field.group = row["group"]
            self.fields[name] = field

    def values(self) -> dict:
        return {name.replace("__", "."): value for name, value in self.cleaned_data.items()}
