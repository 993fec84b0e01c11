"""Labels of the policy's codes, through gettext (Chinese in locale/zh_Hans)."""

from django.utils.translation import gettext_lazy as _

# Kinds of business that open and close by window (业务时间): the three registrations and the daily business.
WINDOW_KINDS: dict[str, str] = {
    "registration.enrolled": _("Pupils already at school (在校生注册)"),
    "registration.grade1": _("Grade-1 entrants (小学新生注册)"),
    "registration.returning": _("Returning from abroad (来华归国学生注册)"),
    "changes.record": _("Record changes (学籍信息变更)"),
    "changes.status": _("Status changes (学籍异动)"),
    "transfers.transfer": _("Transfers (转学)"),
    "graduation.graduation": _("Graduation (毕业)"),
    "graduation.promotion": _("Promotion to the next grade (升级)"),
    "admissions.admission": _("Admission (招生录取)"),
}

# The proofs a transfer (转学) may be filed with: the stamped transfer certificate of the receiving school is the one
# every transfer needs; a province may require more of these (setting `transfers.extra_proofs`).
TRANSFER_CERTIFICATE = "certificate"
TRANSFER_PROOF_KINDS: dict[str, str] = {
    TRANSFER_CERTIFICATE: _("Transfer certificate stamped by the receiving school (转学证明)"),
    "hukou": _("Household register (户口簿)"),
    "residence": _("Residence permit or proof of residence (居住证明)"),
    "housing": _("Proof of housing: deed or lease (房产证明或租房合同)"),
    "guardian_work": _("Proof of the guardians' employment (监护人工作证明)"),
    "other": _("Other proof (其他证明材料)"),
}

# The stages a cap or a switch is set for (the codes of xueji.core.codes.STAGE, labelled there).
STAGES = ("1", "2", "3")
COMPULSORY_STAGES = ("1", "2")  # 义务教育

# 学业水平考试 subjects a province may require passed for senior high graduation (setting
# `schoolyear.senior_required_subjects`; the scores are loaded by xueji/schoolyear).
EXAM_SUBJECTS: dict[str, str] = {
    "chinese": _("Chinese (语文)"), "maths": _("Mathematics (数学)"), "foreign": _("Foreign language (外语)"),
    "politics": _("Ideology and politics (思想政治)"), "history": _("History (历史)"),
    "geography": _("Geography (地理)"), "physics": _("Physics (物理)"), "chemistry": _("Chemistry (化学)"),
    "biology": _("Biology (生物)"), "it": _("Information technology (信息技术)"),
    "technology": _("General technology (通用技术)"),
}
