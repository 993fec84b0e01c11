"""Pages of 服务支持: tickets (my unit's and the level's queue), asking (the FAQ searched first), a ticket with its
thread (polled every few seconds while it is live), its actions, the FAQ and an FAQ entry from a solved ticket;
announcements (list, publishing, opening = read receipt, who has not read); messaging (即时通讯): the conversations
with their unread counts, starting one, a conversation (its messages polled every 2 s from a cursor: an idle poll is
one query and an empty 204, or held until a message comes on a threaded server), sending, its participants' presence
and a message's file. Thin: selectors read, services write."""

import uuid

from django.contrib import messages
from django.core.cache import cache
from django.core.paginator import Paginator
from django.http import FileResponse, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from xueji.accounts.permissions import Cap, has_cap
from xueji.core import clock
from xueji.core.capabilities import SIGNED_IN
from xueji.core.errors import NotFound, XuejiError
from xueji.core.messages import user_message
from xueji.support import polling, selectors, services
from xueji.support.choices import ACTIVE, Category, TicketStatus
from xueji.support.ui import forms
from xueji.support.ui.navigation import counts_key
from xueji.ui.errors import errors_to_form, web_view

PER_PAGE = 25


def _page(request, queryset, per_page: int = PER_PAGE):
    return Paginator(queryset, per_page).get_page(request.GET.get("page"))


# ---------------------------------------------------------------- tickets


@web_view(Cap.SUPPORT_ASK, methods=("GET",))
def ticket_list(request):
    """My unit's questions and, for support staff, the queue of their level."""
    user = request.user
    staff = has_cap(user, Cap.SUPPORT_ANSWER)
    box = request.GET.get("box") or ("queue" if staff else "mine")
    filters = {"box": box, "status": request.GET.get("status", ""), "q": request.GET.get("q", "").strip()}
    page = _page(request, selectors.ticket_list(user=user, filters=filters))
    return render(request, "support/ticket_list.html", {
        "title": _("Consultation and tickets"), "page": page, "staff": staff, "box": box, "filters": filters,
        "statuses": TicketStatus.choices, "counts": selectors.ticket_counts(user=user)})


@web_view(Cap.SUPPORT_ASK)
def ticket_ask(request):
    """Ask: the FAQ is searched with the words of the question first; then the problem-record template."""
    user = request.user
    form = forms.AskForm(request.POST or None, request.FILES or None, initial={
        "title": request.GET.get("q", ""), "student": request.GET.get("student"),
        "request": request.GET.get("request")})
    if request.method == "POST" and form.is_valid():
        values = form.cleaned_data
        with errors_to_form(form):
            ticket = services.ticket_ask(
                actor=user, title=values["title"], description=values["description"], category=values["category"],
                steps=values["steps"], contact=values["contact"], uploads=values["files"],
                student_id=values["student"], request_id=values["request"])
            if ticket.status == TicketStatus.LIVE:
                messages.success(request, _("Support staff of %(level)s are online: the conversation is open.")
                                 % {"level": ticket.level_org.name})
            else:
                messages.success(request, _("Nobody of %(level)s is online: your question is filed as a ticket.")
                                 % {"level": ticket.level_org.name})
            return redirect("support:ticket_detail", pk=ticket.pk)
    q = request.GET.get("q", "").strip()
    faq = list(selectors.faq_list(user=user, filters={"q": q})[:10]) if q else []
    return render(request, "support/ticket_ask.html", {"title": _("Ask a question"), "form": form, "q": q,
                                                       "faq": faq})


def _thread_context(request, ticket):
    user = request.user
    staff = has_cap(user, Cap.SUPPORT_ANSWER) and user.org_unit_id == ticket.level_org_id
    asker = services.is_asker_side(user, ticket)
    return {"ticket": ticket, "events": list(selectors.ticket_events(ticket=ticket)), "staff": staff,
            "asker": asker, "active": ticket.status in ACTIVE, "live": ticket.status == TicketStatus.LIVE}


