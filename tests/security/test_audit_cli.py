"""``isanhub audit``: the audit log from the command line, on the database directly."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from city import PERSON_ID, REPORT_ID, B, city, who

from isanhub.cli import main


def test_the_cli_reads_the_log(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = f"sqlite:///{tmp_path / 'hub.db'}"
    with city(tmp_path, db) as c:
        officer = c.key("consumer", personal=True, purpose="disease surveillance")
        for eid in (PERSON_ID, REPORT_ID):
            assert c.client.get(f"{B}/entities/{eid}", headers=officer).status_code == 200
        officer_id = who(officer)
    capsys.readouterr()

    assert main(["audit", "--db", db, "--json"]) == 0
    records = json.loads(capsys.readouterr().out)
    assert [r["entities"] for r in records] == [[REPORT_ID], [PERSON_ID]]
    assert {r["who"] for r in records} == {officer_id}

    assert main(["audit", "--db", db, "--entity", PERSON_ID, "--tenant", "khonkaen"]) == 0
    out = capsys.readouterr().out
    assert officer_id in out and "disease surveillance" in out and PERSON_ID in out
    assert REPORT_ID not in out and "email" in out

    assert main(["audit", "--db", db, "--limit", "1"]) == 0
    assert "(1 of 2; --offset 1 for more)" in capsys.readouterr().out
    assert main(["audit", "--db", db, "--tenant", "phuket"]) == 0
    assert "no personal data was read in clear" in capsys.readouterr().out
    assert main(["audit", "--db", db, "--since", "last week"]) == 2
    assert "since must be an ISO 8601" in capsys.readouterr().err
