"""Support API (服务支持): ask, list, detail, answer (answer / ask back / solve, or the asker's message), take, escalate
(pass up), rate (confirm); the FAQ; announcements: list, publish, detail (marks read), read, unread audience;
messaging (即时通讯): conversations (list with unread counts, start), a conversation with its participants' presence,
its messages after a cursor (ETag: an idle poll answers 304 after one query) and sending with files, the read mark,
the users one may message, a message's file. Thin: selectors read, services write.

Why one module: it mirrors services.py (one rule of who supports whom for tickets, announcements and messages);
each view is a few lines over a selector or a service."""

from django.core.paginator import Paginator
from django.http import FileResponse
from django.utils.http import quote_etag
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, serializers, status
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from xueji.accounts.permissions import Cap
from xueji.core.api import SelectorMixin
from xueji.core.capabilities import SIGNED_IN, requires
from xueji.support import selectors, services
from xueji.support.choices import Category
from xueji.support.models import (
    Announcement,
    Attachment,
    Conversation,
    FaqEntry,
    Message,
    Participant,
    Ticket,
    TicketEvent,
    TicketLevel,
)


class AttachmentSerializer(serializers.ModelSerializer):
    class Meta:
        model = Attachment
        fields = ["id", "original_name", "content_type", "size", "uploaded_at"]


class EventSerializer(serializers.ModelSerializer):
    actor_name = serializers.SerializerMethodField()
    level_name = serializers.CharField(source="org_unit.name", read_only=True)
    attachments = AttachmentSerializer(many=True, read_only=True)

    class Meta:
        model = TicketEvent
        fields = ["id", "kind", "actor_name", "level_name", "text", "created_at", "attachments"]

    def get_actor_name(self, event) -> str:
        return event.actor.full_name or event.actor.username if event.actor else ""


class LevelSerializer(serializers.ModelSerializer):
    level_name = serializers.CharField(source="org_unit.name", read_only=True)
    response_seconds = serializers.SerializerMethodField()
    solve_seconds = serializers.SerializerMethodField()

    class Meta:
        model = TicketLevel
        fields = ["level_name", "arrived_at", "due_at", "taken_at", "solved_at", "left_at", "outcome",
                  "response_seconds", "solve_seconds"]

    def get_response_seconds(self, level) -> int | None:
        return int(level.response_time.total_seconds()) if level.response_time else None

    def get_solve_seconds(self, level) -> int | None:
        return int(level.solve_time.total_seconds()) if level.solve_time else None


class TicketSerializer(serializers.ModelSerializer):
    asker_org_name = serializers.CharField(source="asker_org.name", read_only=True)
    level_name = serializers.CharField(source="level_org.name", read_only=True)

    class Meta:
        model = Ticket
        fields = ["id", "status", "category", "title", "asker_org", "asker_org_name", "level_org", "level_name",
                  "arrived_at", "due_at", "solved_at", "rating", "created_at"]


class TicketDetailSerializer(TicketSerializer):
    events = serializers.SerializerMethodField()
    levels = serializers.SerializerMethodField()

    class Meta(TicketSerializer.Meta):
        fields = [*TicketSerializer.Meta.fields, "description", "steps", "contact", "student", "request",
                  "rating_comment", "confirmed_at", "events", "levels"]

    def get_events(self, ticket) -> list[dict]:
        return EventSerializer(selectors.ticket_events(ticket=ticket), many=True).data

    def get_levels(self, ticket) -> list[dict]:
        return LevelSerializer(selectors.ticket_levels(ticket=ticket), many=True).data


class AskSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=200)
    description = serializers.CharField(max_length=10000)
    category = serializers.ChoiceField(choices=Category.choices, default=Category.OTHER)
    steps = serializers.CharField(required=False, allow_blank=True, max_length=5000, default="")
    contact = serializers.CharField(required=False, allow_blank=True, max_length=100, default="")
    student = serializers.IntegerField(required=False, allow_null=True, default=None)
    request = serializers.IntegerField(required=False, allow_null=True, default=None)
    files = serializers.ListField(child=serializers.FileField(), required=False, default=list, max_length=5)


