"""Pages of 培训考试: the courses offered and run, a course (material, sessions, exams; its managers add sessions,
questions and exams), a session's enrolments and attendance, taking an exam (start, answer, submit), one's
certificates and their PDF, and the public verification by code. Thin: selectors read, services write."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from xueji.accounts.permissions import Cap, has_cap
from xueji.core.capabilities import PUBLIC, SIGNED_IN, requires
from xueji.core.errors import XuejiError
from xueji.core.messages import user_message
from xueji.training import pdf, selectors, services
from xueji.training.choices import TARGET_LEVELS
from xueji.training.ui import forms
from xueji.ui.errors import errors_to_form, web_view

PER_PAGE = 25


@web_view(SIGNED_IN, methods=("GET",))
def course_list(request):
    user = request.user
    manager = has_cap(user, Cap.TRAINING_MANAGE)
    filters = {"box": request.GET.get("box", ""), "level": request.GET.get("level", ""),
               "q": request.GET.get("q", "").strip()}
    page = Paginator(selectors.course_list(user=user, filters=filters), PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "training/course_list.html", {
        "title": _("Training and exams"), "page": page, "filters": filters, "manager": manager,
        "levels": TARGET_LEVELS, "enrolments": list(selectors.my_enrolments(user=user)[:10])})


@web_view(Cap.TRAINING_MANAGE)
def course_new(request):
    form = forms.CourseForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        with errors_to_form(form):
            course = services.course_create(actor=request.user, **form.cleaned_data)
            messages.success(request, _("The course is open. Add sessions, questions and an exam."))
            return redirect("training:course_detail", pk=course.pk)
    return render(request, "ui/form.html", {"title": _("New course"), "form": form, "submit": _("Save"),
                                            "cancel_url": reverse("training:course_list")})


@web_view(Cap.TRAINING_MANAGE)
def course_edit(request, pk):
    """Its managers edit a course (certificates issued keep their validity; closing it stops new enrolments)."""
    course = selectors.course_managed(user=request.user, pk=pk)
    initial = {name: getattr(course, name) for name in services.COURSE_FIELDS}
    form = forms.CourseEditForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        with errors_to_form(form):
            services.course_update(actor=request.user, course=course, **form.cleaned_data)
            messages.success(request, _("Saved."))
            return redirect("training:course_detail", pk=course.pk)
    return render(request, "ui/form.html", {"title": _("Edit course: %(title)s") % {"title": course.title},
                                            "form": form, "submit": _("Save"),
                                            "cancel_url": reverse("training:course_detail", args=[course.pk])})


@web_view(Cap.TRAINING_MANAGE)
def question_edit(request, pk):
    """Its course's managers edit a question; the exams handed in keep their marks."""
    question = selectors.question_managed(user=request.user, pk=pk)
    form = forms.QuestionForm(request.POST or None, initial=forms.QuestionForm.initial_from(question))
    if request.method == "POST" and form.is_valid():
        values = form.cleaned_data
        with errors_to_form(form):
            services.question_update(actor=request.user, question=question, kind=values["kind"],
                                     text=values["text"], choices=form.choice_list(), answer=values["answer"],
                                     points=values["points"])
            messages.success(request, _("Saved."))
            return redirect("training:course_detail", pk=question.course_id)
    return render(request, "ui/form.html", {"title": _("Edit question"), "form": form, "submit": _("Save"),
                                            "cancel_url": reverse("training:course_detail",
                                                                  args=[question.course_id])})


@web_view(Cap.TRAINING_MANAGE, methods=("POST",))
def question_delete(request, pk):
    question = selectors.question_managed(user=request.user, pk=pk)
    try:
        services.question_delete(actor=request.user, question=question)
        messages.success(request, _("The question was taken out of the bank."))
    except XuejiError as refused:
        messages.error(request, user_message(refused))
    return redirect("training:course_detail", pk=question.course_id)


@web_view(SIGNED_IN, methods=("GET",))
def course_detail(request, pk):
    user = request.user
    course = selectors.course_get(user=user, pk=pk)
    manager = services.may_manage(user, course)
    context = {"title": course.title, "course": course, "manager": manager,
               "sessions": list(selectors.sessions_of(user=user, course=course)),
               "exams": list(selectors.exams_of(course=course)),
               "certificates": list(selectors.certificate_list(user=user).filter(course=course)[:5])}
    if manager:
        context.update({"questions": list(selectors.questions_of(course=course)),
                        "session_form": forms.SessionForm(), "question_form": forms.QuestionForm(),
                        "exam_form": forms.ExamForm()})
    return render(request, "training/course_detail.html", context)


