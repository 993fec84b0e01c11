"""Forms of the policy pages: input shapes only. Business rules stay in the services; choices come from
selectors, so an id outside the user's jurisdiction is simply not a valid choice."""

from django import forms
from django.utils.translation import gettext_lazy as _

from xueji.accounts.models import Role
from xueji.policy.choices import WINDOW_KINDS
from xueji.ui.forms import date_input
from xueji.workflow.ui.forms import _request_type_choices

# ---------------------------------------------------------------- policy

class WindowForm(forms.Form):
    kind = forms.ChoiceField(label=_("Business"), choices=lambda: list(WINDOW_KINDS.items()))
    start_date = forms.DateField(label=_("Opens"), widget=date_input())
    end_date = forms.DateField(label=_("Closes"), widget=date_input(),
                               help_text=_("Inclusive; dates are in Beijing time."))
    note = forms.CharField(label=_("Note"), max_length=255, required=False)


ROUTE_ROWS = 5


def _resolver_choices():
    from xueji.workflow.resolvers import RESOLVER_LABELS

    return [("", "—"), *RESOLVER_LABELS.items()]


def _approver_roles():
    return [(Role.LEADER.value, Role.LEADER.label), (Role.REGISTRAR.value, Role.REGISTRAR.label)]


class RouteForm(forms.Form):
    """The approval route of one request type: up to ROUTE_ROWS steps of (party, role); blank rows are skipped."""

    request_type = forms.ChoiceField(label=_("Request type"), choices=_request_type_choices,
                                     widget=forms.HiddenInput)

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
    def initial_for(request_type: str, steps: list[dict]) -> dict:
        initial = {"request_type": request_type}
        for n, step in enumerate(steps[:ROUTE_ROWS], start=1):
            initial[f"resolver_{n}"], initial[f"role_{n}"] = step["resolver"], step["role"]
        return initial


MB = 1024 * 1024


class SettingsForm(forms.Form):
    """The province's function switches and limits (policy settings), in the units people think in."""

    # At most 10 MB: the request-size ceiling of ordinary pages (XUEJI_MAX_REQUEST_BYTES).
    proof_max_mb = forms.DecimalField(label=_("Largest proof file (MB)"), min_value=0.1, max_value=10,
                                      decimal_places=1)
    import_max_mb = forms.IntegerField(label=_("Largest import file (MB)"), min_value=1, max_value=1024)
    age_control_enabled = forms.BooleanField(label=_("Grade-1 entry age control"), required=False,
                                             help_text=_("Refuse grade-1 registration of pupils younger than the "
                                                         "minimum age on 31 August."))
    age_control_min_age = forms.IntegerField(label=_("Minimum age on 31 August"), min_value=3, max_value=9)
    abroad_keep_years = forms.IntegerField(label=_("Years the record of a pupil studying abroad is kept"),
                                           min_value=1, max_value=12, required=False,
                                           help_text=_("保留学籍: the pupil may return (回国复学) within this period."))

    @staticmethod
    def initial_from(values: dict) -> dict:
        age = values["registration.grade1.age_control"]
        return {"proof_max_mb": round(values["proof.max_bytes"] / MB, 1),
                "import_max_mb": values["import.max_bytes"] // MB,
                "age_control_enabled": bool(age.get("enabled")), "age_control_min_age": int(age.get("min_age", 6)),
                "abroad_keep_years": values["changes.abroad_keep_years"]}

    def values(self) -> dict:
        data = self.cleaned_data
        years = data.get("abroad_keep_years")
        return {"proof.max_bytes": int(data["proof_max_mb"] * MB), "import.max_bytes": data["import_max_mb"] * MB,
                "registration.grade1.age_control": {"enabled": data["age_control_enabled"],
                                                    "min_age": data["age_control_min_age"]},
                **({"changes.abroad_keep_years": years} if years is not None else {})}