def _ticket_filters(params) -> dict:
    return {k: v for k in ("box", "status", "q") if (v := params.get(k))}


@requires(Cap.SUPPORT_ASK)
class TicketListApi(SelectorMixin, generics.ListAPIView):
    """GET: the tickets in view (`box=mine|queue`, `status`, `q`). POST: ask the level above (a live conversation
    when one of its support staff is online, else a ticket); files as multipart `files`."""

    serializer_class = TicketSerializer
    parser_classes = [JSONParser, MultiPartParser, FormParser]
    list_selector = staticmethod(lambda *, user, filters: selectors.ticket_list(user=user, filters=filters))

    def filters(self) -> dict:
        return _ticket_filters(self.request.query_params)

    @extend_schema(request=AskSerializer, responses={201: TicketDetailSerializer})
    def post(self, request):
        data = AskSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        ticket = services.ticket_ask(actor=request.user, title=values["title"], description=values["description"],
                                     category=values["category"], steps=values["steps"], contact=values["contact"],
                                     uploads=values["files"], student_id=values["student"],
                                     request_id=values["request"])
        return Response(TicketDetailSerializer(ticket).data, status=status.HTTP_201_CREATED)


@requires(Cap.SUPPORT_ASK)
class TicketDetailApi(APIView):
    """A ticket in view with its thread and its stay at each level (response and solve times)."""

    @extend_schema(responses=TicketDetailSerializer)
    def get(self, request, pk):
        return Response(TicketDetailSerializer(selectors.ticket_get(user=request.user, pk=pk)).data)


class AnswerSerializer(serializers.Serializer):
    text = serializers.CharField(max_length=10000)
    action = serializers.ChoiceField(choices=services.ACTIONS, default="answer",
                                     help_text="support staff: answer, ask_back or solve; the asker: answer")
    files = serializers.ListField(child=serializers.FileField(), required=False, default=list, max_length=5)


@requires(Cap.SUPPORT_ASK)
class TicketAnswerApi(APIView):
    """Write in a ticket's thread: the level's staff answer, ask back or solve; the asker's unit replies."""

    parser_classes = [JSONParser, MultiPartParser, FormParser]

    @extend_schema(request=AnswerSerializer, responses=TicketDetailSerializer)
    def post(self, request, pk):
        ticket = selectors.ticket_get(user=request.user, pk=pk)
        data = AnswerSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        ticket = services.ticket_answer(actor=request.user, ticket=ticket, text=data.validated_data["text"],
                                        action=data.validated_data["action"], uploads=data.validated_data["files"])
        return Response(TicketDetailSerializer(ticket).data)


@requires(Cap.SUPPORT_ANSWER)
class TicketTakeApi(APIView):
    """The level's support staff take a waiting ticket."""

    @extend_schema(request=None, responses=TicketDetailSerializer)
    def post(self, request, pk):
        ticket = services.ticket_take(actor=request.user, ticket=selectors.ticket_get(user=request.user, pk=pk))
        return Response(TicketDetailSerializer(ticket).data)


class ReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=2000)


@requires(Cap.SUPPORT_ANSWER)
class TicketEscalateApi(APIView):
    """The level's support staff pass a ticket up one level, with its history."""

    @extend_schema(request=ReasonSerializer, responses=TicketDetailSerializer)
    def post(self, request, pk):
        ticket = selectors.ticket_get(user=request.user, pk=pk)
        data = ReasonSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        ticket = services.ticket_pass_up(actor=request.user, ticket=ticket, reason=data.validated_data["reason"])
        return Response(TicketDetailSerializer(ticket).data)


class RateSerializer(serializers.Serializer):
    solved = serializers.BooleanField(default=True)
    rating = serializers.IntegerField(required=False, allow_null=True, default=None, min_value=1, max_value=5)
    comment = serializers.CharField(required=False, allow_blank=True, max_length=500, default="")


