"""Who may do what, written down for the tests from the business rules (DESIGN.md, "The people who use it";
三员分立), independently of the production table in accounts/permissions.py: a test that asked `has_cap` what to
expect would pass whatever `has_cap` says.

MAY[capability] is the set of (level, role) that hold it; a level is an org unit's kind."""

AUTHORITIES = ("ministry", "province", "city", "county")
LEVELS = (*AUTHORITIES, "school")
BUSINESS = ("registrar", "leader", "admissions")  # the roles that do the business of registration


def _at(levels, roles) -> frozenset[tuple[str, str]]:
    return frozenset((level, role) for level in levels for role in roles)


MAY: dict[str, frozenset[tuple[str, str]]] = {
    # Everyone but the auditor reads the org tree, schools and classes; system administrators too (accounts).
    "org.view": _at(LEVELS, (*BUSINESS, "sysadmin")),
    # Schools are opened and edited by an authority's registrar; a school does not open schools.
    "school.manage": _at(AUTHORITIES, ("registrar",)),
    # Classes: the registrar of the school or of an authority above it.
    "class.manage": _at(LEVELS, ("registrar",)),
    # The school year turns province-wide: the province's (or the ministry's) registrar.
    "school_year.manage": _at(("ministry", "province"), ("registrar",)),
    # Any signed-in user.
    "signed_in": _at(LEVELS, (*BUSINESS, "sysadmin", "auditor")),
}
