"""The support API's routes (included by config/api_urls.py under api/v1/support/)."""

from django.urls import path

from xueji.support.api import views

urlpatterns = [
    path("support/tickets/", views.TicketListApi.as_view(), name="support-ticket-list"),
    path("support/tickets/<int:pk>/", views.TicketDetailApi.as_view(), name="support-ticket-detail"),
    path("support/tickets/<int:pk>/answer/", views.TicketAnswerApi.as_view(), name="support-ticket-answer"),
    path("support/tickets/<int:pk>/take/", views.TicketTakeApi.as_view(), name="support-ticket-take"),
    path("support/tickets/<int:pk>/escalate/", views.TicketEscalateApi.as_view(), name="support-ticket-escalate"),
    path("support/tickets/<int:pk>/rate/", views.TicketRateApi.as_view(), name="support-ticket-rate"),
    path("support/conversations/", views.ConversationListApi.as_view(), name="support-conversation-list"),
    path("support/conversations/<int:pk>/", views.ConversationDetailApi.as_view(),
         name="support-conversation-detail"),
    path("support/conversations/<int:pk>/messages/", views.ConversationMessagesApi.as_view(),
         name="support-conversation-messages"),
    path("support/conversations/<int:pk>/read/", views.ConversationReadApi.as_view(),
         name="support-conversation-read"),
    path("support/conversations/<int:pk>/members/", views.ConversationMembersApi.as_view(),
         name="support-conversation-members"),
    path("support/conversations/<int:pk>/members/remove/", views.ConversationMemberRemoveApi.as_view(),
         name="support-conversation-member-remove"),
    path("support/contacts/", views.ContactListApi.as_view(), name="support-contact-list"),
    path("support/message-files/<int:pk>/", views.MessageAttachmentApi.as_view(), name="support-message-file"),
    path("support/faq/", views.FaqListApi.as_view(), name="support-faq-list"),
    path("support/announcements/", views.AnnouncementListApi.as_view(), name="support-announcement-list"),
    path("support/announcements/<int:pk>/", views.AnnouncementDetailApi.as_view(),
         name="support-announcement-detail"),
    path("support/announcements/<int:pk>/read/", views.AnnouncementReadApi.as_view(),
         name="support-announcement-read"),
    path("support/announcements/<int:pk>/unread/", views.AnnouncementUnreadApi.as_view(),
         name="support-announcement-unread"),
]
