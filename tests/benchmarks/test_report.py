"""The benchmark report renders from pytest-benchmark JSON, with or without matplotlib."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from hyrox_schema.bench import report
from tests.benchmarks.throughput import MIX

RUN = Path(__file__).resolve().parents[2] / "reports" / "rls-benchmark.json"


def _with_throughput(tmp_path: Path) -> Path:
    """The committed run plus a throughput entry at S (N = 1, 2)."""
    document = json.loads(RUN.read_text(encoding="utf-8"))
    side = {
        "requests_per_s": 1000.0,
        "p50_ms": 0.5,
        "p95_ms": 1.0,
        "p99_ms": 2.0,
        "failed": 0,
        "load_average": 0.5,
    }
    per_n = {
        str(n): {
            "ours": side,
            "owner": {**side, "requests_per_s": 1250.0},
            "ours/owner requests_per_s": 0.8,
        }
        for n in (1, 2)
    }
    document["benchmarks"].append(
        {
            "extra_info": {
                "scale": "S",
                "kind": "throughput",
                "throughput": {
                    "mix": MIX,
                    "seconds_per_run": 5,
                    "repeats": 2,
                    "connections": per_n,
                },
            },
            "stats": {},
        }
    )
    path = tmp_path / "run.json"
    path.write_text(json.dumps(document), encoding="utf-8")
    return path


@pytest.mark.slow
def test_report_draws_every_chart_with_matplotlib(tmp_path: Path):
    """Per-scale variants, cost against dataset size and throughput charts, all linked."""
    pytest.importorskip("matplotlib")
    output = tmp_path / "out.md"
    assert report.main([str(_with_throughput(tmp_path)), "-o", str(output)]) == 0
    text = output.read_text(encoding="utf-8")
    for name in ("out-S.svg", "out-L.svg", "out-scale.svg", "out-throughput.svg"):
        assert (tmp_path / name).read_text(encoding="utf-8").lstrip().startswith("<?xml")
        assert f"]({name})" in text
    assert "| throughput: ours/owner >= 0.85 | S | requests/s | 0.80 | N = 1 | **missed** |" in text
    assert "## Cost against dataset size" in text


def test_report_without_matplotlib_skips_the_charts_and_says_so(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
):
    """Without the bench extra the Markdown is still written, naming how to get the charts."""
    monkeypatch.setattr(report, "pyplot", lambda: None)
    output = tmp_path / "out.md"
    assert report.main([str(_with_throughput(tmp_path)), "-o", str(output)]) == 0
    assert "charts skipped" in capsys.readouterr().out
    assert list(tmp_path.glob("*.svg")) == []
    assert "pip install -e '.[bench]'" in output.read_text(encoding="utf-8")
