"""National code tables (GB/T, JY/T), written from the standards.

Each table keeps the official Chinese name and an English name; labels follow the active language.
`tests/test_codes.py` checks them against the reference copies in ../shared/data.
"""

from collections.abc import Iterable

from django.utils.deconstruct import deconstructible
from django.utils.translation import get_language


class CodeTable:
    def __init__(self, name: str, rows: Iterable[tuple[str, str, str]]) -> None:
        self.name = name
        self.rows = tuple(rows)
        self._by_code = {code: (zh, en) for code, zh, en in self.rows}
        self._by_name = {name: code for code, zh, en in self.rows for name in (en, zh)}
        # The choices in each language, made once (a model field's choices are read per cell of a table).
        self._choices = {False: tuple((code, zh) for code, zh, _en in self.rows),
                         True: tuple((code, en) for code, _zh, en in self.rows)}

    def __contains__(self, code: object) -> bool:
        return code in self._by_code

    def __iter__(self):
        return iter(self.rows)

    @property
    def codes(self) -> list[str]:
        return [code for code, _zh, _en in self.rows]

    def label(self, code: str | None) -> str:
        if code is None or code == "":
            return ""
        names = self._by_code.get(code)
        if names is None:
            return code
        return names[1] if (get_language() or "zh-hans").startswith("en") else names[0]

    def zh(self, code: str) -> str:
        return self._by_code[code][0]

    def choices(self) -> list[tuple[str, str]]:
        """A callable for model/form `choices=`: evaluated on use, so labels follow the language."""
        return list(self._choices[(get_language() or "zh-hans").startswith("en")])

    def code_for_name(self, name: str) -> str | None:
        """Accept a code or an official name (Chinese or English) from an import cell."""
        value = (name or "").strip()
        if value in self._by_code:
            return value
        return self._by_name.get(value)


@deconstructible
class choices_of:  # noqa: N801 - used like a function in field definitions
    """Model-field choices for a table by its name here; migrations serialise it stably and labels follow
    the active language."""

    def __init__(self, table: str) -> None:
        self.table = table

    def __call__(self) -> list[tuple[str, str]]:
        return globals()[self.table].choices()

    def __eq__(self, other: object) -> bool:
        return isinstance(other, choices_of) and other.table == self.table

    def __hash__(self) -> int:
        return hash(self.table)


SEX = CodeTable("GB/T 2261.1", [("1", "男", "Male"), ("2", "女", "Female")])

ETHNIC = CodeTable("GB/T 3304", [
    ("01", "汉族", "Han"), ("02", "蒙古族", "Mongol"), ("03", "回族", "Hui"), ("04", "藏族", "Zang (Tibetan)"),
    ("05", "维吾尔族", "Uygur"), ("06", "苗族", "Miao"), ("07", "彝族", "Yi"), ("08", "壮族", "Zhuang"),
    ("09", "布依族", "Buyei"), ("10", "朝鲜族", "Chosen (Korean)"), ("11", "满族", "Man (Manchu)"),
    ("12", "侗族", "Dong"), ("13", "瑶族", "Yao"), ("14", "白族", "Bai"), ("15", "土家族", "Tujia"),
    ("16", "哈尼族", "Hani"), ("17", "哈萨克族", "Kazak"), ("18", "傣族", "Dai"), ("19", "黎族", "Li"),
    ("20", "傈僳族", "Lisu"), ("21", "佤族", "Va"), ("22", "畲族", "She"), ("23", "高山族", "Gaoshan"),
    ("24", "拉祜族", "Lahu"), ("25", "水族", "Sui"), ("26", "东乡族", "Dongxiang"), ("27", "纳西族", "Naxi"),
    ("28", "景颇族", "Jingpo"), ("29", "柯尔克孜族", "Kirgiz"), ("30", "土族", "Tu"), ("31", "达斡尔族", "Daur"),
    ("32", "仫佬族", "Mulao"), ("33", "羌族", "Qiang"), ("34", "布朗族", "Blang"), ("35", "撒拉族", "Salar"),
    ("36", "毛南族", "Maonan"), ("37", "仡佬族", "Gelao"), ("38", "锡伯族", "Xibe"), ("39", "阿昌族", "Achang"),
    ("40", "普米族", "Pumi"), ("41", "塔吉克族", "Tajik"), ("42", "怒族", "Nu"), ("43", "乌孜别克族", "Uzbek"),
    ("44", "俄罗斯族", "Russ"), ("45", "鄂温克族", "Ewenki"), ("46", "德昂族", "Deang"), ("47", "保安族", "Bonan"),
    ("48", "裕固族", "Yugur"), ("49", "京族", "Gin"), ("50", "塔塔尔族", "Tatar"), ("51", "独龙族", "Derung"),
    ("52", "鄂伦春族", "Oroqen"), ("53", "赫哲族", "Hezhen"), ("54", "门巴族", "Monba"), ("55", "珞巴族", "Lhoba"),
    ("56", "基诺族", "Jino"), ("97", "其他", "Other"),
    ("98", "外国血统中国籍人士", "Chinese citizen of foreign origin"),
])