@web_view(Cap.SUPPORT_ASK, methods=("GET",))
def ticket_detail(request, pk):
    """A ticket: the problem record, its thread (polled while live), its levels, and what the user may do."""
    ticket = selectors.ticket_get(user=request.user, pk=pk)
    context = _thread_context(request, ticket)
    user = request.user
    context.update({
        "title": ticket.title, "levels": list(selectors.ticket_levels(ticket=ticket)),
        "attachments": [a for a in ticket.attachments.all() if a.event_id is None],
        "message_form": forms.MessageForm(), "pass_form": forms.PassUpForm(), "rate_form": forms.RateForm(),
        "may_publish": (ticket.solved_by_id == user.pk and ticket.status in (TicketStatus.SOLVED,
                                                                              TicketStatus.CONFIRMED)
                        and not hasattr(ticket, "faq")),
        "category_label": Category(ticket.category).label})
    return render(request, "support/ticket_detail.html", context)


@web_view(Cap.SUPPORT_ASK, methods=("GET",))
def ticket_thread(request, pk):
    """The thread alone: htmx polls it every few seconds while the conversation is live (a poll is not the user's
    activity: it does not push the session's idle timeout)."""
    request.xueji_passive = True
    ticket = selectors.ticket_get(user=request.user, pk=pk)
    return render(request, "support/_thread.html", _thread_context(request, ticket))


@web_view(Cap.SUPPORT_ASK, methods=("POST",))
def ticket_act(request, pk):
    """One door for a ticket's actions: take, a message (answer / ask back / solve, or the asker's), pass up, rate."""
    user = request.user
    ticket = selectors.ticket_get(user=user, pk=pk)
    act = request.POST.get("act", "")
    try:
        if act == "take":
            services.ticket_take(actor=user, ticket=ticket)
            messages.success(request, _("The ticket is yours."))
        elif act == "message":
            form = forms.MessageForm(request.POST, request.FILES)
            if not form.is_valid():
                messages.error(request, _("Write a message."))
            else:
                services.ticket_answer(actor=user, ticket=ticket, text=form.cleaned_data["text"],
                                       action=form.cleaned_data["action"] or "answer",
                                       uploads=form.cleaned_data["files"])
        elif act == "pass_up":
            services.ticket_pass_up(actor=user, ticket=ticket, reason=request.POST.get("reason", ""))
            messages.success(request, _("The ticket went to the level above."))
        elif act == "rate":
            form = forms.RateForm(request.POST)
            form.is_valid()
            values = form.cleaned_data
            services.ticket_rate(actor=user, ticket=ticket, solved=values.get("solved", True),
                                 rating=values.get("rating"), comment=values.get("comment", ""))
            messages.success(request, _("Thank you."))
        else:
            messages.error(request, _("Unknown action."))
    except XuejiError as exc:
        if exc.status_code == 404:
            raise
        if exc.status_code == 403:
            raise
        messages.error(request, user_message(exc))
    cache.delete(counts_key(user.pk))  # the menu's counts follow the user's own writes at once
    if request.htmx and act == "message":
        return render(request, "support/_thread.html", _thread_context(request, selectors.ticket_get(user=user,
                                                                                                     pk=pk)))
    return redirect("support:ticket_detail", pk=ticket.pk)


@web_view(Cap.SUPPORT_ASK)
def faq_publish(request, pk):
    """The solver publishes a solved ticket as an FAQ entry, edited free of personal data."""
    user = request.user
    ticket = selectors.ticket_get(user=user, pk=pk)
    form = forms.FaqForm(request.POST or None, initial={"question": ticket.title})
    if request.method == "POST" and form.is_valid():
        with errors_to_form(form):
            services.faq_publish(actor=user, ticket=ticket, question=form.cleaned_data["question"],
                                 answer=form.cleaned_data["answer"])
            messages.success(request, _("The FAQ entry is published."))
            return redirect("support:faq_list")
    return render(request, "ui/form.html", {"title": _("Publish as an FAQ entry"), "form": form,
                                            "cancel_url": reverse("support:ticket_detail", args=[ticket.pk]),
                                            "submit": _("Publish")})


@web_view(SIGNED_IN, methods=("GET",))
def faq_list(request):
    q = request.GET.get("q", "").strip()
    page = _page(request, selectors.faq_list(user=request.user, filters={"q": q}))
    return render(request, "support/faq_list.html", {"title": _("Frequently asked questions"), "page": page,
                                                     "q": q})


@web_view(Cap.SUPPORT_ASK, methods=("GET",))
def attachment_download(request, pk):
    attachment = selectors.attachment_get(user=request.user, pk=pk)
    path = services.attachment_open(actor=request.user, attachment=attachment)
    response = FileResponse(path.open("rb"), as_attachment=True, filename=attachment.original_name,
                            content_type=attachment.content_type)
    response["X-Content-Type-Options"] = "nosniff"
    return response


