"""Import templates generated from the national form (registry.fields.ALL_ITEMS): .xlsx and .csv.

The .xlsx has the data sheet (学生信息: one column per form item, titled as on the form, required ones marked
"*" and red), an instructions sheet in Chinese (填写说明) and a hidden code sheet (代码表) holding every code list
and the school's classes, which the dropdowns (data validation) of the data sheet refer to: Excel limits a list
typed into a validation to 255 characters, so the lists live on the hidden sheet. Every column is formatted as
text ("@") so ID numbers, phone numbers, postcodes and dates stay as typed."""

import io

import xlsxwriter

from xueji.core import codes
from xueji.core.spreadsheets import safe_cell
from xueji.exchange.readers import DATA_SHEET, column_letter, header_title
from xueji.registry.fields import ALL_ITEMS, FormItem

CODE_SHEET = "代码表"
HELP_SHEET = "填写说明"
LAST_ROW = 1_048_575  # dropdowns and text format cover the whole column
TEXT_FORMAT = 49  # Excel's built-in number format "@" (text)

KIND_HINTS = {
    "text": "文字",
    "date": "日期，格式 YYYY-MM-DD（如 2016-09-01）",
    "yearmonth": "年月，格式 YYYYMM（如 202209）",
    "code": "从下拉列表中选择（也可填写代码）",
    "flag": "从下拉列表中选择“是”或“否”",
    "id": "身份证件号（居民身份证 18 位，末位可为 X）",
    "phone": "电话号码（手机或固话）",
    "postcode": "6 位数字",
    "region": "行政区划代码，6 位数字（GB/T 2260，如 341002）",
    "decimal": "数字（公里），如 1.5",
}

ITEM_NOTES = {
    "class_name": "从下拉列表中选择本校的班级",
    "id_number": "证件类型为居民身份证时必填；无身份证件号的学生须填写成员1（监护人）的姓名和身份证件号",
    "guardian1.name": "学生无居民身份证号时，成员1的姓名和身份证件号必填",
    "guardian1.id_number": "学生无居民身份证号时必填",
    "name_pinyin": "可不填，系统按姓名生成",
    "birth_date": "须与身份证件号中的出生日期一致",
    "sex": "须与身份证件号的性别位一致",
}


def _table_items() -> list[tuple[codes.CodeTable, list[FormItem]]]:
    tables: dict[int, tuple[codes.CodeTable, list[FormItem]]] = {}
    for item in ALL_ITEMS:
        if item.table is not None:
            tables.setdefault(id(item.table), (item.table, []))[1].append(item)
    return list(tables.values())


def _choices(table: codes.CodeTable) -> list[str]:
    """The names shown in a dropdown (the Chinese names; the validator also accepts codes)."""
    seen, names = set(), []
    for _code, zh, _en in table.rows:
        if zh not in seen:
            seen.add(zh)
            names.append(zh)
    return names