ID_DOC_TYPE = CodeTable("JY/T 1001 SFZJLX", [
    ("1", "居民身份证", "Resident identity card"),
    ("6", "香港特区护照/身份证明", "HKSAR passport / identity document"),
    ("7", "澳门特区护照/身份证明", "Macao SAR passport / identity document"),
    ("8", "台湾居民来往大陆通行证", "Mainland travel permit for Taiwan residents"),
    ("9", "境外永久居住证", "Overseas permanent residence permit"),
    ("A", "护照", "Passport"),
    ("Z", "其他", "Other / none"),
])

STUDENT_STATUS = CodeTable("JY/T 1001 XSDQZT", [
    ("01", "在读", "Enrolled"), ("02", "休学", "Suspended"), ("03", "退学", "Withdrawn"),
    ("04", "停学", "Study stopped"), ("05", "复学", "Resumed"), ("06", "流失", "Dropped out"),
    ("07", "毕业", "Graduated"), ("08", "结业", "Completed"), ("09", "肄业", "Left without completing"),
    ("10", "转学(转出)", "Transferred out"), ("11", "死亡", "Deceased"),
    ("12", "保留入学资格", "Admission reserved"), ("13", "公派出国", "State-sponsored abroad"),
    ("14", "开除", "Expelled"), ("15", "下落不明", "Whereabouts unknown"), ("99", "其他", "Other"),
])

RUNNING_TYPE = CodeTable("JY/T 1001 BXLX", [
    ("211", "小学", "Primary school"), ("218", "小学教学点", "Primary teaching point"),
    ("219", "附设小学班", "Attached primary class"),
    ("311", "初级中学", "Junior secondary school"), ("312", "九年一贯制学校", "Nine-year integrated school"),
    ("319", "附设普通初中班", "Attached junior secondary class"),
    ("341", "完全中学", "Complete secondary school"), ("342", "高级中学", "Senior secondary school"),
    ("345", "十二年一贯制学校", "Twelve-year integrated school"),
    ("349", "附设普通高中班", "Attached senior secondary class"),
    ("371", "工读学校", "Work-study school"),
    ("511", "盲人学校", "School for the blind"), ("512", "聋人学校", "School for the deaf"),
    ("513", "培智学校", "School for the intellectually disabled"),
    ("514", "其他特殊教育学校", "Other special education school"),
    ("519", "附设特教班", "Attached special-education class"),
])

STAGE = CodeTable("stage", [("1", "小学", "Primary"), ("2", "初中", "Junior secondary"),
                            ("3", "高中", "Senior secondary")])

# Stages each running type teaches by default (special-education schools teach the compulsory stages).
STAGES_BY_RUNNING_TYPE: dict[str, tuple[str, ...]] = {
    "211": ("1",), "218": ("1",), "219": ("1",),
    "311": ("2",), "312": ("1", "2"), "319": ("2",),
    "341": ("2", "3"), "342": ("3",), "345": ("1", "2", "3"), "349": ("3",),
    "371": ("2",), "511": ("1", "2"), "512": ("1", "2"), "513": ("1", "2"), "514": ("1", "2"), "519": ("1", "2"),
}
STAGE_YEARS = {"1": 6, "2": 3, "3": 3}

