"""The system status in the menu (运维与支持), for the province's system administrator, with the open alerts."""

from django.utils.translation import gettext_lazy as _

from xueji.ops import selectors
from xueji.ui.navigation import Entry, register

register(
    Entry("ops:status", _("System status"), "bi-activity", "operations", order=40, where="authority",
          key="ops_status", count=lambda user: selectors.open_alert_count(user=user),
          text=_("Version, migrations, job workers, disk, backups, certificate. Open alerts:")),
)
