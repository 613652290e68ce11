"""The seller report as a one-page A4 PDF (to print for the workshop), drawn with fpdf2.

Thai needs two things the PDF core fonts lack: a Thai TrueType font, and text shaping
(uharfbuzz) so that vowels above and below and tone marks sit on their consonant
instead of floating after it. The font is looked for in the path the caller gives (the
setting ``ISANHUB_REPORT_FONT``), then in the usual system places; with none found the
error says, in Thai and English, what to install. Charts are drawn with rectangles and
lines from the report's figures (no SVG), so the PDF never depends on the HTML.
"""

from __future__ import annotations

import os
import unicodedata
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from fpdf import FPDF
from fpdf.enums import XPos, YPos

from isanhub.insight.commerce import pdf_more
from isanhub.insight.commerce import texts as tx

FONT_DIRS = (
    Path("/usr/share/fonts"),
    Path("/usr/local/share/fonts"),
    Path.home() / ".local/share/fonts",
    Path.home() / ".fonts",
)
#: regular faces, best first: Sarabun (the Thai government's font), then TLWG's Loma and
#: Garuda (Debian fonts-thai-tlwg), then Noto Sans Thai
PREFERRED = (
    "Sarabun-Regular.ttf",
    "Sarabun.ttf",
    "THSarabunNew.ttf",
    "Loma.ttf",
    "Garuda.ttf",
    "NotoSansThai-Regular.ttf",
    "NotoSansThaiUI-Regular.ttf",
)
BOLD_NAMES = ("{stem}-Bold.ttf", "{stem} Bold.ttf", "{stem}Bold.ttf", "{base}-Bold.ttf")
FAMILY = "thai"
INK = (31, 41, 55)
MUTED = (107, 114, 128)
ACCENT = (15, 118, 110)


class FontNotFoundError(FileNotFoundError):
    """No Thai TrueType font: the message tells the operator what to install or set."""


def _message(detail: str) -> str:
    return (
        f"ไม่พบฟอนต์ภาษาไทยสำหรับทำรายงาน PDF ({detail}): ติดตั้งแพ็กเกจ fonts-thai-tlwg "
        "(apt-get install fonts-thai-tlwg) หรือกำหนด ISANHUB_REPORT_FONT เป็นไฟล์ .ttf ภาษาไทย / "
        f"No Thai font for the PDF report ({detail}): install the package fonts-thai-tlwg "
        "(apt-get install fonts-thai-tlwg) or set ISANHUB_REPORT_FONT to a Thai .ttf file."
    )


def find_font(
    explicit: str | os.PathLike[str] | None = None, dirs: Sequence[Path] = FONT_DIRS
) -> Path:
    """The regular Thai font to use: ``explicit`` if given (it must exist), else the best
    of :data:`PREFERRED` found under ``dirs``."""
    if explicit:
        path = Path(explicit).expanduser()
        if path.is_file():
            return path
        raise FontNotFoundError(_message(f"{path} does not exist"))
    found: dict[str, Path] = {}
    for root in dirs:
        if root.is_dir():
            for path in sorted(root.rglob("*.ttf")):
                found.setdefault(path.name, path)
    for name in PREFERRED:
        if name in found:
            return found[name]
    raise FontNotFoundError(_message("searched " + ", ".join(str(d) for d in dirs)))


def bold_of(regular: Path) -> Path | None:
    """The bold face next to a regular one (Loma.ttf -> Loma-Bold.ttf), if present."""
    stem = regular.stem
    base = stem.removesuffix("-Regular")
    for pattern in BOLD_NAMES:
        candidate = regular.with_name(pattern.format(stem=stem, base=base))
        if candidate.is_file() and candidate != regular:
            return candidate
    return None


def fit(text: str, width: float, measure: Any) -> str:
    """``text`` cut (with an ellipsis) to fit ``width``, never between a Thai consonant
    and its vowel or tone mark."""
    if measure(text) <= width:
        return text
    cut = len(text)
    while cut > 0:
        cut -= 1
        if cut < len(text) and unicodedata.category(text[cut]) == "Mn":
            continue
        if measure(text[:cut] + "…") <= width:
            return text[:cut].rstrip() + "…"
    return ""