# ---------------------------------------------------------------- announcements


@web_view(SIGNED_IN, methods=("GET",))
def announcement_list(request):
    user = request.user
    box = request.GET.get("box", "")
    page = _page(request, selectors.announcement_list(user=user, filters={"box": box}))
    return render(request, "support/announcement_list.html", {
        "title": _("Announcements"), "page": page, "box": box,
        "may_publish": has_cap(user, Cap.ANNOUNCEMENT_PUBLISH)})


@web_view(Cap.ANNOUNCEMENT_PUBLISH)
def announcement_new(request):
    user = request.user
    units = list(selectors.target_choices(user=user))
    form = forms.AnnouncementForm(request.POST or None, request.FILES or None, units=units, root=user.org_unit)
    if request.method == "POST" and form.is_valid():
        values = form.cleaned_data
        with errors_to_form(form):
            announcement = services.announcement_publish(
                actor=user, title=values["title"], body=values["body"], target_ids=values["targets"],
                roles=values["roles"], stages=values["stages"], pinned=values["pinned"],
                valid_from=values["valid_from"], valid_until=values["valid_until"], uploads=values["files"])
            if announcement.request_id:
                messages.success(request, _("The announcement waits for the approval of your level's leader."))
            else:
                messages.success(request, _("The announcement is published."))
            return redirect("support:announcement_detail", pk=announcement.pk)
    return render(request, "ui/form.html", {"title": _("New announcement"), "form": form,
                                            "cancel_url": reverse("support:announcement_list"),
                                            "submit": _("Publish")})


@web_view(SIGNED_IN, methods=("GET",))
def announcement_detail(request, pk):
    """An announcement; opening it is its read receipt."""
    user = request.user
    announcement = selectors.announcement_get(user=user, pk=pk)
    if services.announcement_mark_read(actor=user, announcement=announcement):
        cache.delete(counts_key(user.pk))
    own = announcement.org_unit_id == user.org_unit_id and has_cap(user, Cap.ANNOUNCEMENT_PUBLISH)
    return render(request, "support/announcement_detail.html", {
        "title": announcement.title, "announcement": announcement, "own": own,
        "targets": [t.org_unit for t in announcement.targets.select_related("org_unit")],
        "attachments": list(announcement.attachments.all()),
        "totals": selectors.audience_totals(announcement=announcement) if own else None})


@web_view(Cap.ANNOUNCEMENT_PUBLISH, methods=("GET",))
def announcement_unread(request, pk):
    """Who of the audience has not read it yet: totals, and the users page by page."""
    announcement = selectors.announcement_of_publisher(user=request.user, pk=pk)
    page = _page(request, selectors.audience_unread(announcement=announcement), 50)
    return render(request, "support/announcement_unread.html", {
        "title": _("Not read yet"), "announcement": announcement, "page": page,
        "totals": selectors.audience_totals(announcement=announcement)})


# ---------------------------------------------------------------- messaging (即时通讯)

MESSAGES_SHOWN = 50  # the last messages a conversation page shows (older ones: "earlier messages")
POLL_SECONDS = 2


def _poll_token(request, conversation_id: int) -> str:
    """The page's poll token (xueji/support/polling.py), for the lean idle poll; none while acting under a password
    loan (the loan's end is checked on the full path, every poll)."""
    from django.conf import settings

    from xueji.accounts.middleware import LOGIN_AT_KEY

    session_key = request.session.session_key
    if not session_key or getattr(request, "loan", None) is not None:
        return ""
    started = request.session.get(LOGIN_AT_KEY)
    ends_at = started + settings.XUEJI_SESSION_MAX_HOURS * 3600 if isinstance(started, int | float) else None
    return polling.issue(user_id=request.user.pk, conversation_id=conversation_id, session_key=session_key,
                         auth_hash=request.user.get_session_auth_hash(), now=clock.now().timestamp(), ends_at=ends_at)


def _counts_changed(user) -> None:
    cache.delete(counts_key(user.pk))


