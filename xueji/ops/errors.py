"""Words of the operations' refusal codes (the services raise them with these codes)."""

from django.utils.translation import gettext_lazy as _

from xueji.core import messages

MESSAGES = {
    "backup_not_found": _("No backup manifest at this path."),
    "backup_bad_manifest": _("The backup's manifest is damaged or not a manifest of Xueji."),
    "backup_wrong_key": _("The backup was encrypted with another key: set the key it was made with "
                          "(XUEJI_BACKUP_KEY)."),
    "backup_bad_checksum": _("A part of the backup does not match its checksum: the file is damaged or altered."),
    "backup_wrong_database": _("The backup is of another kind of database than the one configured."),
    "backup_busy": _("Another backup or restore is running."),
    "backup_failed": _("The backup failed; the server log has the details."),
}

messages.register(by_code=MESSAGES)