GRADE = CodeTable("grade", [
    ("11", "一年级", "Grade 1"), ("12", "二年级", "Grade 2"), ("13", "三年级", "Grade 3"),
    ("14", "四年级", "Grade 4"), ("15", "五年级", "Grade 5"), ("16", "六年级", "Grade 6"),
    ("21", "初一", "Junior 1 (grade 7)"), ("22", "初二", "Junior 2 (grade 8)"), ("23", "初三", "Junior 3 (grade 9)"),
    ("24", "初四", "Junior 4"),
    ("31", "高一", "Senior 1 (grade 10)"), ("32", "高二", "Senior 2 (grade 11)"), ("33", "高三", "Senior 3 (grade 12)"),
])


def grade_code(stage: str, year_in_stage: int) -> str | None:
    """Grade code for the n-th year of a stage, or None when the cohort has left (or not begun) it."""
    if year_in_stage < 1 or year_in_stage > STAGE_YEARS[stage]:
        return None
    return f"{stage}{year_in_stage}"


FAMILY_RELATION = CodeTable("GB/T 4761", [
    ("51", "父亲", "Father"), ("52", "母亲", "Mother"), ("57", "继父或养父", "Stepfather or adoptive father"),
    ("58", "继母或养母", "Stepmother or adoptive mother"), ("61", "祖父", "Paternal grandfather"),
    ("62", "祖母", "Paternal grandmother"), ("63", "外祖父", "Maternal grandfather"),
    ("64", "外祖母", "Maternal grandmother"), ("71", "兄", "Elder brother"), ("75", "姐姐", "Elder sister"),
    ("81", "伯父", "Father's elder brother"), ("83", "叔父", "Father's younger brother"),
    ("85", "舅父", "Mother's brother"), ("88", "姨母", "Mother's sister"), ("90", "姑母", "Father's sister"),
    ("97", "其他亲属", "Other relative"), ("99", "非亲属", "Non-relative"),
])

HEALTH_STATUS = CodeTable("health", [
    ("10", "健康或良好", "Healthy"), ("20", "一般或较弱", "Fair or weak"), ("30", "有慢性病", "Chronic illness"),
    ("40", "有生理缺陷", "Physical defect"), ("50", "残疾", "Disabled"),
])

HUKOU_NATURE = CodeTable("hukou", [("1", "农业户口", "Agricultural"), ("2", "非农业户口", "Non-agricultural")])

GATQW = CodeTable("JY/T 1001 GATQW", [
    ("00", "否", "Not applicable"), ("01", "香港同胞", "Hong Kong compatriot"),
    ("02", "香港同胞亲属", "Relative of HK compatriot"), ("03", "澳门同胞", "Macao compatriot"),
    ("04", "澳门同胞亲属", "Relative of Macao compatriot"), ("05", "台湾同胞", "Taiwan compatriot"),
    ("06", "台湾同胞亲属", "Relative of Taiwan compatriot"), ("11", "华侨", "Overseas Chinese"),
    ("12", "侨眷", "Relative of overseas Chinese"), ("13", "归侨", "Returned overseas Chinese"),
    ("14", "归侨子女", "Child of returned overseas Chinese"), ("21", "归国留学人员", "Returned overseas student"),
    ("31", "非华裔中国人", "Chinese national of non-Chinese descent"),
    ("41", "外籍华裔人", "Foreign national of Chinese descent"), ("51", "外国人", "Foreigner"), ("99", "其他", "Other"),
])

POLITICAL_STATUS = CodeTable("GB/T 4762", [
    ("01", "中国共产党党员", "CPC member"), ("02", "中国共产党预备党员", "CPC probationary member"),
    ("03", "中国共产主义青年团团员", "Communist Youth League member"), ("13", "群众", "Ordinary citizen"),
])

ADMISSION_MODE = CodeTable("admission mode", [
    ("11", "就近入学", "Nearby enrolment"), ("12", "其他", "Other (compulsory)"),
    ("21", "统一招生考试/普通入学", "Unified exam / regular"), ("22", "体育特招", "Sports special admission"),
    ("23", "艺术特招", "Arts special admission"), ("99", "其他", "Other"),
])

