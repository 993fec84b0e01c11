"""Security labels (安全标记, GB/T 22239 8.1.4.2g): the sensitivity of a pupil's record. A labelled record is read
only by users who hold the clearance (`Cap.STUDENT_LABELLED`); the one restricted queryset
(`accounts.jurisdiction.restrict`) leaves it out for everyone else, so every list, search, page, API, export and
record-level statistic inherits the rule. Here, below every app, so the jurisdiction and the registry share it.

Where the rule is applied besides `restrict` (control 10; each place says why):
- models whose rows name a pupil declare `security_label_lookup` (registry's details, family, numbers, history;
  changes' status changes; attendance's absences and dropout cases; schoolyear's graduations and exam results;
  verification's items; problems' members), so their restricted reads leave a labelled pupil out;
- problem records stay visible through any member (their arbiter needs them) and name a labelled member to the
  cleared only (problems.selectors.problem_members);
- requests and transfers stay with their filer, parties and approvers and name a labelled pupil to the cleared only
  (workflow/labels.py: titles, payloads, inbox, search; transfers.selectors._withheld);
- the transfer finder, which reads outside the finder's jurisdiction, finds a labelled pupil for a school of its
  own county only, and the province answers no other province's lookup of one (transfers/finder.py, lookup.py);
- the data interface: no client is cleared; its feed's triggers see a labelled pupil in no school (triggers.py).

Reads of pupil rows that do not apply the label, on purpose: the registry's doors and the services that lock rows
by id (the caller fetched them through its selector first); aggregates that let only numbers out (the counts, the
tally and its figures, the calendar's and the assessment's totals, a funding allocation's total, the monthly
report's counts, case totals per county: `restrict(..., aggregate=True)`); the one duplicate rule (an ID number is
held once whoever holds it; its refusal never says whose or where); the system's own work over every record
(record MACs, retention, the counts' rebuild, the identity check's exchange with the population register, the
promotion, the dropout cases raised, the admission run's matching of results to records), which shows no row to a
user; admissions' rows, which hold the office's own imported data and are its work to place; and a support
ticket about a pupil, which names it by its record's number only (its link answers 404 to the uncleared)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class SecurityLabel(models.TextChoices):
    NONE = "none", _("No label")
    # 特殊保护: disability, 留守/困境 children, sealed records.
    SPECIAL = "special", _("Special protection")
