"""``isanhub import`` as a user runs it: exit codes, the summary, the JSON report."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import orjson
import pytest

from isanhub.cli import main
from isanhub.ingest.readers import FORMATS
from isanhub.store.base import open_store

from .samples import AIR_CSV, AIR_MAPPING, SAMPLES, Sample

V = "https://uri.etsi.org/ngsi-ld/default-context/"


def _get(db: str, eid: str, tenant: str = "") -> Any:
    async def run() -> Any:
        store = open_store(db)
        await store.open()
        try:
            return await store.get(tenant, eid)
        except Exception:  # noqa: BLE001 - a tenant never written: no entity
            return None
        finally:
            await store.close()

    return asyncio.run(run())


def _files(tmp_path: Path, sample: Sample) -> list[str]:
    data = tmp_path / sample.name
    data.write_bytes(sample.data)
    args = [str(data)]
    if sample.mapping is not None:
        mapping = tmp_path / "mapping.toml"
        mapping.write_text(sample.mapping)
        args += ["--mapping", str(mapping)]
    return args


@pytest.mark.parametrize("sample", SAMPLES, ids=[s.fmt for s in SAMPLES])
def test_every_format_imports_from_the_command_line(
    sample: Sample, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = f"sqlite:///{tmp_path / 'hub.db'}"
    args = ["import", *_files(tmp_path, sample), "--db", db, "--tenant", "khonkaen"]
    assert main([*args, "--dry-run"]) == 0
    assert "dry run: nothing written" in capsys.readouterr().out
    assert _get(db, sample.entity_id, "khonkaen") is None
    assert main(args) == 0
    out, err = capsys.readouterr()
    assert "นำเข้าแล้ว / imported" in out and "1 entities created" in out
    assert err == ""  # no progress bar when stderr is not a terminal
    entity = _get(db, sample.entity_id, "khonkaen")
    (latest,) = entity["attrs"][V + sample.attr]
    assert latest["value"] == sample.current
    # again, as JSON: the same entity is now updated, not created
    assert main([*args, "--json"]) == 0
    report = orjson.loads(capsys.readouterr().out)
    assert report["status"] == "imported" and report["format"] == sample.fmt
    assert report["entities"] == {"created": 0, "updated": 1}
    assert report["instances"] == sample.instances


def test_one_bad_file_stops_every_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "m.toml").write_text(AIR_MAPPING)
    (tmp_path / "good.csv").write_text(AIR_CSV)
    (tmp_path / "bad.csv").write_text(AIR_CSV.replace("28.5", "twenty"))
    db = f"sqlite:///{tmp_path / 'hub.db'}"
    files = [str(tmp_path / "good.csv"), str(tmp_path / "bad.csv")]
    assert main(["import", *files, "-m", str(tmp_path / "m.toml"), "--db", db]) == 1
    out = capsys.readouterr().out
    assert "bad.csv: ไม่รับไฟล์ ไม่ได้บันทึกอะไร / rejected: nothing written" in out
    assert "line 4, column 'pm25', value 'twenty': not a number" in out
    assert _get(db, "urn:ngsi-ld:AirQualityObserved:KKN-01") is None  # good.csv neither
    assert main(["import", *files, "-m", str(tmp_path / "m.toml"), "--db", db, "--json"]) == 1
    reports = orjson.loads(capsys.readouterr().out)
    assert [r["status"] for r in reports] == ["dry-run", "rejected"]


def test_usage_errors_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "a.csv").write_text(AIR_CSV)
    (tmp_path / "bad.toml").write_text('type = "X"\n[attributes]\npm25 = { type = "float" }\n')
    db = f"sqlite:///{tmp_path / 'hub.db'}"
    assert (
        main(["import", str(tmp_path / "a.csv"), "-m", str(tmp_path / "bad.toml"), "--db", db]) == 2
    )
    assert "bad.toml: attributes.pm25.type: 'float' is not one of" in capsys.readouterr().err
    assert main(["import", str(tmp_path / "missing.csv"), "--db", db]) == 2
    assert "no such file" in capsys.readouterr().err
    assert main(["import", str(tmp_path / "a.csv"), "--db", db]) == 2  # a table needs a mapping
    assert "type is required; id is required" in capsys.readouterr().err
    with pytest.raises(SystemExit) as exc:
        main(["import", str(tmp_path / "a.csv"), "--format", "pdf"])
    assert exc.value.code == 2


def test_a_remote_context_is_refused_offline_with_what_to_do(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    entity = {
        "id": "urn:ngsi-ld:Shop:1",
        "type": "Shop",
        "@context": "https://example.org/c.jsonld",
    }
    (tmp_path / "e.jsonld").write_bytes(orjson.dumps([entity]))
    db = f"sqlite:///{tmp_path / 'hub.db'}"
    assert main(["import", str(tmp_path / "e.jsonld"), "--db", db]) == 1
    out = capsys.readouterr().out
    assert "works offline" in out and "POST /ngsi-ld/v1/jsonldContexts" in out


def test_the_format_choices_are_the_readers() -> None:
    from isanhub.cli import build_parser

    args = build_parser().parse_args(["import", "x", "--format", "geojson"])
    assert args.format == "geojson" and set(FORMATS) == {"csv", "xlsx", "geojson", "ngsild"}


def test_the_progress_bar_counts_bytes_while_checking_then_rows(
    capsys: pytest.CaptureFixture[str],
) -> None:
    from isanhub.ingest.cli import Bar

    bar = Bar("air.csv", enabled=True)
    bar.phase("check", 2_000_000, "B")
    bar.update(1_000_000)
    assert (bar.bar.n, bar.bar.total, bar.bar.unit) == (1_000_000, 2_000_000, "B")
    bar.close()
    bar.phase("write", 10, "rows")
    bar.update(4)
    bar.update(10)  # absolute counts: the bar moves by the difference
    assert (bar.bar.n, bar.bar.unit) == (10, " rows")
    bar.close()
    err = capsys.readouterr().err
    assert "air.csv ตรวจ/check" in err and "air.csv บันทึก/write" in err
    Bar("air.csv", enabled=False).phase("check", 1, "B")  # --quiet, or not a terminal
    assert capsys.readouterr().err == ""