STUDY_MODE = CodeTable("study mode", [("1", "走读", "Day student"), ("2", "住校", "Boarding")])
STUDENT_SOURCE = CodeTable("student source", [("1", "正常入学", "Normal enrolment"), ("2", "借读", "Borrowed seat"),
                                              ("9", "其他", "Other")])
LEFT_BEHIND = CodeTable("left-behind", [("0", "非留守儿童", "Not left-behind"),
                                        ("1", "单亲留守儿童", "One parent away"),
                                        ("2", "双亲留守儿童", "Both parents away")])
DISABILITY = CodeTable("disability", [
    ("0", "无残疾", "None"), ("1", "视力残疾", "Visual"), ("2", "听力残疾", "Hearing"), ("3", "言语残疾", "Speech"),
    ("4", "肢体残疾", "Physical"), ("5", "智力残疾", "Intellectual"), ("6", "精神残疾", "Mental"),
    ("7", "多重残疾", "Multiple"), ("9", "其他残疾", "Other"),
])
INCLUSION = CodeTable("inclusion", [
    ("0", "非随班就读", "Not inclusive placement"), ("1", "视力残疾随班就读", "Inclusive - visual"),
    ("2", "听力残疾随班就读", "Inclusive - hearing"), ("3", "智力残疾随班就读", "Inclusive - intellectual"),
    ("9", "其他残疾随班就读", "Inclusive - other"),
])
# Which inclusion codes a disability type allows (随班就读 must agree with 残疾类型).
INCLUSION_FOR_DISABILITY = {"0": {"0"}, "1": {"0", "1"}, "2": {"0", "2"}, "5": {"0", "3"}}
COMMUTE_MODE = CodeTable("commute", [
    ("1", "步行", "Walking"), ("2", "自行车（含摩托车、电动自行车）", "Bicycle"),
    ("3", "公共交通（含城市公交、农村客运、地铁）", "Public transport"), ("4", "家长自行接送", "Driven by parents"),
    ("5", "校车", "School bus"), ("9", "其他", "Other"),
])
YES_NO = CodeTable("yes/no", [("0", "否", "No"), ("1", "是", "Yes")])

# 学籍异动类别 (JY/T 1001 YDLB): the K-12 ones (the standard also serves higher education). Transfers (21, 22) are
# their own business (xueji.transfers); the others are status changes (xueji.changes). 退学 and 开除学籍 apply in
# senior high only by default (a province's function switches decide, per stage).
STATUS_CHANGE_TYPE = CodeTable("JY/T 1001 YDLB", [
    ("02", "留级", "Repeat a grade"), ("04", "跳级", "Skip a grade"),
    ("08", "回国复学", "Resume study after return from abroad"),
    ("11", "休学", "Suspension of study"), ("12", "复学", "Resumption of study"),
    ("17", "恢复学籍", "Student status restored"), ("19", "保留学籍", "Student status reserved"),
    ("21", "转学（转出）", "Transfer out"), ("22", "转学（转入）", "Transfer in"),
    ("29", "转班级", "Change of class"), ("31", "退学", "Withdrawal"), ("42", "开除学籍", "Expulsion"),
    ("51", "死亡", "Death"), ("62", "结业", "Completion without graduation"),
    ("63", "肄业", "Incomplete study certificate"), ("99", "其他", "Other"),
])

