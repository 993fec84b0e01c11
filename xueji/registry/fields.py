"""The national student form as data: every item, its column title, where it is stored and how it is
checked. The registration form, the API, the Excel template and the bulk import all use this one table."""

from dataclasses import dataclass

from xueji.core import codes


@dataclass(frozen=True)
class FormItem:
    key: str  # canonical name, also the API field
    title: str  # column title in templates and error reports (Chinese, as on the national form)
    group: str
    required: bool = False
    table: codes.CodeTable | None = None
    kind: str = "text"  # text | date | code | flag | id | phone | decimal | region | yearmonth
    max_length: int = 64
    target: str = "student"  # student | detail | guardian1 | guardian2
    attr: str = ""  # model attribute, when it differs from key

    @property
    def field(self) -> str:
        return self.attr or self.key.split(".", 1)[-1]


G_BASIC, G_AUX, G_STUDY = "个人基础信息", "个人辅助信息", "学籍信息"
G_CONTACT, G_EXT, G_TRANSPORT = "联系方式", "扩展信息", "交通方式"

STUDENT_ITEMS: tuple[FormItem, ...] = (
    FormItem("name", "姓名", G_BASIC, True, max_length=64),
    FormItem("sex", "性别", G_BASIC, True, codes.SEX, "code"),
    FormItem("birth_date", "出生日期", G_BASIC, True, kind="date"),
    FormItem("birthplace", "出生地", G_BASIC, True, kind="region", target="detail"),
    FormItem("native_place", "籍贯", G_BASIC, True, kind="region", target="detail"),
    FormItem("ethnic", "民族", G_BASIC, True, codes.ETHNIC, "code"),
    FormItem("nationality", "国籍/地区", G_BASIC, True, codes.COUNTRY, "code", max_length=3),
    FormItem("id_type", "身份证件类型", G_BASIC, True, codes.ID_DOC_TYPE, "code"),
    FormItem("id_number", "身份证件号", G_BASIC, False, kind="id", max_length=32),
    FormItem("gatqw", "港澳台侨外", G_BASIC, True, codes.GATQW, "code", target="detail"),
    FormItem("political_status", "政治面貌", G_BASIC, False, codes.POLITICAL_STATUS, "code", target="detail"),
    FormItem("health", "健康状况", G_BASIC, True, codes.HEALTH_STATUS, "code"),
    FormItem("name_pinyin", "姓名拼音", G_AUX, False, max_length=128),
    FormItem("former_name", "曾用名", G_AUX, False, target="detail"),
    FormItem("id_valid_period", "身份证件有效期", G_AUX, False, max_length=32, target="detail"),
    FormItem("hukou_location", "户口所在地", G_AUX, True, kind="region", target="detail"),
    FormItem("hukou_nature", "户口性质", G_AUX, True, codes.HUKOU_NATURE, "code"),
    FormItem("talents", "特长", G_AUX, False, max_length=255, target="detail"),
    FormItem("aux_number", "学籍辅号", G_STUDY, False, max_length=32, target="detail"),
    FormItem("class_number", "班内学号", G_STUDY, False, max_length=8),
    FormItem("entry_date", "入学年月", G_STUDY, True, kind="yearmonth"),
    FormItem("admission_mode", "入学方式", G_STUDY, True, codes.ADMISSION_MODE, "code", target="detail"),
    FormItem("study_mode", "就读方式", G_STUDY, True, codes.STUDY_MODE, "code", target="detail"),
    FormItem("student_source", "学生来源", G_STUDY, False, codes.STUDENT_SOURCE, "code", target="detail"),
    FormItem("address", "现住址", G_CONTACT, True, max_length=255),
    FormItem("mailing_address", "通信地址", G_CONTACT, True, max_length=255, target="detail"),
    FormItem("family_address", "家庭地址", G_CONTACT, True, max_length=255, target="detail"),
    FormItem("phone", "联系电话", G_CONTACT, True, kind="phone", max_length=32),
    FormItem("postcode", "邮政编码", G_CONTACT, True, kind="postcode", max_length=6, target="detail"),
    FormItem("email", "电子信箱", G_CONTACT, False, max_length=128, target="detail"),
    FormItem("homepage", "主页地址", G_CONTACT, False, max_length=255, target="detail"),
    FormItem("is_only_child", "是否独生子女", G_EXT, True, codes.YES_NO, "flag", target="detail"),
    FormItem("had_preschool", "是否受过学前教育", G_EXT, True, codes.YES_NO, "flag", target="detail"),
    FormItem("left_behind", "是否留守儿童", G_EXT, False, codes.LEFT_BEHIND, "code", target="detail"),
    FormItem("is_migrant", "是否进城务工人员随迁子女", G_EXT, False, codes.YES_NO, "flag"),
    FormItem("is_orphan", "是否孤儿", G_EXT, False, codes.YES_NO, "flag", target="detail"),
    FormItem("is_martyr_child", "是否烈士或优抚子女", G_EXT, False, codes.YES_NO, "flag", target="detail"),
    FormItem("inclusion", "随班就读", G_EXT, False, codes.INCLUSION, "code", target="detail"),
    FormItem("disability", "残疾类型", G_EXT, False, codes.DISABILITY, "code", target="detail"),
    FormItem("gov_purchased_seat", "是否由政府购买学位", G_EXT, False, codes.YES_NO, "flag", target="detail"),
    FormItem("needs_aid", "是否需要申请资助", G_EXT, False, codes.YES_NO, "flag", target="detail"),
    FormItem("boarding_subsidy", "是否享受一补", G_EXT, False, codes.YES_NO, "flag", target="detail"),
    FormItem("distance_km", "上下学距离", G_TRANSPORT, False, kind="decimal", target="detail"),
    FormItem("commute_mode", "上下学交通方式", G_TRANSPORT, False, codes.COMMUTE_MODE, "code", target="detail"),
    FormItem("needs_school_bus", "是否需要乘坐校车", G_TRANSPORT, False, codes.YES_NO, "flag", target="detail"),
)