@requires(Cap.SUPPORT_ASK)
class TicketRateApi(APIView):
    """The asker's unit confirms a solved ticket and rates it (1–5), or says it is not solved."""

    @extend_schema(request=RateSerializer, responses=TicketDetailSerializer)
    def post(self, request, pk):
        ticket = selectors.ticket_get(user=request.user, pk=pk)
        data = RateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        ticket = services.ticket_rate(actor=request.user, ticket=ticket, **data.validated_data)
        return Response(TicketDetailSerializer(ticket).data)


class FaqSerializer(serializers.ModelSerializer):
    org_unit_name = serializers.CharField(source="org_unit.name", read_only=True)

    class Meta:
        model = FaqEntry
        fields = ["id", "category", "question", "answer", "org_unit_name", "published_at"]


@requires(SIGNED_IN)
class FaqListApi(SelectorMixin, generics.ListAPIView):
    """The FAQ of your unit and the levels above it; `q` searches (every word), `category` narrows."""

    serializer_class = FaqSerializer
    list_selector = staticmethod(lambda *, user, filters: selectors.faq_list(user=user, filters=filters))

    def filters(self) -> dict:
        return {k: v for k in ("q", "category") if (v := self.request.query_params.get(k))}


class AnnouncementSerializer(serializers.ModelSerializer):
    org_unit_name = serializers.CharField(source="org_unit.name", read_only=True)
    is_read = serializers.BooleanField(read_only=True)

    class Meta:
        model = Announcement
        fields = ["id", "title", "org_unit", "org_unit_name", "pinned", "valid_from", "valid_until", "roles",
                  "stages", "status", "published_at", "is_read"]


class AnnouncementDetailSerializer(AnnouncementSerializer):
    attachments = AttachmentSerializer(many=True, read_only=True)
    targets = serializers.SerializerMethodField()

    class Meta(AnnouncementSerializer.Meta):
        fields = [*AnnouncementSerializer.Meta.fields, "body", "targets", "attachments"]

    def get_targets(self, announcement) -> list[str]:
        return [t.org_unit.name for t in announcement.targets.select_related("org_unit")]


class PublishSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=200)
    body = serializers.CharField(max_length=20000)
    targets = serializers.ListField(child=serializers.IntegerField(), min_length=1, max_length=500,
                                    help_text="org units below your level (from the org tree)")
    roles = serializers.ListField(child=serializers.CharField(max_length=16), required=False, default=list)
    stages = serializers.ListField(child=serializers.CharField(max_length=1), required=False, default=list)
    pinned = serializers.BooleanField(default=False)
    valid_from = serializers.DateField(required=False, allow_null=True, default=None)
    valid_until = serializers.DateField(required=False, allow_null=True, default=None)
    files = serializers.ListField(child=serializers.FileField(), required=False, default=list, max_length=5)


@requires(get=SIGNED_IN, post=Cap.ANNOUNCEMENT_PUBLISH)
class AnnouncementListApi(SelectorMixin, generics.ListAPIView):
    """GET: the announcements for you (`box=unread|published`). POST: publish to regions below your level; a
    province's waits for its leader's approval."""

    serializer_class = AnnouncementSerializer
    parser_classes = [JSONParser, MultiPartParser, FormParser]
    list_selector = staticmethod(lambda *, user, filters: selectors.announcement_list(user=user, filters=filters))

    def filters(self) -> dict:
        return {k: v for k in ("box",) if (v := self.request.query_params.get(k))}

    @extend_schema(request=PublishSerializer, responses={201: AnnouncementDetailSerializer})
    def post(self, request):
        data = PublishSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        announcement = services.announcement_publish(
            actor=request.user, title=values["title"], body=values["body"], target_ids=values["targets"],
            roles=values["roles"], stages=values["stages"], pinned=values["pinned"], valid_from=values["valid_from"],
            valid_until=values["valid_until"], uploads=values["files"])
        announcement = selectors.announcement_get(user=request.user, pk=announcement.pk)
        return Response(AnnouncementDetailSerializer(announcement).data, status=status.HTTP_201_CREATED)