@web_view(Cap.MESSAGE, methods=("GET",))
def conversation_list(request):
    """The user's conversations, the latest first, with their unread counts and the total."""
    user = request.user
    filters = {"q": request.GET.get("q", "").strip(), "unread": request.GET.get("unread", "")}
    page = _page(request, selectors.conversation_list(user=user, filters=filters))
    page.object_list = list(page.object_list)
    names = selectors.conversation_names(conversations=page.object_list, user=user)
    for conversation in page.object_list:
        conversation.display_name = names[conversation.pk]
    return render(request, "support/conversation_list.html", {
        "title": _("Messages"), "page": page, "filters": filters,
        "unread_total": selectors.unread_messages(user=user)})


def _chosen(user):
    def chosen(ids):
        return [(u.pk, f"{u.full_name or u.username} · {u.org_unit.name}")
                for u in selectors.contact_list(user=user).filter(pk__in=ids)]
    return chosen


@web_view(Cap.MESSAGE)
def conversation_new(request):
    """Start a conversation: users picked from a searchable select of the users one may message."""
    user = request.user
    initial = {"participants": [request.GET["to"]] if str(request.GET.get("to", "")).isdigit() else [],
               "client_key": uuid.uuid4().hex}
    form = forms.ConversationForm(request.POST or None, request.FILES or None, initial=initial,
                                  contacts_url=reverse("api:support-contact-list"), chosen=_chosen(user))
    if request.method == "POST" and form.is_valid():
        values = form.cleaned_data
        with errors_to_form(form):
            conversation = services.conversation_start(
                actor=user, participant_ids=values["participants"], title=values["title"], body=values["body"],
                uploads=values["files"], client_key=values["client_key"])
            return redirect("support:conversation_detail", pk=conversation.pk)
    return render(request, "support/conversation_new.html", {"title": _("New conversation"), "form": form})


def _send_form(data=None, files=None):
    return forms.SendForm(data, files, initial={"client_key": uuid.uuid4().hex})


@web_view(Cap.MESSAGE, methods=("GET",))
def conversation_detail(request, pk):
    """A conversation: its last messages, the send form (text and files), its participants online or not; opening
    it marks it read. New messages come by the poll every 2 s."""
    user = request.user
    conversation = selectors.conversation_get(user=user, pk=pk)
    before = request.GET.get("before")
    messages_shown = selectors.message_list(conversation=conversation, limit=MESSAGES_SHOWN,
                                            before=int(before) if str(before or "").isdigit() else None)
    if conversation.unread:
        services.message_mark_read(actor=user, conversation=conversation)
        _counts_changed(user)
    people = selectors.participants(conversation=conversation)
    return render(request, "support/conversation_detail.html", {
        "members_form": _members_form(request, user) if conversation.kind == "group"
        and conversation.created_by_id == user.pk else None,
        "title": selectors.conversation_names(conversations=[conversation], user=user)[conversation.pk],
        "conversation": conversation,
        "messages_shown": messages_shown, "people": people, "form": _send_form(),
        "cursor": conversation.last_message_id, "poll_seconds": POLL_SECONDS,
        "poll_token": _poll_token(request, conversation.pk),
        "earlier": messages_shown[0].pk if len(messages_shown) == MESSAGES_SHOWN else None})


@web_view(Cap.MESSAGE, methods=("GET",))
def conversation_poll(request, pk):
    """The poll (every 2 s): the messages after the cursor `after`, appended to the page, and the poller with the
    new cursor; nothing new is an empty 204 after one indexed query. A poll is not the user's activity: it does not
    push the session's idle timeout. An idle poll with a valid poll token is answered before this view, by
    support.middleware.LeanPollMiddleware; one without (none, expired) gets a new poller with a fresh token."""
    request.xueji_passive = True
    user = request.user
    after = request.GET.get("after", "0")
    after = int(after) if after.isdigit() else 0
    newest = selectors.conversation_newest(user=user, pk=pk)
    if newest is None:
        raise NotFound("conversation not found")
    if newest <= after:
        token = request.GET.get("t", "")
        if polling.valid(token, user=user, conversation_id=int(pk), session_key=request.session.session_key or "",
                         now=clock.now().timestamp()) or not _poll_token(request, int(pk)):
            return HttpResponse(status=204)
        # No token, or an expired one: a new poller with a fresh token (the lean path answers the next polls).
        return render(request, "support/_messages_new.html", {
            "conversation": {"pk": int(pk)}, "messages_new": [], "cursor": after, "poll_seconds": POLL_SECONDS,
            "poll_token": _poll_token(request, int(pk))})
    conversation = selectors.conversation_get(user=user, pk=pk)
    new = selectors.message_list(conversation=conversation, after=after)
    cursor = new[-1].pk if new else after
    services.message_mark_read(actor=user, conversation=conversation, up_to=cursor)  # shown on the open page
    _counts_changed(user)
    return render(request, "support/_messages_new.html", {"conversation": conversation, "messages_new": new,
                                                           "cursor": cursor, "poll_seconds": POLL_SECONDS,
                                                           "poll_token": _poll_token(request, conversation.pk)})


