"""What the demo's made-up people, places and schools are made of: weighted surnames and given names, the seven
demo counties with their real towns, synthetic place names, school naming habits by running type, and the grades
and birth dates that go with a class. Plain data and pure functions: the generator (`generator.py`) draws from
them."""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Iterator, Sequence

from xueji.core import codes

# ---------------------------------------------------------------------------------------------------------------
# Names

# Common surnames with rough weights (per mille of the population; Huizhou surnames boosted a little).
SURNAMES: tuple[tuple[str, float], ...] = (
    ("王", 71), ("李", 70), ("张", 67), ("刘", 54), ("陈", 45), ("杨", 31), ("黄", 23), ("赵", 22), ("吴", 22),
    ("周", 19), ("徐", 16), ("孙", 15), ("马", 14), ("朱", 13), ("胡", 16), ("郭", 11), ("何", 11), ("高", 10),
    ("林", 10), ("罗", 9), ("郑", 8), ("梁", 8), ("谢", 7), ("宋", 6), ("唐", 6), ("许", 6), ("韩", 6), ("冯", 5),
    ("邓", 5), ("曹", 5), ("彭", 5), ("曾", 5), ("肖", 5), ("田", 4), ("董", 4), ("潘", 4), ("袁", 4), ("蔡", 3),
    ("蒋", 3), ("余", 4), ("于", 3), ("杜", 3), ("叶", 4), ("程", 8), ("汪", 9), ("方", 5), ("洪", 2), ("江", 3),
    ("戴", 2), ("鲍", 1), ("姚", 3), ("金", 2), ("舒", 1), ("詹", 1), ("吕", 2), ("苏", 3), ("魏", 3), ("夏", 2),
    ("钱", 2), ("汤", 2), ("单", 1), ("解", 1), ("仇", 1), ("区", 0.5), ("朴", 0.5), ("覃", 1), ("欧阳", 1),
)
BOY_CHARS = "浩宇轩子梓博文俊睿辰泽一铭嘉明杰晨航宁豪鹏磊鑫宏伟志强凯毅奕然昊天翔锦程云峰建立新思远乐瑞阳佑诚安皓煜彬朗"
GIRL_CHARS = "欣怡梓涵雨诗思佳可馨悦琪萱妍婷雪晴彤璐瑶淑慧静丽娜芳玉若汐依语桐雅艺婉舒月清心美紫茹倩蕾"
MEN_GIVEN = ("建国", "建华", "国强", "志强", "伟", "勇", "军", "磊", "涛", "斌", "海", "波", "明", "强", "杰", "峰",
             "春生", "国庆", "卫东", "小兵", "文华", "永", "平", "刚", "俊", "辉", "健", "鹏", "新民", "红兵", "立新",
             "晓东", "金龙", "树林", "德胜", "光明", "志刚", "海涛", "文斌", "振华")
WOMEN_GIVEN = ("红梅", "丽", "芳", "娟", "敏", "静", "秀英", "桂英", "玉兰", "海燕", "丽娟", "晓红", "春燕", "艳", "霞",
               "慧", "丽华", "美玲", "小燕", "雪梅", "萍", "琴", "玲", "婷", "晓燕", "金花", "凤英", "秀兰", "红霞",
               "云", "莉", "丹", "倩", "慧敏", "晓丽", "佳", "琳", "文静", "秋月", "彩霞")
PHONE_PREFIXES = ("130", "131", "132", "133", "135", "136", "137", "138", "139", "150", "151", "152", "153", "155",
                  "156", "157", "158", "159", "177", "180", "181", "182", "183", "185", "186", "187", "188", "189",
                  "199")
# Mostly 汉族 (01); a few 回 畲 土家 壮 满 (Anhui's largest minorities).
ETHNIC_WEIGHTS = (("01", 9940), ("03", 30), ("22", 8), ("15", 8), ("08", 7), ("11", 7))

# ---------------------------------------------------------------------------------------------------------------
# Places

