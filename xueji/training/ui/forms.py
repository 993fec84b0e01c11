"""The training pages' forms: a course, a session, a question, an exam."""

from django import forms
from django.utils.translation import gettext_lazy as _

from xueji.training.choices import TARGET_LEVELS, Mode, QuestionKind


class CourseForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    level = forms.ChoiceField(label=_("For the staff of"), choices=TARGET_LEVELS)
    mode = forms.ChoiceField(label=_("Mode"), choices=Mode.choices)
    for_registrars = forms.BooleanField(label=_("Registrar course (持证上岗)"), required=False)
    validity_months = forms.IntegerField(label=_("Certificate valid for (months)"), min_value=1, max_value=120,
                                         initial=24)
    description = forms.CharField(label=_("Description"), widget=forms.Textarea(attrs={"rows": 3}),
                                  required=False, max_length=10000)
    material = forms.CharField(label=_("Online material"), widget=forms.Textarea(attrs={"rows": 6}),
                               required=False, max_length=50000)


class CourseEditForm(CourseForm):
    is_active = forms.BooleanField(label=_("Open (offered to its staff; off: closed)"), required=False)


class SessionForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200, required=False)
    starts_at = forms.DateTimeField(label=_("Starts"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"}))
    ends_at = forms.DateTimeField(label=_("Ends"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"}))
    place = forms.CharField(label=_("Place"), max_length=200, required=False)
    capacity = forms.IntegerField(label=_("Places"), min_value=1, max_value=10000, initial=50)


class QuestionForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=QuestionKind.choices)
    text = forms.CharField(label=_("Question"), widget=forms.Textarea(attrs={"rows": 2}), max_length=5000)
    choices = forms.CharField(label=_("Choices (one a line; not for true or false)"), required=False,
                              widget=forms.Textarea(attrs={"rows": 4}), max_length=5000)
    answer = forms.CharField(label=_("Right answer (choice numbers from 1, comma separated; true = 1)"),
                             max_length=50)
    points = forms.IntegerField(label=_("Points"), min_value=1, max_value=100, initial=1)

    def clean_answer(self):
        try:
            return [int(part) - 1 for part in self.cleaned_data["answer"].replace("，", ",").split(",")
                    if part.strip()]
        except ValueError:
            raise forms.ValidationError(_("Write the numbers of the right choices, e.g. 1,3.")) from None

    @staticmethod
    def initial_from(question) -> dict:
        """A stored question as the form shows it: choices a line each, the right answer numbered from 1."""
        return {"kind": question.kind, "text": question.text, "points": question.points,
                "choices": "" if question.kind == "true_false" else "\n".join(question.choices),
                "answer": ",".join(str(a + 1) for a in question.answer)}

    def choice_list(self) -> list[str]:
        return [line.strip() for line in self.cleaned_data.get("choices", "").splitlines() if line.strip()]


class ExamForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200, required=False)
    duration_minutes = forms.IntegerField(label=_("Time allowed (minutes)"), min_value=1, max_value=600, initial=30)
    pass_mark = forms.IntegerField(label=_("Pass mark (%)"), min_value=1, max_value=100, initial=60)
