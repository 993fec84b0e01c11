"""Who may do what, written down for the tests from the business rules (DESIGN.md, "The people who use it";
三员分立), independently of the production table in accounts/permissions.py: a test that asked `has_cap` what to
expect would pass whatever `has_cap` says.

MAY[capability] is the set of (level, role) that hold it; a level is an org unit's kind. The access test cases
(cases.py) and the jurisdiction matrix (xueji/ui/tests/test_matrix.py) expect their answers from it."""

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
    # Pupils' records: the business roles read them; full ID numbers, entering and correcting are the registrar's.
    "student.view": _at(LEVELS, BUSINESS),
    "student.view_id": _at(LEVELS, ("registrar",)),
    "student.edit": _at(LEVELS, ("registrar",)),
    # Security labels: a labelled record (特殊保护) is seen by its school's and its county's registrars and leaders
    # only; they are the ones who set the label (the registrars).
    "student.view_labelled": _at(("county", "school"), ("registrar", "leader")),
    "student.label": _at(("county", "school"), ("registrar",)),
    # Bulk import: a school's registrar, into the school.
    "student.import": _at(("school",), ("registrar",)),
    # 三员分立: system administrators manage business accounts; auditors the auditors below (a school has none),
    # and only auditors read the audit log.
    "user.manage": _at(LEVELS, ("sysadmin",)),
    "auditor.manage": _at(AUTHORITIES, ("auditor",)),
    "audit.view": _at(LEVELS, ("auditor",)),
    # The security administrator (安全管理员, the third of 三员): lockouts at every level; second factors are reset
    # from the level above, so a school's has none to reset.
    "security.manage": _at(LEVELS, ("security",)),
    "second_factor.reset": _at(AUTHORITIES, ("security",)),
    # Jobs (exports, imports, scans): everyone who starts them, that is everyone but the auditor.
    "job.view": _at(LEVELS, (*BUSINESS, "sysadmin")),
    # 系统配置 by level (issue 8): each level's system administrator configures it (not the business roles); the
    # roles a setting binds read it; the ministry is bound by no province's policy. Switches, routes and limits are
    # the province's alone.
    "policy.view": _at(("province", "city", "county", "school"), ("registrar", "leader", "sysadmin")),
    "policy.manage": _at(("province", "city", "county"), ("sysadmin",)),
    "policy.province": _at(("province",), ("sysadmin",)),
    # Requests: registrars file them; registrars and leaders see and decide them.
    "request.file": _at(LEVELS, ("registrar",)),
    "request.view": _at(LEVELS, ("registrar", "leader")),
    # Identity verification: over an authority's jurisdiction or a school's own pupils (not the ministry's);
    # the local population register is province data.
    "verify.run": _at(("province", "city", "county", "school"), ("registrar",)),
    "register.load": _at(("province",), ("registrar",)),
    # Problem records: registrars and leaders see them; scans run over a province, city or county.
    "problem.view": _at(LEVELS, ("registrar", "leader")),
    "problem.scan": _at(("province", "city", "county"), ("registrar",)),
    # 控辍保学: the authorities' registrars and leaders follow the pupils who dropped out in their area.
    "dropout.view": _at(AUTHORITIES, ("registrar", "leader")),
    # The messages between provinces (xueji/hub): each province's system administrator watches its side's boxes.
    "hub.view": _at(("province",), ("sysadmin",)),
    # Operations (xueji/ops): the deployment's system status, for its top system administrator.
    "ops.view": _at(("ministry", "province"), ("sysadmin",)),
    # 转学: the receiving school's registrar finds a pupil of another school (exactly, audited) and files.
    "transfer.file": _at(("school",), ("registrar",)),
    # The school year's turn: registrars and leaders follow it; a school graduates its own final grade; the
    # authorities below the ministry prepare and run the promotion (the province's run, a school held back).
    "graduation.view": _at(LEVELS, ("registrar", "leader")),
    "graduation.manage": _at(("school",), ("registrar",)),
    "promotion.manage": _at(("province", "city", "county"), ("registrar",)),
    # 招生: schools and authorities read admission plans and results; the admissions office of a province, city or
    # county (an authority's 招生部门) sets plans, imports results, resolves duplicates and runs the admission.
    "admission.view": _at(LEVELS, BUSINESS),
    "admission.manage": _at(("province", "city", "county"), ("admissions",)),
    # 服务支持: everyone but the auditor asks; the authorities' registrars support the level below and publish
    # announcements to the regions below them.
    "support.ask": _at(LEVELS, (*BUSINESS, "sysadmin")),
    # 即时通讯: the same users message the users of their unit and of the units directly above and below it.
    "support.message": _at(LEVELS, (*BUSINESS, "sysadmin")),
    "support.answer": _at(AUTHORITIES, ("registrar",)),
    "announcement.publish": _at(AUTHORITIES, ("registrar",)),
    # 培训与考试: the authorities' registrars run the training of the levels below; the support reports are read by
    # the authorities' registrars and leaders; every level's system administrator handles the platform accounts.
    "training.manage": _at(AUTHORITIES, ("registrar",)),
    "support.report": _at(AUTHORITIES, ("registrar", "leader")),
    "platform.accounts": _at(LEVELS, ("sysadmin",)),
    # The data interface: the province's system administrator registers the province's systems (and may give one
    # unmasked items); reading through it is a registered client's, never a user's.
    "interface.manage": _at(("province",), ("sysadmin",)),
    "interface.unmask": _at(("province",), ("sysadmin",)),
    "interface.read": frozenset(),
    # Any signed-in user.
    "signed_in": _at(LEVELS, (*BUSINESS, "sysadmin", "auditor", "security")),
}