@web_view(Cap.MESSAGE, methods=("POST",))
def conversation_send(request, pk):
    """Send a message (htmx: the form comes back empty, with a new key, and the poll fetches the message at once; a
    refusal comes back in the form with the text kept, so a retry with the same key is stored once)."""
    user = request.user
    conversation = selectors.conversation_get(user=user, pk=pk)
    form = forms.SendForm(request.POST, request.FILES)
    sent = False
    if form.is_valid():
        values = form.cleaned_data
        with errors_to_form(form):
            services.message_send(actor=user, conversation=conversation, body=values["body"],
                                  uploads=values["files"], client_key=values["client_key"])
            sent = True
    if not request.htmx:
        if not sent:
            messages.error(request, " ".join(e for errors in form.errors.values() for e in errors))
        return redirect("support:conversation_detail", pk=conversation.pk)
    response = render(request, "support/_send_form.html", {"conversation": conversation,
                                                            "form": _send_form() if sent else form})
    if sent:
        response["HX-Trigger"] = "messages-sent"
    return response


@web_view(Cap.MESSAGE, methods=("GET",))
def conversation_people(request, pk):
    """The participants with their presence (the page refreshes it every 30 s; not the user's activity)."""
    request.xueji_passive = True
    conversation = selectors.conversation_get(user=request.user, pk=pk)
    return render(request, "support/_people.html", {"conversation": conversation,
                                                     "people": selectors.participants(conversation=conversation)})


def _members_form(request, user, data=None):
    return forms.MembersForm(data, contacts_url=reverse("api:support-contact-list"), chosen=_chosen(user))


@web_view(Cap.MESSAGE, methods=("POST",))
def conversation_members_add(request, pk):
    """The group owner adds members (the service's rule: users the owner may message, the size limit)."""
    user = request.user
    conversation = selectors.conversation_get(user=user, pk=pk)
    form = _members_form(request, user, request.POST)
    if form.is_valid():
        try:
            added = services.group_members_add(actor=user, conversation=conversation,
                                               user_ids=form.cleaned_data["participants"])
        except XuejiError as error:
            messages.error(request, user_message(error))
        else:
            messages.success(request, _("%(n)d members added.") % {"n": len(added)})
    else:
        messages.error(request, " ".join(e for errors in form.errors.values() for e in errors))
    return redirect("support:conversation_detail", pk=conversation.pk)


@web_view(Cap.MESSAGE, methods=("POST",))
def conversation_member_remove(request, pk):
    """The group owner removes a member (`user`), or a member leaves the group (their own id): then back to the
    list."""
    user = request.user
    conversation = selectors.conversation_get(user=user, pk=pk)
    user_id = request.POST.get("user", "")
    if not user_id.isdigit():
        messages.error(request, _("Choose the member to remove."))
        return redirect("support:conversation_detail", pk=conversation.pk)
    try:
        services.group_member_remove(actor=user, conversation=conversation, user_id=user_id)
    except XuejiError as error:
        messages.error(request, user_message(error))
        return redirect("support:conversation_detail", pk=conversation.pk)
    if int(user_id) == user.pk:
        messages.success(request, _("You have left the group."))
        _counts_changed(user)
        return redirect("support:conversation_list")
    messages.success(request, _("The member was removed from the group."))
    return redirect("support:conversation_detail", pk=conversation.pk)


@web_view(Cap.MESSAGE, methods=("GET",))
def message_attachment(request, pk):
    """A file of a message of one's conversation (audited)."""
    attachment = selectors.message_attachment_get(user=request.user, pk=pk)
    path = services.attachment_open(actor=request.user, attachment=attachment)
    response = FileResponse(path.open("rb"), as_attachment=True, filename=attachment.original_name,
                            content_type=attachment.content_type)
    response["X-Content-Type-Options"] = "nosniff"
    return response