# The seven demo counties: account prefix, urban weight, schools weight, postcode, real towns (乡镇街道).
DEMO_COUNTIES = {
    "341002": ("tunxi", 1.3, 1.3, "245000", ("昱东街道", "昱中街道", "老街街道", "阳湖镇", "屯光镇", "奕棋镇",
                                             "黎阳镇")),
    "341003": ("huangshanqu", 1.0, 0.8, "245700", ("甘棠镇", "仙源镇", "汤口镇", "谭家桥镇", "太平湖镇", "焦村镇",
                                                   "耿城镇", "三口镇", "乌石镇")),
    "341004": ("huizhou", 1.0, 0.6, "245900", ("岩寺镇", "西溪南镇", "潜口镇", "呈坎镇", "富溪乡", "杨村乡")),
    "341021": ("shexian", 1.0, 2.0, "245200", ("徽城镇", "深渡镇", "北岸镇", "富堨镇", "郑村镇", "桂林镇", "许村镇",
                                               "溪头镇", "杞梓里镇", "王村镇", "雄村镇", "三阳镇")),
    "341022": ("xiuning", 1.0, 1.2, "245400", ("海阳镇", "齐云山镇", "万安镇", "五城镇", "东临溪镇", "蓝田镇",
                                               "溪口镇", "流口镇", "汪村镇", "商山镇")),
    "341023": ("yixian", 1.0, 0.45, "245500", ("碧阳镇", "宏村镇", "渔亭镇", "西递镇", "柯村镇", "美溪乡")),
    "341024": ("qimen", 1.0, 0.8, "245600", ("祁山镇", "小路口镇", "金字牌镇", "平里镇", "历口镇", "闪里镇",
                                             "安凌镇")),
    # The second province's one county (浙江省 > 杭州市 > 淳安县), for cross-province transfers.
    "330127": ("chunan", 1.0, 1.0, "311700", ("千岛湖镇", "文昌镇", "石林镇", "临岐镇", "威坪镇", "姜家镇", "梓桐镇",
                                              "汾口镇", "中洲镇", "大墅镇", "枫树岭镇", "里商乡")),
}
# The demo provinces' account prefixes (province level, its first city, its schools) and telephone area codes. The
# first demo province keeps the short names (province_registrar, city_registrar, school_registrar ...); the second
# names its levels (zhejiang_registrar, hangzhou_registrar, zj_school_registrar ...). Counties take theirs above.
DEMO_PROVINCE_NAMING = {"340000": ("province", "city", "", "0559"), "330000": ("zhejiang", "hangzhou", "zj_", "0571")}
DEFAULT_NAMING = ("province", "city", "", "0559")
# The second province of the default demo: one city, one county, four schools (two primary, a junior and a complete
# secondary school: every stage), a few hundred pupils.
SECOND_PROVINCE = "330000"
SECOND_PROVINCE_SIZE = {"cities": 1, "counties": 1, "schools": 4, "pupils": 500}
VILLAGES = ("石门村", "龙井村", "桃源村", "上庄村", "下坑村", "溪口村", "岭脚村", "竹林村", "塘坞村", "江村", "洪村",
            "叶村", "吴家村", "余岸村", "东山村", "西坑村", "黄村", "方村", "汪村", "程家村", "枫林村", "长丰村")
ROADS = ("黄山路", "新安路", "滨江路", "延安路", "长干路", "昱中路", "前园路", "华山路", "迎宾大道", "戴震路")
EMPLOYERS = ("个体经营", "务农", "外出务工", "自由职业", "{county}人民医院", "{county}人民政府", "{county}供电公司",
             "中国移动{county}分公司", "{county}建筑工程公司", "{county}农村商业银行", "")
SYNTHETIC_FIRST = "青云松竹桃梅兰柳石龙凤金玉清明新安平泰和宁丰华长永高东西南北"
SYNTHETIC_SECOND = "山溪河湖岭峰川源阳城田桥江台原林泉"
# The 34 provincial-level divisions (GB/T 2260), for --province other than the demo one.
PROVINCES = {
    "110000": "北京市", "120000": "天津市", "130000": "河北省", "140000": "山西省", "150000": "内蒙古自治区",
    "210000": "辽宁省", "220000": "吉林省", "230000": "黑龙江省", "310000": "上海市", "320000": "江苏省",
    "330000": "浙江省", "340000": "安徽省", "350000": "福建省", "360000": "江西省", "370000": "山东省",
    "410000": "河南省", "420000": "湖北省", "430000": "湖南省", "440000": "广东省", "450000": "广西壮族自治区",
    "460000": "海南省", "500000": "重庆市", "510000": "四川省", "520000": "贵州省", "530000": "云南省",
    "540000": "西藏自治区", "610000": "陕西省", "620000": "甘肃省", "630000": "青海省", "640000": "宁夏回族自治区",
    "650000": "新疆维吾尔自治区",
}
SYNTHETIC_CITY_NUMBERS = range(71, 90)  # prefecture codes pp7100 ... pp8900: used by no real prefecture
SYNTHETIC_COUNTY_NUMBERS = range(2, 100)

# ---------------------------------------------------------------------------------------------------------------
# Schools

# Running types in the order a county opens them: the first few give every county every stage.
TYPE_HEAD = ("211", "311", "341", "211", "312", "218", "211", "513", "342", "345")
TYPE_CYCLE = ("211", "311", "211", "218", "312", "211", "311", "211", "342", "211",
              "312", "211", "218", "311", "211", "341", "211", "345", "211", "513")
