"""The system status page (系统状态), read-only, for the system administrator of the province (or the ministry):
version, migrations, the job workers, the queue, disk, backups, the TLS certificate and the open alerts. Thin: the
ops selectors read."""

from django.shortcuts import render
from django.utils.translation import gettext as _

from xueji.accounts.permissions import Cap
from xueji.ops import selectors
from xueji.ui.errors import web_view


@web_view(Cap.OPS_VIEW, methods=("GET",))
def status(request):
    report = selectors.status_report(user=request.user)
    return render(request, "ops/status.html", {"title": _("System status"), "report": report})