def _guardian_items(n: int) -> tuple[FormItem, ...]:
    group, target = f"家庭成员/监护人{'一二'[n - 1]}", f"guardian{n}"
    prefix = f"guardian{n}."
    return (
        FormItem(prefix + "name", f"成员{n}姓名", group, False, target=target),
        FormItem(prefix + "relation", f"成员{n}关系", group, False, codes.FAMILY_RELATION, "code", target=target),
        FormItem(prefix + "relation_note", f"成员{n}关系说明", group, False, target=target),
        FormItem(prefix + "ethnic", f"成员{n}民族", group, False, codes.ETHNIC, "code", target=target),
        FormItem(prefix + "employer", f"成员{n}工作单位", group, False, max_length=128, target=target),
        FormItem(prefix + "address", f"成员{n}现住址", group, False, max_length=255, target=target),
        FormItem(prefix + "hukou_location", f"成员{n}户口所在地", group, False, kind="region", target=target),
        FormItem(prefix + "phone", f"成员{n}联系电话", group, False, kind="phone", max_length=32, target=target),
        FormItem(prefix + "is_guardian", f"成员{n}是否监护人", group, False, codes.YES_NO, "flag", target=target),
        FormItem(prefix + "id_type", f"成员{n}身份证件类型", group, False, codes.ID_DOC_TYPE, "code", target=target),
        FormItem(prefix + "id_number", f"成员{n}身份证件号", group, False, kind="id", max_length=32, target=target),
        FormItem(prefix + "job_title", f"成员{n}职务", group, False, target=target),
    )


GUARDIAN_ITEMS = _guardian_items(1) + _guardian_items(2)
# Placement columns of an import file (which class the pupil is in), then the form.
PLACEMENT_ITEMS: tuple[FormItem, ...] = (
    FormItem("class_name", "班级", G_STUDY, True, max_length=64, target="placement"),
)
ALL_ITEMS: tuple[FormItem, ...] = PLACEMENT_ITEMS + STUDENT_ITEMS + GUARDIAN_ITEMS
BY_KEY = {item.key: item for item in ALL_ITEMS}
BY_TITLE = {item.title: item for item in ALL_ITEMS}
