"""Pages of 服务支持 (included by config/urls.py; names are `support:<name>`)."""

from django.urls import path

from xueji.support.ui import views

app_name = "support"
urlpatterns = [
    path("support/tickets/", views.ticket_list, name="ticket_list"),
    path("support/ask/", views.ticket_ask, name="ticket_ask"),
    path("support/tickets/<int:pk>/", views.ticket_detail, name="ticket_detail"),
    path("support/tickets/<int:pk>/thread/", views.ticket_thread, name="ticket_thread"),
    path("support/tickets/<int:pk>/act/", views.ticket_act, name="ticket_act"),
    path("support/tickets/<int:pk>/faq/", views.faq_publish, name="faq_publish"),
    path("support/messages/", views.conversation_list, name="conversation_list"),
    path("support/messages/new/", views.conversation_new, name="conversation_new"),
    path("support/messages/<int:pk>/", views.conversation_detail, name="conversation_detail"),
    path("support/messages/<int:pk>/poll/", views.conversation_poll, name="conversation_poll"),
    path("support/messages/<int:pk>/send/", views.conversation_send, name="conversation_send"),
    path("support/messages/<int:pk>/people/", views.conversation_people, name="conversation_people"),
    path("support/messages/<int:pk>/members/", views.conversation_members_add, name="conversation_members_add"),
    path("support/messages/<int:pk>/members/remove/", views.conversation_member_remove,
         name="conversation_member_remove"),
    path("support/message-files/<int:pk>/", views.message_attachment, name="message_attachment"),
    path("support/faq/", views.faq_list, name="faq_list"),
    path("support/attachments/<int:pk>/", views.attachment_download, name="attachment"),
    path("support/announcements/", views.announcement_list, name="announcement_list"),
    path("support/announcements/new/", views.announcement_new, name="announcement_new"),
    path("support/announcements/<int:pk>/", views.announcement_detail, name="announcement_detail"),
    path("support/announcements/<int:pk>/unread/", views.announcement_unread, name="announcement_unread"),
]