# 学籍异动原因 (JY/T 1001 YDYY).
STATUS_CHANGE_REASON = CodeTable("JY/T 1001 YDYY", [
    ("01", "成绩优秀", "Excellent results"), ("10", "疾病", "Illness"), ("11", "精神疾病", "Mental illness"),
    ("12", "传染疾病", "Infectious disease"), ("19", "其他疾病", "Other illness"),
    ("21", "自动退学", "Voluntary withdrawal"), ("22", "成绩太差", "Very poor results"),
    ("23", "触犯刑法", "Criminal offence"), ("24", "休学创业", "Leave to start a business"),
    ("25", "停学实践（求职）", "Leave for practice (job seeking)"), ("26", "家长病重", "Parent seriously ill"),
    ("27", "贫困", "Poverty"), ("28", "非留学出国（境）", "Going abroad, not to study"),
    ("29", "自费出国退学", "Withdrawal to study abroad at own expense"), ("30", "自费留学", "Self-funded study abroad"),
    ("31", "休学期满未办理复学", "Suspension ended without resumption"),
    ("32", "恶意欠缴学费", "Wilful non-payment of fees"),
    ("33", "超过最长学习期限未完成学业", "Maximum study period exceeded"), ("34", "应征入伍", "Military service"),
    ("39", "其他原因退学", "Withdrawal for other reasons"), ("40", "事故灾难致死", "Death in an accident or disaster"),
    ("41", "溺水死亡", "Drowning"), ("42", "交通事故致死", "Traffic accident"), ("43", "拥挤踩踏致死", "Crowd crush"),
    ("44", "房屋倒塌致死", "Building collapse"), ("45", "坠楼坠崖致死", "Fall from a height"),
    ("46", "中毒致死", "Poisoning"), ("47", "爆炸致死", "Explosion"),
    ("50", "社会安全事件致死", "Public security incident"), ("51", "打架斗殴致死", "Fight"),
    ("52", "校园伤害致死", "Injury at school"), ("53", "刑事案件致死", "Criminal case"), ("54", "火灾致死", "Fire"),
    ("60", "自然灾害致死", "Natural disaster"), ("61", "山体滑坡致死", "Landslide"),
    ("62", "泥石流致死", "Debris flow"),
    ("63", "洪水致死", "Flood"), ("64", "地震致死", "Earthquake"), ("65", "暴雨致死", "Rainstorm"),
    ("66", "冰雹致死", "Hail"), ("67", "雪灾致死", "Snowstorm"), ("68", "龙卷风致死", "Tornado"),
    ("70", "因病死亡", "Death from illness"), ("71", "传染病致死", "Infectious disease (death)"),
    ("72", "猝死", "Sudden death"), ("79", "其他疾病致死", "Other illness (death)"), ("81", "自杀死亡", "Suicide"),
    ("89", "其他原因死亡", "Death from other causes"), ("99", "其他", "Other"),
])


