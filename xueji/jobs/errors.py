"""What a user reads about a job that did not finish (shown by selectors.job_error_message)."""

from django.utils.translation import gettext_lazy as _

INTERNAL_ERROR = _("The job stopped because of an internal error. Administrators find the details in the server "
                   "log under the job's number.")
INTERRUPTED_ERROR = _("The job was interrupted: its worker stopped while it ran. Run it again to continue.")
