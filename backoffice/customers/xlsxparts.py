"""The fixed parts of an .xlsx package (Office Open XML, SpreadsheetML) around its sheets:
content types, relationships, the workbook, the styles, and each sheet's head and tail."""

from collections.abc import Sequence
from typing import Any
from xml.sax.saxutils import escape, quoteattr

from flask_babel import lazy_gettext as _l

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
RELS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PACKAGE_RELS = "http://schemas.openxmlformats.org/package/2006/relationships"
DECLARATION = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
SHEET_NAME = _l("Customers")  # the first sheet's; the next are "<name> 2", …

# cellXfs, in the order spreadsheet.py numbers them: default, header (bold), datetime, date,
# money (#,##0.00), text (@), text marked as text (a value that looks like a formula).
STYLES = (
    DECLARATION + f'<styleSheet xmlns="{MAIN}">'
    '<numFmts count="2"><numFmt numFmtId="164" formatCode="yyyy-mm-dd hh:mm:ss"/>'
    '<numFmt numFmtId="165" formatCode="yyyy-mm-dd"/></numFmts>'
    '<fonts count="2"><font><sz val="11"/><name val="Calibri"/></font>'
    '<font><b/><sz val="11"/><name val="Calibri"/></font></fonts>'
    '<fills count="2"><fill><patternFill patternType="none"/></fill>'
    '<fill><patternFill patternType="gray125"/></fill></fills>'
    '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
    '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
    '<cellXfs count="7">'
    '<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
    '<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/>'
    '<xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    '<xf numFmtId="165" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    '<xf numFmtId="4" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    '<xf numFmtId="49" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    '<xf numFmtId="49" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1" '
    'quotePrefix="1"/>'
    "</cellXfs>"
    '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
    "</styleSheet>"
)
SHEET_END = b"</sheetData></worksheet>"


def sheet_start(columns: Sequence[Any]) -> bytes:
    """A sheet's head: the header row frozen above the rows, bold, the columns' widths (the
    labels are read here: call it where the reader's language is known)."""
    widths = "".join(
        f'<col min="{n}" max="{n}" width="{c.width}" customWidth="1"/>'
        for n, c in enumerate(columns, 1)
    )
    header = "".join(
        f'<c s="1" t="inlineStr"><is><t>{escape(str(c.label))}</t></is></c>' for c in columns
    )
    return (
        DECLARATION + f'<worksheet xmlns="{MAIN}" xmlns:r="{RELS}">'
        '<sheetViews><sheetView workbookViewId="0">'
        '<pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/>'
        "</sheetView></sheetViews>"
        f"<cols>{widths}</cols><sheetData><row>{header}</row>"
    ).encode("utf-8")


def package(sheets: int, sheet_name: str = "Customers") -> dict[str, str]:
    """Every part but the sheets, for a workbook of ``sheets`` sheets named ``sheet_name``."""
    numbers = range(1, sheets + 1)
    names = [sheet_name if n == 1 else f"{sheet_name} {n}" for n in numbers]
    sheet_types = "".join(
        f'<Override PartName="/xl/worksheets/sheet{n}.xml" ContentType="application/'
        'vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
        for n in numbers
    )
    return {
        "[Content_Types].xml": DECLARATION
        + '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" '
        'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        '<Override PartName="/xl/workbook.xml" ContentType="application/'
        'vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
        '<Override PartName="/xl/styles.xml" ContentType="application/'
        'vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
        f"{sheet_types}</Types>",
        "_rels/.rels": DECLARATION + f'<Relationships xmlns="{PACKAGE_RELS}">'
        f'<Relationship Id="rId1" Type="{RELS}/officeDocument" Target="xl/workbook.xml"/>'
        "</Relationships>",
        "xl/workbook.xml": DECLARATION
        + f'<workbook xmlns="{MAIN}" xmlns:r="{RELS}"><sheets>'
        + "".join(
            f'<sheet name={quoteattr(name)} sheetId="{n}" r:id="rId{n}"/>'
            for n, name in zip(numbers, names, strict=True)
        )
        + "</sheets></workbook>",
        "xl/_rels/workbook.xml.rels": DECLARATION
        + f'<Relationships xmlns="{PACKAGE_RELS}">'
        + "".join(
            f'<Relationship Id="rId{n}" Type="{RELS}/worksheet" Target="worksheets/sheet{n}.xml"/>'
            for n in numbers
        )
        + f'<Relationship Id="rId{sheets + 1}" Type="{RELS}/styles" Target="styles.xml"/>'
        "</Relationships>",
        "xl/styles.xml": STYLES,
    }