@requires(SIGNED_IN)
class AnnouncementDetailApi(APIView):
    """An announcement for you; opening it is its read receipt."""

    @extend_schema(responses=AnnouncementDetailSerializer)
    def get(self, request, pk):
        announcement = selectors.announcement_get(user=request.user, pk=pk)
        services.announcement_mark_read(actor=request.user, announcement=announcement)
        announcement.is_read = True
        return Response(AnnouncementDetailSerializer(announcement).data)


@requires(SIGNED_IN)
class AnnouncementReadApi(APIView):
    """Mark an announcement for you as read (a client that shows it without the detail)."""

    @extend_schema(request=None, responses={200: None})
    def post(self, request, pk):
        announcement = selectors.announcement_get(user=request.user, pk=pk)
        created = services.announcement_mark_read(actor=request.user, announcement=announcement)
        return Response({"read": True, "first": created})


@requires(Cap.ANNOUNCEMENT_PUBLISH)
class AnnouncementUnreadApi(APIView):
    """Your unit's announcement: its audience's totals and the users who have not read it (`page`, 50 a page)."""

    @extend_schema(responses={200: None})
    def get(self, request, pk):
        announcement = selectors.announcement_of_publisher(user=request.user, pk=pk)
        page = Paginator(selectors.audience_unread(announcement=announcement), 50).get_page(
            request.query_params.get("page"))
        return Response({**selectors.audience_totals(announcement=announcement), "page": page.number,
                         "pages": page.paginator.num_pages,
                         "users": [{"id": u.pk, "username": u.username, "full_name": u.full_name,
                                    "org_unit": u.org_unit.name} for u in page]})


# ---------------------------------------------------------------- messaging (即时通讯)


class ConversationSerializer(serializers.ModelSerializer):
    unread = serializers.IntegerField(read_only=True)
    last_read = serializers.IntegerField(read_only=True)

    class Meta:
        model = Conversation
        fields = ["id", "kind", "title", "created_by", "created_at", "last_message_id", "last_message_at",
                  "last_read", "unread"]


class ParticipantSerializer(serializers.ModelSerializer):
    username = serializers.CharField(source="user.username", read_only=True)
    full_name = serializers.CharField(source="user.full_name", read_only=True)
    org_unit_name = serializers.CharField(source="user.org_unit.name", read_only=True)
    online = serializers.BooleanField(read_only=True)
    last_seen = serializers.DateTimeField(read_only=True, allow_null=True)

    class Meta:
        model = Participant
        fields = ["user", "username", "full_name", "org_unit_name", "online", "last_seen", "last_read_id"]


class ConversationDetailSerializer(ConversationSerializer):
    participants = serializers.SerializerMethodField()

    class Meta(ConversationSerializer.Meta):
        fields = [*ConversationSerializer.Meta.fields, "participants"]

    def get_participants(self, conversation) -> list[dict]:
        return ParticipantSerializer(selectors.participants(conversation=conversation), many=True).data


class MessageSerializer(serializers.ModelSerializer):
    sender_name = serializers.SerializerMethodField()
    sender_unit = serializers.CharField(source="sender.org_unit.name", read_only=True)
    attachments = AttachmentSerializer(many=True, read_only=True)

    class Meta:
        model = Message
        fields = ["id", "conversation", "sender", "sender_name", "sender_unit", "body", "created_at", "attachments",
                  "event"]

    def get_sender_name(self, message) -> str:
        return message.sender.full_name or message.sender.username


class StartSerializer(serializers.Serializer):
    participants = serializers.ListField(child=serializers.IntegerField(), min_length=1, max_length=100,
                                         help_text="user ids (GET contacts/): one is a one-to-one conversation")
    title = serializers.CharField(required=False, allow_blank=True, max_length=100, default="",
                                  help_text="a group's title (with one other user: a group of two)")
    body = serializers.CharField(required=False, allow_blank=True, max_length=20000, default="")
    files = serializers.ListField(child=serializers.FileField(), required=False, default=list, max_length=5)
    client_key = serializers.CharField(required=False, allow_blank=True, max_length=64, default="")


