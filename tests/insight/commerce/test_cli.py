"""``isanhub seller import|report`` as a seller runs it: files in, JSON, HTML and PDF out,
with the exit statuses the help promises."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from ingest.sellers import to_csv
from isanhub.cli import main

from .test_api import orders
from .test_import import TEMPLATE, template_row


def seller(tmp_path: Path, *args: str) -> int:
    return main(
        ["seller", *args, "--db", f"sqlite:///{tmp_path / 'hub.db'}", "--lake", str(tmp_path)]
    )


@pytest.fixture
def shop(tmp_path: Path) -> Path:
    path = tmp_path / "orders.csv"
    path.write_bytes(to_csv(TEMPLATE, orders()))
    assert seller(tmp_path, "import", str(path), "--shop", "silk1", "--name", "ร้านไหม",
                  "--province", "ขอนแก่น", "--district", "ชนบท", "-q") == 0  # fmt: skip
    return path


def test_import_then_report_as_json(
    tmp_path: Path, shop: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    capsys.readouterr()
    assert seller(tmp_path, "import", str(shop), "--shop", "silk1", "--json") == 0
    again = json.loads(capsys.readouterr().out)
    assert again["files"][0]["status"] == "duplicate"
    assert seller(tmp_path, "report", "--shop", "silk1", "--format", "json") == 0
    report = json.loads(capsys.readouterr().out)
    assert report["shop"] == {"tenant": "", "id": "silk1", "name": "ร้านไหม"}
    assert report["lines"] == 16 and report["period"] == {"from": "2026-11-01", "to": "2026-11-05"}
    rows = {r["channel"]: r for r in report["channels"]["rows"]}
    assert rows["line"]["gmv"] == 5 * 2200.0 and rows["facebook"]["orders"] == 10
    assert rows["facebook"]["cancelledOrders"] == 1
    assert report["advice"] and all(a["text"] for a in report["advice"])


def test_report_pages(tmp_path: Path, shop: Path) -> None:
    html = tmp_path / "r.html"
    assert seller(tmp_path, "report", "--shop", "silk1", "--format", "html", "-o", str(html)) == 0
    page = html.read_text(encoding="utf-8")
    assert '<html lang="th"' in page and "ร้านไหม" in page and "http" not in page
    english = tmp_path / "en.html"
    assert seller(tmp_path, "report", "--shop", "silk1", "--format", "html", "--lang", "en",
                  "-o", str(english)) == 0  # fmt: skip
    assert '<html lang="en"' in english.read_text(encoding="utf-8")
    from isanhub.insight.commerce.pdf import FontNotFoundError, find_font

    try:
        find_font()
    except FontNotFoundError:
        pytest.skip("no Thai font: install fonts-thai-tlwg (scripts/fonts)")
    pdf = tmp_path / "r.pdf"
    assert seller(tmp_path, "report", "--shop", "silk1", "--format", "pdf", "-o", str(pdf)) == 0
    assert pdf.read_bytes().startswith(b"%PDF")
    if shutil.which("pdftotext"):
        text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, check=True)
        assert "ร้านไหม" in text.stdout.decode()


def test_exit_statuses_and_messages(
    tmp_path: Path, shop: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_bytes(to_csv(TEMPLATE, [template_row("Z1", unit_price="abc")]))
    capsys.readouterr()
    assert seller(tmp_path, "import", str(bad), "--shop", "silk1") == 1
    out = capsys.readouterr().out
    assert "row 2" in out and "nothing from this file was saved" in out
    assert seller(tmp_path, "import", str(tmp_path / "none.csv"), "--shop", "silk1") == 2
    assert seller(tmp_path, "report", "--shop", "nobody") == 2
    assert "nobody" in capsys.readouterr().err
    assert seller(tmp_path, "import", str(shop), "--shop", "../up") == 2
    assert seller(tmp_path, "import", str(shop), "--shop", "s", "--province", "Atlantis") == 2
    assert "Atlantis" in capsys.readouterr().err


def test_help_explains_both_commands() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "isanhub.cli", "seller", "--help"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0
    assert "isanhub seller import" in done.stdout and "isanhub seller report" in done.stdout
    assert "ช่องทาง" in done.stdout


def test_the_example_files_of_the_docs_import_and_report(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    examples = Path(__file__).resolve().parents[3] / "examples" / "sellers"
    files = sorted(str(p) for p in examples.glob("*.csv"))
    assert len(files) == 2
    assert seller(tmp_path, "import", *files, "--shop", "demo-silk", "--province", "ขอนแก่น",
                  "--json") == 0  # fmt: skip
    out = json.loads(capsys.readouterr().out)
    assert [f["status"] for f in out["files"]] == ["imported", "imported"]
    assert {f["format"] for f in out["files"]} == {"shopee-en", "template-th"}
    assert seller(tmp_path, "report", "--shop", "demo-silk") == 0
    report = json.loads(capsys.readouterr().out)
    assert {r["channel"] for r in report["channels"]["rows"]} >= {"shopee", "facebook", "line"}