def xlsx_template(*, class_names: list[str], school_name: str = "") -> bytes:
    output = io.BytesIO()
    workbook = xlsxwriter.Workbook(output, {"in_memory": True, "strings_to_formulas": False,
                                            "strings_to_numbers": False, "strings_to_urls": False})
    text = workbook.add_format({"num_format": TEXT_FORMAT})
    head = workbook.add_format({"bold": True, "bg_color": "#E8F0FE", "border": 1, "num_format": TEXT_FORMAT,
                                "align": "center", "valign": "vcenter", "text_wrap": True})
    head_required = workbook.add_format({"bold": True, "bg_color": "#E8F0FE", "border": 1, "num_format": TEXT_FORMAT,
                                         "font_color": "#C00000", "align": "center", "valign": "vcenter",
                                         "text_wrap": True})
    data = workbook.add_worksheet(DATA_SHEET)
    help_sheet = workbook.add_worksheet(HELP_SHEET)
    code_sheet = workbook.add_worksheet(CODE_SHEET)

    # The hidden code sheet: one column per code table (and the classes), its name in row 1.
    ranges: dict[int, str] = {}
    column = 0
    for table, items in _table_items():
        names = _choices(table)
        code_sheet.write(0, column, safe_cell(f"{items[0].title}（{table.name}）"))
        for row, name in enumerate(names, start=1):
            code_sheet.write_string(row, column, safe_cell(name))
        letter = column_letter(column)
        ranges[id(table)] = f"='{CODE_SHEET}'!${letter}$2:${letter}${len(names) + 1}"
        column += 1
    class_column = column
    code_sheet.write(0, class_column, "班级")
    for row, name in enumerate(class_names, start=1):
        code_sheet.write_string(row, class_column, safe_cell(name))
    letter = column_letter(class_column)
    class_range = f"='{CODE_SHEET}'!${letter}$2:${letter}${max(len(class_names), 1) + 1}"
    code_sheet.hide()

    # The data sheet.
    data.set_row(0, 36)
    data.freeze_panes(1, 2)
    for col, item in enumerate(ALL_ITEMS):
        width = 24 if item.kind in ("id", "text") and item.max_length > 64 else 20 if item.kind == "id" else 14
        data.set_column(col, col, width, text)
        data.write_string(0, col, header_title(item), head_required if item.required else head)
        hint = ("必填。" if item.required else "选填。") + KIND_HINTS.get(item.kind, "")
        if item.key in ITEM_NOTES:
            hint += "。" + ITEM_NOTES[item.key]
        data.write_comment(0, col, hint, {"x_scale": 2, "y_scale": 1.2})
        source = None
        if item.key == "class_name":
            source = class_range if class_names else None
        elif item.table is not None:
            source = ranges[id(item.table)]
        if source:
            data.data_validation(1, col, LAST_ROW, col, {
                "validate": "list", "source": source, "ignore_blank": True,
                "error_type": "warning", "error_title": item.title,
                "error_message": f"请从下拉列表中选择{item.title}。", "input_title": item.title[:32],
                "input_message": (hint[:250])})
    data.activate()

    # The instructions.
    title = workbook.add_format({"bold": True, "font_size": 14})
    bold = workbook.add_format({"bold": True, "bg_color": "#F2F2F2", "border": 1})
    wrap = workbook.add_format({"text_wrap": True, "valign": "top", "border": 1})
    help_sheet.set_column(0, 0, 26)
    help_sheet.set_column(1, 1, 8)
    help_sheet.set_column(2, 2, 18)
    help_sheet.set_column(3, 3, 70)
    help_sheet.write(0, 0, safe_cell(f"学生信息导入模板 填写说明{('（' + school_name + '）') if school_name else ''}"),
                     title)
    lines = [
        "1. 在“学生信息”工作表中每行填写一名学生，第一行的列标题不要修改、删除；列的顺序可以调整，多余的列会被忽略。",
        "2. 列标题前带 * 的是必填项。代码项请从下拉列表中选择（也可以直接填写代码）。",
        "3. 身份证件号、电话、邮政编码、日期等列已设为“文本”格式，请勿改为数字格式，否则 18 位证件号会丢失末几位。",
        "4. 不要在单元格中使用公式；从其他表格复制时请“选择性粘贴为数值”。以 = + @ 开头的内容会被拒绝。",
        "5. 学生没有居民身份证号时，须填写成员1（监护人）的姓名和身份证件号。",
        "6. 导入后，正确的行成为本校的学生草稿（未注册），有错误的行不会导入；请下载错误报告，改正后重新上传整个文件，"
        "已经导入的学生不会重复导入。",
        "7. 也可以在 Excel 中“另存为”CSV（UTF-8 或 GBK 编码均可）后上传。",
    ]
    for row, line in enumerate(lines, start=2):
        help_sheet.write_string(row, 0, line)
    start = len(lines) + 3
    help_sheet.write_row(start, 0, ["列标题", "必填", "分组", "填写要求"], bold)
    for row, item in enumerate(ALL_ITEMS, start=start + 1):
        hint = KIND_HINTS.get(item.kind, "")
        if item.table is not None:
            values = "、".join(_choices(item.table))
            hint += f"。可选值：{values}" if len(values) <= 300 else f"。可选值见下拉列表（{item.table.name}）"
        if item.kind in ("text", "phone", "id"):
            hint += f"。最长 {item.max_length} 个字符"
        if item.key in ITEM_NOTES:
            hint += "。" + ITEM_NOTES[item.key]
        help_sheet.write_row(row, 0, [safe_cell(item.title), "是" if item.required else "", item.group, hint], wrap)
    workbook.close()
    return output.getvalue()


def csv_template() -> bytes:
    """The header line only, UTF-8 with BOM (so Excel opens it in the right encoding), CRLF."""
    line = ",".join(header_title(item) for item in ALL_ITEMS)
    return ("\ufeff" + line + "\r\n").encode("utf-8")