class SendSerializer(serializers.Serializer):
    body = serializers.CharField(required=False, allow_blank=True, max_length=20000, default="")
    files = serializers.ListField(child=serializers.FileField(), required=False, default=list, max_length=5)
    client_key = serializers.CharField(required=False, allow_blank=True, max_length=64, default="",
                                       help_text="the client's key of this message: a retry is stored once")


@requires(Cap.MESSAGE)
class ConversationListApi(SelectorMixin, generics.ListAPIView):
    """GET: your conversations, the latest first, with their unread counts and your total (`q`, `unread=1`).
    POST: start one with users you may message (your unit, the unit directly above it, those directly below it);
    one other user is your one-to-one conversation with them, several (or a title) a group."""

    serializer_class = ConversationSerializer
    parser_classes = [JSONParser, MultiPartParser, FormParser]
    list_selector = staticmethod(lambda *, user, filters: selectors.conversation_list(user=user, filters=filters))

    def filters(self) -> dict:
        return {k: v for k in ("q", "unread") if (v := self.request.query_params.get(k))}

    def list(self, request, *args, **kwargs):
        response = super().list(request, *args, **kwargs)
        response.data["unread_total"] = selectors.unread_messages(user=request.user)
        return response

    @extend_schema(request=StartSerializer, responses={201: ConversationDetailSerializer})
    def post(self, request):
        data = StartSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        conversation = services.conversation_start(
            actor=request.user, participant_ids=values["participants"], title=values["title"], body=values["body"],
            uploads=values["files"], client_key=values["client_key"])
        conversation = selectors.conversation_get(user=request.user, pk=conversation.pk)
        return Response(ConversationDetailSerializer(conversation).data, status=status.HTTP_201_CREATED)


@requires(Cap.MESSAGE)
class ConversationDetailApi(APIView):
    """A conversation you are in, with its participants (online: a request in the last minutes)."""

    @extend_schema(responses=ConversationDetailSerializer)
    def get(self, request, pk):
        return Response(ConversationDetailSerializer(selectors.conversation_get(user=request.user, pk=pk)).data)


class MembersSerializer(serializers.Serializer):
    participants = serializers.ListField(child=serializers.IntegerField(), min_length=1, max_length=100,
                                         help_text="user ids to add (GET contacts/)")


@requires(Cap.MESSAGE)
class ConversationMembersApi(APIView):
    """POST: the group's owner adds members (users the owner may message; at most 50 in a group). The new members
    read the messages from their joining on."""

    @extend_schema(request=MembersSerializer, responses=ConversationDetailSerializer)
    def post(self, request, pk):
        conversation = selectors.conversation_get(user=request.user, pk=pk)
        data = MembersSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.group_members_add(actor=request.user, conversation=conversation,
                                   user_ids=data.validated_data["participants"])
        return Response(ConversationDetailSerializer(selectors.conversation_get(user=request.user, pk=pk)).data)


class MemberRemoveSerializer(serializers.Serializer):
    user = serializers.IntegerField(help_text="the member's user id (your own: you leave the group)")


@requires(Cap.MESSAGE)
class ConversationMemberRemoveApi(APIView):
    """POST: the group's owner removes a member, or a member leaves (their own user id). The owner stays."""

    @extend_schema(request=MemberRemoveSerializer, responses={204: None})
    def post(self, request, pk):
        conversation = selectors.conversation_get(user=request.user, pk=pk)
        data = MemberRemoveSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.group_member_remove(actor=request.user, conversation=conversation,
                                     user_id=data.validated_data["user"])
        return Response(status=status.HTTP_204_NO_CONTENT)


def _int(value, default=None):
    try:
        return int(value)
    except (TypeError, ValueError):
        return default


