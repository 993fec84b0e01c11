"""The data interface in the menu (系统配置), for the province's system administrator."""

from django.utils.translation import gettext_lazy as _

from xueji.ui.navigation import Entry, register

register(
    Entry("interface:client_list", _("Data interface"), "bi-plug", "configuration", order=60, where="authority",
          key="interface_clients", text=_("The province's own systems that read pupils: scope, items, rate limit, "
                                          "secrets, call log.")),
)