class ReportPDF(FPDF):
    """fpdf2 with the report's few drawing primitives; ``texts`` keeps what was written
    (a cheap way to test the content without a PDF text extractor)."""

    def __init__(self, font: Path) -> None:
        super().__init__(orientation="P", unit="mm", format="A4")
        self.texts: list[str] = []
        self.set_margins(10, 10, 10)
        self.set_auto_page_break(True, margin=10)
        self.add_font(FAMILY, "", str(font))
        self.add_font(FAMILY, "B", str(bold_of(font) or font))
        self.set_text_shaping(True)
        self.set_text_color(*INK)

    def font(self, size: float, bold: bool = False) -> None:
        self.set_font(FAMILY, "B" if bold else "", size)

    def text_line(
        self,
        text: str,
        size: float = 9,
        bold: bool = False,
        colour: tuple[int, int, int] = INK,
        h: float | None = None,
    ) -> None:
        """A paragraph across the page (wrapped)."""
        self.font(size, bold)
        self.set_text_color(*colour)
        self.texts.append(text)
        self.multi_cell(0, h or size * 0.5, text, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.set_text_color(*INK)

    @contextmanager
    def column(self, x: float, width: float, top: float) -> Iterator[None]:
        """Draw the block's sections in a column from ``top``: every section lays out
        between the margins, so narrowing them makes a column."""
        left, right = self.l_margin, self.r_margin
        self.set_left_margin(x)
        self.set_right_margin(self.w - x - width)
        self.set_xy(x, top)
        try:
            yield
        finally:
            self.set_left_margin(left)
            self.set_right_margin(right)

    def heading(self, text: str) -> None:
        if self.get_y() > self.h - 30:
            self.add_page()
        self.ln(1.5)
        self.text_line(text, 10.5, bold=True, colour=ACCENT, h=5.5)
        self.set_draw_color(*ACCENT)
        self.line(self.l_margin, self.get_y(), self.w - self.r_margin, self.get_y())
        self.ln(1)

    def cell_text(
        self,
        w: float,
        h: float,
        text: str,
        align: str = "L",
        bold: bool = False,
        fill: bool = False,
    ) -> None:
        self.font(8, bold)
        shown = fit(text, w - 2, self.get_string_width)
        self.texts.append(text)
        self.cell(w, h, shown, align=align, fill=fill)

    def data_table(
        self,
        head: Sequence[str],
        rows: Sequence[Sequence[str]],
        widths: Sequence[float],
        numeric: Sequence[int] = (),
    ) -> None:
        """A compact table; long cells are cut to their width, and the widths shrink in
        proportion when the table is wider than the space between the margins."""
        h = 4.4
        room = self.w - self.l_margin - self.r_margin
        if sum(widths) > room:
            widths = [w * room / sum(widths) for w in widths]
        if self.get_y() + h * (len(rows) + 1) > self.h - 12 and len(rows) < 12:
            self.add_page()
        self.set_fill_color(240, 253, 250)
        for i, (label, w) in enumerate(zip(head, widths, strict=True)):
            self.cell_text(w, h, label, "R" if i in numeric else "L", bold=True, fill=True)
        self.ln(h)
        for row in rows:
            for i, (value, w) in enumerate(zip(row, widths, strict=True)):
                self.cell_text(w, h, value, "R" if i in numeric else "L")
            self.ln(h)
            self.set_draw_color(229, 231, 235)
            self.line(self.l_margin, self.get_y(), self.l_margin + sum(widths), self.get_y())
        self.ln(1)


def build_pdf(report: dict[str, Any], lang: str, font: str | None = None) -> ReportPDF:
    """The laid-out document, before output (tests read its ``texts``)."""
    tx.check_lang(lang)
    pdf = ReportPDF(find_font(font))
    pdf.set_title(tx.t("report.title", lang))
    pdf.set_lang(lang)
    pdf.add_page()
    pdf_more.draw(pdf, report, lang)
    return pdf


def render_pdf(report: dict[str, Any], lang: str, font: str | None = None) -> bytes:
    """The report (the documented JSON dict) as PDF bytes in ``lang``; ``font`` is the
    setting ISANHUB_REPORT_FONT (a .ttf path) or None to look in the system's fonts."""
    return bytes(build_pdf(report, lang, font).output())