@requires(Cap.MESSAGE)
class ConversationMessagesApi(APIView):
    """GET: messages after the cursor `after` (a message id: poll with the last one you have, and again from it
    after a reconnect), oldest first, at most `limit` (100); or the last ones before `before`. The answer's ETag
    names the conversation's newest message: sent back as If-None-Match, an idle poll answers 304 after one query.
    POST: send a message (`body`, `files` as multipart: JPG, PNG, PDF under the proofs' size limit; `client_key`
    makes a retried send store once)."""

    parser_classes = [JSONParser, MultiPartParser, FormParser]

    @extend_schema(parameters=[OpenApiParameter("after", int), OpenApiParameter("before", int),
                               OpenApiParameter("limit", int)], responses=MessageSerializer(many=True))
    def get(self, request, pk):
        params = request.query_params
        after, before, limit = _int(params.get("after"), 0), _int(params.get("before")), _int(params.get("limit"), 100)
        newest = selectors.conversation_newest(user=request.user, pk=pk)
        if newest is None:
            selectors.conversation_get(user=request.user, pk=pk)  # raises the 404 of someone else's
        etag = quote_etag(f"{pk}.{newest}.{after}.{before}.{limit}")
        if before is None and after >= newest and request.headers.get("If-None-Match") == etag:
            response = Response(status=status.HTTP_304_NOT_MODIFIED)
        else:
            conversation = selectors.conversation_get(user=request.user, pk=pk)
            messages = selectors.message_list(conversation=conversation, after=after, before=before, limit=limit)
            response = Response({"newest": newest, "results": MessageSerializer(messages, many=True).data})
        response["ETag"] = etag
        response["Cache-Control"] = "private, no-cache"
        return response

    @extend_schema(request=SendSerializer, responses={201: MessageSerializer})
    def post(self, request, pk):
        conversation = selectors.conversation_get(user=request.user, pk=pk)
        data = SendSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        message = services.message_send(actor=request.user, conversation=conversation, body=values["body"],
                                        uploads=values["files"], client_key=values["client_key"])
        return Response(MessageSerializer(message).data, status=status.HTTP_201_CREATED)


class ReadSerializer(serializers.Serializer):
    up_to = serializers.IntegerField(required=False, allow_null=True, default=None, min_value=0,
                                     help_text="a message id (default: the newest)")


@requires(Cap.MESSAGE)
class ConversationReadApi(APIView):
    """Mark a conversation read up to a message (the newest by default); the mark only moves forward."""

    @extend_schema(request=ReadSerializer, responses={200: None})
    def post(self, request, pk):
        conversation = selectors.conversation_get(user=request.user, pk=pk)
        data = ReadSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        mark = services.message_mark_read(actor=request.user, conversation=conversation,
                                          up_to=data.validated_data["up_to"])
        return Response({"last_read": mark, "unread_total": selectors.unread_messages(user=request.user)})


class ContactSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    text = serializers.CharField()
    username = serializers.CharField()
    full_name = serializers.CharField()
    org_unit_name = serializers.CharField()


@requires(Cap.MESSAGE)
@extend_schema(parameters=[OpenApiParameter("q", description="part of the username, the name or the unit")],
               responses={200: ContactSerializer(many=True)})
class ContactListApi(generics.GenericAPIView):
    """The users you may message (a searchable select's options): at most 20, {"results": [{"id", "text", ...}]}."""

    serializer_class = ContactSerializer
    pagination_class = None

    def get(self, request):
        users = selectors.contact_list(user=request.user, filters={"q": request.query_params.get("q", "")[:64]})[:20]
        return Response({"results": [{"id": u.pk, "text": f"{u.full_name or u.username} · {u.org_unit.name}",
                                      "username": u.username, "full_name": u.full_name,
                                      "org_unit_name": u.org_unit.name} for u in users]})


@requires(Cap.MESSAGE)
class MessageAttachmentApi(APIView):
    """A file of a message in a conversation you are in (the download is audited)."""

    @extend_schema(responses={(200, "application/octet-stream"): bytes})
    def get(self, request, pk):
        return attachment_response(request, selectors.message_attachment_get(user=request.user, pk=pk))


def attachment_response(request, attachment: Attachment) -> FileResponse:
    path = services.attachment_open(actor=request.user, attachment=attachment)
    response = FileResponse(path.open("rb"), as_attachment=True, filename=attachment.original_name,
                            content_type=attachment.content_type)
    response["X-Content-Type-Options"] = "nosniff"
    return response