def _manage_post(request, pk, form_class, create):
    course = selectors.course_managed(user=request.user, pk=pk)
    form = form_class(request.POST)
    if not form.is_valid():
        for field, errors in form.errors.items():
            for error in errors:
                messages.error(request, f"{form.fields[field].label if field in form.fields else ''}: {error}")
        return redirect("training:course_detail", pk=course.pk)
    try:
        create(course, form)
        messages.success(request, _("Saved."))
    except XuejiError as refused:
        messages.error(request, user_message(refused))
    return redirect("training:course_detail", pk=course.pk)


@web_view(Cap.TRAINING_MANAGE, methods=("POST",))
def session_new(request, pk):
    return _manage_post(request, pk, forms.SessionForm, lambda course, form: services.session_create(
        actor=request.user, course=course, **form.cleaned_data))


@web_view(Cap.TRAINING_MANAGE, methods=("POST",))
def question_new(request, pk):
    def create(course, form):
        values = form.cleaned_data
        return services.question_add(actor=request.user, course=course, kind=values["kind"], text=values["text"],
                                     choices=form.choice_list(), answer=values["answer"], points=values["points"])

    return _manage_post(request, pk, forms.QuestionForm, create)


@web_view(Cap.TRAINING_MANAGE, methods=("POST",))
def exam_new(request, pk):
    return _manage_post(request, pk, forms.ExamForm, lambda course, form: services.exam_create(
        actor=request.user, course=course, **form.cleaned_data))


@web_view(SIGNED_IN, methods=("POST",))
def session_enrol(request, pk):
    session = selectors.session_get(user=request.user, pk=pk)
    services.session_enrol(actor=request.user, session=session)
    messages.success(request, _("You are enrolled in %(session)s.") % {"session": session.title})
    return redirect("training:course_detail", pk=session.course_id)


@web_view(Cap.TRAINING_MANAGE)
def session_detail(request, pk):
    """A session's enrolments; its managers tick who attended."""
    session = selectors.session_managed(user=request.user, pk=pk)
    if request.method == "POST":
        present = [int(v) for v in request.POST.getlist("present") if v.isdigit()]
        counts = services.attendance_record(actor=request.user, session=session, present_ids=present)
        messages.success(request, _("Attendance saved: %(present)d present, %(absent)d absent.") % counts)
        return redirect("training:session_detail", pk=session.pk)
    return render(request, "training/session_detail.html", {
        "title": session.title, "session": session, "enrolments": list(selectors.enrolments_of(session=session))})


@web_view(SIGNED_IN)
def exam_take(request, pk):
    """An exam: start it, answer the questions before the deadline, submit; the result and the certificate."""
    user = request.user
    exam = selectors.exam_get(user=user, pk=pk)
    if request.method == "POST":
        if request.POST.get("act") == "start":
            services.attempt_start(actor=user, exam=exam)
            return redirect("training:exam_take", pk=exam.pk)
        attempt = selectors.attempt_to_submit(user=user, exam=exam)
        answers = {str(qid): request.POST.getlist(f"q{qid}") for qid in attempt.question_ids}
        attempt = services.attempt_submit(actor=user, attempt=attempt, answers=answers)
        if attempt.passed:
            messages.success(request, _("Passed with %(percent)d%%: your certificate is issued.")
                             % {"percent": attempt.percent})
        else:
            messages.warning(request, _("Not passed (%(percent)d%%, the pass mark is %(mark)d%%).")
                             % {"percent": attempt.percent or 0, "mark": exam.pass_mark})
        return redirect("training:exam_take", pk=exam.pk)
    running = services.open_attempt(user=user, exam=exam)
    return render(request, "training/exam_take.html", {
        "title": exam.title, "exam": exam, "attempt": running,
        "questions": selectors.attempt_questions(attempt=running) if running else [],
        "past": list(selectors.attempt_list(user=user, exam=exam).filter(submitted_at__isnull=False)
                     .select_related("certificate")[:10])})


@web_view(SIGNED_IN, methods=("GET",))
def certificate_list(request):
    user = request.user
    problem = services.certificate_problem(user) if user.has_role("registrar") else None
    return render(request, "training/certificate_list.html", {
        "title": _("My certificates"), "certificates": list(selectors.certificate_list(user=user)[:100]),
        "problem": problem, "required": user.has_role("registrar") and services.certificate_required(
            user.org_unit)})


@web_view(SIGNED_IN, methods=("GET",))
def certificate_pdf(request, pk):
    return pdf.certificate_response(request, selectors.certificate_get(user=request.user, pk=pk))


@requires(get=PUBLIC)
def verify(request):
    """Anyone: a certificate by its verification code (the masked holder, unit, course, validity)."""
    code = request.GET.get("code", "").strip()
    found = selectors.certificate_verify(code=code) if code else None
    return render(request, "training/verify.html", {"title": _("Verify a certificate"), "code": code,
                                                    "found": found})