# 国籍/地区 (GB/T 2659, the Chinese edition of ISO 3166-1): alpha-3 codes with their Chinese and English short names.
# China, its special administrative regions and Taiwan first (what a Chinese school's roll shows most), then the
# standard's order.
COUNTRY = CodeTable("GB/T 2659", [
    ("CHN", "中国", "China"), ("HKG", "中国香港", "Hong Kong, China"), ("MAC", "中国澳门", "Macao, China"),
    ("TWN", "中国台湾", "Taiwan, China"), ("AFG", "阿富汗", "Afghanistan"), ("ALA", "奥兰群岛", "Åland Islands"),
    ("ALB", "阿尔巴尼亚", "Albania"), ("DZA", "阿尔及利亚", "Algeria"), ("ASM", "美属萨摩亚", "American Samoa"),
    ("AND", "安道尔", "Andorra"), ("AGO", "安哥拉", "Angola"), ("AIA", "安圭拉", "Anguilla"),
    ("ATA", "南极洲", "Antarctica"), ("ATG", "安提瓜和巴布达", "Antigua and Barbuda"), ("ARG", "阿根廷", "Argentina"),
    ("ARM", "亚美尼亚", "Armenia"), ("ABW", "阿鲁巴", "Aruba"), ("AUS", "澳大利亚", "Australia"),
    ("AUT", "奥地利", "Austria"), ("AZE", "阿塞拜疆", "Azerbaijan"), ("BHS", "巴哈马", "Bahamas"),
    ("BHR", "巴林", "Bahrain"), ("BGD", "孟加拉国", "Bangladesh"), ("BRB", "巴巴多斯", "Barbados"),
    ("BLR", "白俄罗斯", "Belarus"), ("BEL", "比利时", "Belgium"), ("BLZ", "伯利兹", "Belize"),
    ("BEN", "贝宁", "Benin"), ("BMU", "百慕大", "Bermuda"), ("BTN", "不丹", "Bhutan"), ("BOL", "玻利维亚", "Bolivia"),
    ("BES", "荷兰加勒比区", "Bonaire, Sint Eustatius and Saba"),
    ("BIH", "波斯尼亚和黑塞哥维那", "Bosnia and Herzegovina"), ("BWA", "博茨瓦纳", "Botswana"),
    ("BVT", "布韦岛", "Bouvet Island"), ("BRA", "巴西", "Brazil"),
    ("IOT", "英属印度洋领地", "British Indian Ocean Territory"), ("BRN", "文莱", "Brunei Darussalam"),
    ("BGR", "保加利亚", "Bulgaria"), ("BFA", "布基纳法索", "Burkina Faso"), ("BDI", "布隆迪", "Burundi"),
    ("CPV", "佛得角", "Cabo Verde"), ("KHM", "柬埔寨", "Cambodia"), ("CMR", "喀麦隆", "Cameroon"),
    ("CAN", "加拿大", "Canada"), ("CYM", "开曼群岛", "Cayman Islands"), ("CAF", "中非", "Central African Republic"),
    ("TCD", "乍得", "Chad"), ("CHL", "智利", "Chile"), ("CXR", "圣诞岛", "Christmas Island"),
    ("CCK", "科科斯（基林）群岛", "Cocos (Keeling) Islands"), ("COL", "哥伦比亚", "Colombia"),
    ("COM", "科摩罗", "Comoros"), ("COG", "刚果（布）", "Congo"),
    ("COD", "刚果（金）", "Congo, Democratic Republic of the"), ("COK", "库克群岛", "Cook Islands"),
    ("CRI", "哥斯达黎加", "Costa Rica"), ("CIV", "科特迪瓦", "Côte d'Ivoire"), ("HRV", "克罗地亚", "Croatia"),
    ("CUB", "古巴", "Cuba"), ("CUW", "库拉索", "Curaçao"), ("CYP", "塞浦路斯", "Cyprus"), ("CZE", "捷克", "Czechia"),
    ("DNK", "丹麦", "Denmark"), ("DJI", "吉布提", "Djibouti"), ("DMA", "多米尼克", "Dominica"),
    ("DOM", "多米尼加", "Dominican Republic"), ("ECU", "厄瓜多尔", "Ecuador"), ("EGY", "埃及", "Egypt"),
    ("SLV", "萨尔瓦多", "El Salvador"), ("GNQ", "赤道几内亚", "Equatorial Guinea"), ("ERI", "厄立特里亚", "Eritrea"),
    ("EST", "爱沙尼亚", "Estonia"), ("SWZ", "斯威士兰", "Eswatini"), ("ETH", "埃塞俄比亚", "Ethiopia"),
    ("FLK", "福克兰群岛（马尔维纳斯）", "Falkland Islands (Malvinas)"), ("FRO", "法罗群岛", "Faroe Islands"),
    ("FJI", "斐济", "Fiji"), ("FIN", "芬兰", "Finland"), ("FRA", "法国", "France"),
    ("GUF", "法属圭亚那", "French Guiana"), ("PYF", "法属波利尼西亚", "French Polynesia"),
    ("ATF", "法属南部领地", "French Southern Territories"), ("GAB", "加蓬", "Gabon"), ("GMB", "冈比亚", "Gambia"),
    ("GEO", "格鲁吉亚", "Georgia"), ("DEU", "德国", "Germany"), ("GHA", "加纳", "Ghana"),
    ("GIB", "直布罗陀", "Gibraltar"), ("GRC", "希腊", "Greece"), ("GRL", "格陵兰", "Greenland"),
    ("GRD", "格林纳达", "Grenada"), ("GLP", "瓜德罗普", "Guadeloupe"), ("GUM", "关岛", "Guam"),
    ("GTM", "危地马拉", "Guatemala"), ("GGY", "根西", "Guernsey"), ("GIN", "几内亚", "Guinea"),
    ("GNB", "几内亚比绍", "Guinea-Bissau"), ("GUY", "圭亚那", "Guyana"), ("HTI", "海地", "Haiti"),
    ("HMD", "赫德岛和麦克唐纳岛", "Heard Island and McDonald Islands"), ("VAT", "梵蒂冈", "Holy See"),
    ("HND", "洪都拉斯", "Honduras"), ("HUN", "匈牙利", "Hungary"), ("ISL", "冰岛", "Iceland"),
    ("IND", "印度", "India"), ("IDN", "印度尼西亚", "Indonesia"), ("IRN", "伊朗", "Iran"), ("IRQ", "伊拉克", "Iraq"),
    ("IRL", "爱尔兰", "Ireland"), ("IMN", "马恩岛", "Isle of Man"), ("ISR", "以色列", "Israel"),
    ("ITA", "意大利", "Italy"), ("JAM", "牙买加", "Jamaica"), ("JPN", "日本", "Japan"), ("JEY", "泽西", "Jersey"),
    ("JOR", "约旦", "Jordan"), ("KAZ", "哈萨克斯坦", "Kazakhstan"), ("KEN", "肯尼亚", "Kenya"),
    ("KIR", "基里巴斯", "Kiribati"), ("PRK", "朝鲜", "Korea, Democratic People's Republic of"),
    ("KOR", "韩国", "Korea, Republic of"), ("KWT", "科威特", "Kuwait"), ("KGZ", "吉尔吉斯斯坦", "Kyrgyzstan"),
    ("LAO", "老挝", "Lao People's Democratic Republic"), ("LVA", "拉脱维亚", "Latvia"), ("LBN", "黎巴嫩", "Lebanon"),
    ("LSO", "莱索托", "Lesotho"), ("LBR", "利比里亚", "Liberia"), ("LBY", "利比亚", "Libya"),
    ("LIE", "列支敦士登", "Liechtenstein"), ("LTU", "立陶宛", "Lithuania"), ("LUX", "卢森堡", "Luxembourg"),
    ("MDG", "马达加斯加", "Madagascar"), ("MWI", "马拉维", "Malawi"), ("MYS", "马来西亚", "Malaysia"),
    ("MDV", "马尔代夫", "Maldives"), ("MLI", "马里", "Mali"), ("MLT", "马耳他", "Malta"),
    ("MHL", "马绍尔群岛", "Marshall Islands"), ("MTQ", "马提尼克", "Martinique"), ("MRT", "毛里塔尼亚", "Mauritania"),
    ("MUS", "毛里求斯", "Mauritius"), ("MYT", "马约特", "Mayotte"), ("MEX", "墨西哥", "Mexico"),
    ("FSM", "密克罗尼西亚联邦", "Micronesia, Federated States of"), ("MDA", "摩尔多瓦", "Moldova"),
    ("MCO", "摩纳哥", "Monaco"), ("MNG", "蒙古", "Mongolia"), ("MNE", "黑山", "Montenegro"),
    ("MSR", "蒙特塞拉特", "Montserrat"), ("MAR", "摩洛哥", "Morocco"), ("MOZ", "莫桑比克", "Mozambique"),
    ("MMR", "缅甸", "Myanmar"), ("NAM", "纳米比亚", "Namibia"), ("NRU", "瑙鲁", "Nauru"), ("NPL", "尼泊尔", "Nepal"),
    ("NLD", "荷兰", "Netherlands"), ("NCL", "新喀里多尼亚", "New Caledonia"), ("NZL", "新西兰", "New Zealand"),
    ("NIC", "尼加拉瓜", "Nicaragua"), ("NER", "尼日尔", "Niger"), ("NGA", "尼日利亚", "Nigeria"),
    ("NIU", "纽埃", "Niue"), ("NFK", "诺福克岛", "Norfolk Island"), ("MKD", "北马其顿", "North Macedonia"),
    ("MNP", "北马里亚纳群岛", "Northern Mariana Islands"), ("NOR", "挪威", "Norway"), ("OMN", "阿曼", "Oman"),
    ("PAK", "巴基斯坦", "Pakistan"), ("PLW", "帕劳", "Palau"), ("PSE", "巴勒斯坦", "Palestine, State of"),
    ("PAN", "巴拿马", "Panama"), ("PNG", "巴布亚新几内亚", "Papua New Guinea"), ("PRY", "巴拉圭", "Paraguay"),
    ("PER", "秘鲁", "Peru"), ("PHL", "菲律宾", "Philippines"), ("PCN", "皮特凯恩", "Pitcairn"),
    ("POL", "波兰", "Poland"), ("PRT", "葡萄牙", "Portugal"), ("PRI", "波多黎各", "Puerto Rico"),
    ("QAT", "卡塔尔", "Qatar"), ("REU", "留尼汪", "Réunion"), ("ROU", "罗马尼亚", "Romania"),
    ("RUS", "俄罗斯", "Russian Federation"), ("RWA", "卢旺达", "Rwanda"), ("BLM", "圣巴泰勒米", "Saint Barthélemy"),
    ("SHN", "圣赫勒拿、阿森松和特里斯坦-达库尼亚", "Saint Helena, Ascension and Tristan da Cunha"),
    ("KNA", "圣基茨和尼维斯", "Saint Kitts and Nevis"), ("LCA", "圣卢西亚", "Saint Lucia"),
    ("MAF", "法属圣马丁", "Saint Martin (French part)"), ("SPM", "圣皮埃尔和密克隆", "Saint Pierre and Miquelon"),
    ("VCT", "圣文森特和格林纳丁斯", "Saint Vincent and the Grenadines"), ("WSM", "萨摩亚", "Samoa"),
    ("SMR", "圣马力诺", "San Marino"), ("STP", "圣多美和普林西比", "Sao Tome and Principe"),
    ("SAU", "沙特阿拉伯", "Saudi Arabia"), ("SEN", "塞内加尔", "Senegal"), ("SRB", "塞尔维亚", "Serbia"),
    ("SYC", "塞舌尔", "Seychelles"), ("SLE", "塞拉利昂", "Sierra Leone"), ("SGP", "新加坡", "Singapore"),
    ("SXM", "荷属圣马丁", "Sint Maarten (Dutch part)"), ("SVK", "斯洛伐克", "Slovakia"),
    ("SVN", "斯洛文尼亚", "Slovenia"), ("SLB", "所罗门群岛", "Solomon Islands"), ("SOM", "索马里", "Somalia"),
    ("ZAF", "南非", "South Africa"),
    ("SGS", "南乔治亚岛和南桑威奇群岛", "South Georgia and the South Sandwich Islands"),
    ("SSD", "南苏丹", "South Sudan"), ("ESP", "西班牙", "Spain"), ("LKA", "斯里兰卡", "Sri Lanka"),
    ("SDN", "苏丹", "Sudan"), ("SUR", "苏里南", "Suriname"), ("SJM", "斯瓦尔巴和扬马延", "Svalbard and Jan Mayen"),
    ("SWE", "瑞典", "Sweden"), ("CHE", "瑞士", "Switzerland"), ("SYR", "叙利亚", "Syrian Arab Republic"),
    ("TJK", "塔吉克斯坦", "Tajikistan"), ("TZA", "坦桑尼亚", "Tanzania"), ("THA", "泰国", "Thailand"),
    ("TLS", "东帝汶", "Timor-Leste"), ("TGO", "多哥", "Togo"), ("TKL", "托克劳", "Tokelau"), ("TON", "汤加", "Tonga"),
    ("TTO", "特立尼达和多巴哥", "Trinidad and Tobago"), ("TUN", "突尼斯", "Tunisia"), ("TUR", "土耳其", "Türkiye"),
    ("TKM", "土库曼斯坦", "Turkmenistan"), ("TCA", "特克斯和凯科斯群岛", "Turks and Caicos Islands"),
    ("TUV", "图瓦卢", "Tuvalu"), ("UGA", "乌干达", "Uganda"), ("UKR", "乌克兰", "Ukraine"),
    ("ARE", "阿联酋", "United Arab Emirates"), ("GBR", "英国", "United Kingdom"),
    ("USA", "美国", "United States of America"), ("UMI", "美国本土外小岛屿", "United States Minor Outlying Islands"),
    ("URY", "乌拉圭", "Uruguay"), ("UZB", "乌兹别克斯坦", "Uzbekistan"), ("VUT", "瓦努阿图", "Vanuatu"),
    ("VEN", "委内瑞拉", "Venezuela"), ("VNM", "越南", "Viet Nam"),
    ("VGB", "英属维尔京群岛", "Virgin Islands (British)"), ("VIR", "美属维尔京群岛", "Virgin Islands (U.S.)"),
    ("WLF", "瓦利斯和富图纳", "Wallis and Futuna"), ("ESH", "西撒哈拉", "Western Sahara"), ("YEM", "也门", "Yemen"),
    ("ZMB", "赞比亚", "Zambia"), ("ZWE", "津巴布韦", "Zimbabwe"),
])