CODE_DIGIT = {"211": "1", "218": "1", "311": "2", "312": "2", "341": "3", "342": "3", "345": "3", "513": "5"}
# Who gets school-level demo accounts: (prefix, acceptable running types in order of preference).
DEMO_SCHOOL_ACCOUNTS = (
    ("school", ("211",)),
    ("middle", ("311", "341", "312")),
    ("senior", ("342", "341", "345")),
    ("rural", ("218",)),
    ("special", ("513",)),
)
# Target and largest class size of teaching points and special schools; ordinary schools aim at 42-50, at most 55.
CLASS_SIZES = {"218": (15.0, 30), "513": (10.0, 15)}
DIGITS = "零一二三四五六七八九"


def chinese_number(n: int) -> str:
    """1..999 in Chinese numerals as used in school names: 1 一, 10 十, 12 十二, 20 二十, 105 一百零五."""
    if not 0 < n < 1000:
        raise ValueError(n)
    hundreds, rest = divmod(n, 100)
    tens, ones = divmod(rest, 10)
    text = f"{DIGITS[hundreds]}百" if hundreds else ""
    if tens:
        text += ("" if tens == 1 and not hundreds else DIGITS[tens]) + "十"
    elif hundreds and ones:
        text += "零"
    if ones:
        text += DIGITS[ones]
    return text


def _short_town(town: str) -> str:
    for suffix in ("街道", "镇", "乡"):
        if town.endswith(suffix) and len(town) > len(suffix) + 1:
            return town[: -len(suffix)]
    return town


def school_name_candidates(running_type: str, county: str, towns: Sequence[str]) -> Iterator[tuple[str, str, float]]:
    """Possible names for the next school of a type in a county: (name, town, size factor), in order of use."""
    rural = [t for t in towns if not t.endswith("街道")] or list(towns)
    seat = towns[0]
    if running_type == "211":
        yield f"{county}实验小学", seat, 6.0
        for i in itertools.count(1):
            yield f"{county}第{chinese_number(i)}小学", seat, 3.5
            for town in rural:
                yield f"{county}{town}中心小学", town, 2.2
    elif running_type == "218":
        offset = sum(map(ord, county))  # villages differ from county to county
        for i in range(len(rural) * len(VILLAGES)):
            town, village = rural[i % len(rural)], VILLAGES[(offset + i * 5) % len(VILLAGES)]
            yield f"{county}{town}{village}教学点", town, 0.25
        for i in itertools.count(1):
            yield f"{county}第{chinese_number(i)}教学点", seat, 0.25
    elif running_type == "311":
        for i in itertools.count(2):
            yield f"{county}第{chinese_number(i)}中学", seat, 4.0
            for town in rural:
                yield f"{county}{town}初级中学", town, 2.5
    elif running_type == "312":
        for town in rural:
            yield f"{county}{_short_town(town)}学校", town, 1.8
        for i in itertools.count(1):
            yield f"{county}第{chinese_number(i)}九年一贯制学校", seat, 1.8
    elif running_type == "341":
        for i in itertools.count(1):
            yield f"{county}第{chinese_number(i)}中学", seat, 5.0
    elif running_type == "342":
        yield f"{county}高级中学", seat, 5.0
        for i in itertools.count(2):
            yield f"{county}第{chinese_number(i)}高级中学", seat, 5.0
    elif running_type == "345":
        yield f"{county}实验学校", seat, 3.0
        yield f"{county}外国语学校", seat, 3.0
        for i in itertools.count(2):
            yield f"{county}第{chinese_number(i)}实验学校", seat, 3.0
    elif running_type == "513":
        yield f"{county}特殊教育学校", seat, 0.2
        for i in itertools.count(2):
            yield f"{county}第{chinese_number(i)}特殊教育学校", seat, 0.2
    else:
        raise ValueError(running_type)


def grades_taught(running_type: str, stages: str) -> list[tuple[str, int]]:
    """(stage, year in stage) of every grade a school teaches; teaching points (218) teach grades 1-4."""
    grades = [(stage, year) for stage in stages for year in range(1, codes.STAGE_YEARS[stage] + 1)]
    if running_type == "218":
        grades = [(stage, year) for stage, year in grades if year <= 4]
    return grades


def overall_grade(stage: str, year_in_stage: int) -> int:
    """1-12: primary 1-6, junior 7-9, senior 10-12."""
    return {"1": 0, "2": 6, "3": 9}[stage] + year_in_stage


def birth_window(school_year_start: int, grade: int) -> tuple[dt.date, dt.date]:
    """Birth dates of a pupil in `grade` in the school year starting 1 Sep `school_year_start`, who entered grade
    1 at 6 years old on 31 August (born 1 Sep Y-7 to 31 Aug Y-6, Y = year of entry to grade 1)."""
    entry = school_year_start - grade + 1
    return dt.date(entry - 7, 9, 1), dt.date(entry - 6, 8, 31)
