"""Building blocks of the HTML report: escaping, tables, sections, the page's CSS.

Everything that comes from the data passes through :func:`esc` here, once: product
titles, shop names and creator handles are typed by sellers and must never become
markup. Tables take plain text cells and escape them themselves, so a section cannot
forget to.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from html import escape
from typing import Any

from isanhub.insight.commerce import texts as tx

FONTS = '"Sarabun", "Noto Sans Thai", "Loma", "Garuda", "Tahoma", sans-serif'

CSS = f"""
@page {{ size: A4; margin: 12mm; }}
* {{ box-sizing: border-box; }}
body {{ font-family: {FONTS}; color: #1f2937; margin: 0 auto; max-width: 190mm;
  font-size: 10.5pt; line-height: 1.45; padding: 8mm 0; }}
h1 {{ font-size: 18pt; margin: 0; }}
h2 {{ font-size: 13pt; margin: 14pt 0 4pt; border-bottom: 2px solid #0f766e;
  padding-bottom: 2pt; break-after: avoid; }}
h3 {{ font-size: 11pt; margin: 8pt 0 3pt; break-after: avoid; }}
header p {{ margin: 2pt 0; color: #4b5563; }}
table {{ border-collapse: collapse; width: 100%; margin: 3pt 0 6pt; font-size: 9.5pt; }}
th, td {{ text-align: left; padding: 2pt 5pt; border-bottom: 1px solid #e5e7eb;
  vertical-align: top; }}
thead th {{ background: #f0fdfa; }}
td.num, th.num {{ text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }}
.note, .empty {{ color: #6b7280; font-size: 9pt; margin: 2pt 0; }}
.empty {{ font-style: italic; }}
#advice ol {{ margin: 4pt 0; padding-left: 16pt; }}
#advice li {{ margin: 2pt 0; }}
#advice {{ background: #f0fdfa; padding: 2pt 8pt 6pt; border-radius: 4pt; }}
.charts {{ display: flex; flex-wrap: wrap; gap: 8pt; }}
svg.chart {{ max-width: 100%; height: auto; font-family: {FONTS}; }}
ul.words {{ list-style: none; padding: 0; margin: 2pt 0; }}
ul.words li {{ display: inline-block; margin: 0 4pt 3pt 0; padding: 0 5pt;
  background: #f3f4f6; border-radius: 3pt; }}
section {{ break-inside: auto; }}
table, svg, figure {{ break-inside: avoid; }}
figure {{ margin: 4pt 0; }}
footer {{ margin-top: 12pt; color: #6b7280; font-size: 8.5pt; }}
@media print {{
  body {{ padding: 0; font-size: 9.5pt; max-width: none; }}
  #advice {{ background: none; border: 1px solid #0f766e; }}
  a {{ color: inherit; text-decoration: none; }}
}}
"""


def esc(value: Any) -> str:
    """Text for HTML: escaped, with ``None`` as a dash."""
    return escape(tx.DASH if value is None else str(value), quote=True)


def p(text: str, cls: str = "note") -> str:
    return f'<p class="{cls}">{esc(text)}</p>'


def empty(lang: str) -> str:
    return p(tx.t("report.no_data", lang), "empty")


def h3(text: str) -> str:
    return f"<h3>{esc(text)}</h3>"


def section(key: str, lang: str, parts: Iterable[str]) -> str:
    """One ``<section>`` with its ``<h2>``; with no part at all it says there is no data."""
    body = [x for x in parts if x]
    ident = f"{key}-h"
    return (
        f'<section id="{key}" aria-labelledby="{ident}">'
        f'<h2 id="{ident}">{esc(tx.t(f"section.{key}", lang))}</h2>'
        + ("".join(body) if body else empty(lang))
        + "</section>"
    )


def table(
    head: Sequence[str],
    rows: Iterable[Sequence[Any]],
    numeric: Iterable[int] = (),
    caption: str | None = None,
) -> str:
    """A data table of plain-text cells; the first cell of a row is its ``<th scope=row>``."""
    nums = set(numeric)

    def cls(i: int) -> str:
        return ' class="num"' if i in nums else ""

    out = ["<table>"]
    if caption:
        out.append(f'<caption class="note">{esc(caption)}</caption>')
    out.append("<thead><tr>")
    out += [f'<th scope="col"{cls(i)}>{esc(h)}</th>' for i, h in enumerate(head)]
    out.append("</tr></thead><tbody>")
    for row in rows:
        out.append("<tr>")
        for i, cell in enumerate(row):
            tag = 'th scope="row"' if i == 0 else "td"
            out.append(f"<{tag}{cls(i)}>{esc(cell)}</{tag.split()[0]}>")
        out.append("</tr>")
    out.append("</tbody></table>")
    return "".join(out)


def words(items: Iterable[str]) -> str:
    """Words as small inline chips."""
    cells = "".join(f"<li>{esc(w)}</li>" for w in items)
    return f'<ul class="words">{cells}</ul>' if cells else ""


def figure(svg: str) -> str:
    return f"<figure>{svg}</figure>"
