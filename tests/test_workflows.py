"""The GitHub Actions gate itself: actionlint-clean, and shaped as README "CI" says.

A broken workflow must not land: actionlint (with ShellCheck on every ``run:`` script) runs
here, in the default suite, and a missing binary fails the test instead of skipping it. The
structural tests pin what the gate promises: which jobs run, on which servers, for which
changes, and that every job goes through ``.ci/run`` (so its local equivalent is exact).
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import tomllib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

REPO_ROOT = Path(__file__).resolve().parents[1]
WORKFLOWS = REPO_ROOT / ".github" / "workflows"
CI = WORKFLOWS / "ci.yml"
BENCHMARK = WORKFLOWS / "benchmark.yml"
# Console entry points of the installed package (pyproject [project.scripts]).
BIN = Path(sys.executable).parent
MUTANTS = WORKFLOWS / "mutants.yml"

# Every input of the suite: a change to any of them must run the gate.
SUITE_INPUTS = [
    "migrations/**",
    "seeds/**",
    "contract/**",
    "tests/**",
    "factories/**",
    "docs/**",
    "conftest.py",
    "pyproject.toml",
    ".sqlfluff",
    ".squawk.toml",
    ".squawk-001.toml",
    ".ci/**",
    ".github/workflows/**",
    "hyrox_schema/**",
]

SUPABASE_IMAGE = re.compile(r"^supabase/postgres:(?P<major>\d+)\.\d+\.\d+\.\d+$")

Workflow = dict[str, Any]


def tool(name: str) -> str:
    """Path of a binary the test extra installs: beside this Python first, then on PATH."""
    beside = Path(sys.executable).parent / name
    found = str(beside) if beside.is_file() else shutil.which(name)
    if found is None:
        pytest.fail(f"{name} not found: install the test extra (pip install -e '.[test]')")
    return found


def actionlint(*files: Path) -> subprocess.CompletedProcess[str]:
    """Run actionlint as .ci/run does (ShellCheck from the wheel, no pyflakes) on ``files``."""
    return subprocess.run(
        [
            tool("actionlint"),
            "-no-color",
            "-oneline",
            f"-shellcheck={tool('shellcheck')}",
            "-pyflakes=",
            *map(str, files),
        ],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def load(path: Path) -> Workflow:
    """A workflow file as data."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert isinstance(data, dict), f"{path} is not a YAML mapping"
    return data


def triggers(workflow: Workflow) -> dict[str, Any]:
    """The ``on:`` section (YAML 1.1 reads the bare key ``on`` as True)."""
    section = workflow.get("on", workflow.get(True))
    assert isinstance(section, dict), "the workflow's `on:` must be a mapping"
    return section


def run_steps(job: dict[str, Any]) -> list[dict[str, Any]]:
    """The job's steps that run a shell script."""
    return [step for step in job.get("steps", []) if "run" in step]


def stages_of(job: dict[str, Any]) -> set[str]:
    """The .ci/run stages a job runs (HYROX_CI_STAGES of its .ci/run step; default lint+test)."""
    stages: set[str] = set()
    for step in run_steps(job):
        if "bash .ci/run" in step["run"]:
            env = {**job.get("env", {}), **step.get("env", {})}
            stages |= set(str(env.get("HYROX_CI_STAGES", "lint test")).split())
    return stages


@pytest.fixture(scope="module")
def ci() -> Workflow:
    """.github/workflows/ci.yml."""
    return load(CI)


@pytest.fixture(scope="module")
def bench_workflow() -> Workflow:
    """.github/workflows/benchmark.yml (not named `benchmark`: pytest-benchmark's fixture)."""
    return load(BENCHMARK)


def all_jobs() -> Iterator[tuple[str, str, dict[str, Any]]]:
    """(file name, job id, job) of every workflow."""
    for path in sorted(WORKFLOWS.glob("*.y*ml")):
        for job_id, job in load(path)["jobs"].items():
            yield path.name, job_id, job


# --------------------------------------------------------------------------- actionlint


def test_actionlint_finds_nothing_in_the_workflows():
    """actionlint (with ShellCheck) is clean on every workflow file."""
    files = sorted(WORKFLOWS.glob("*.y*ml"))
    assert {CI, BENCHMARK} <= set(files)
    result = actionlint(*files)
    assert result.returncode == 0, result.stdout + result.stderr


BROKEN_WORKFLOW = """\
name: broken
on:
  pull_request:
    branch: [main]
jobs:
  test:
    runs-on: ubuntu-24.04
    steps:
      - run: echo "${{ matrix.python }}"
      - run: rm -rf $DIR/*
"""


@pytest.fixture(scope="module")
def broken_findings(tmp_path_factory: pytest.TempPathFactory) -> subprocess.CompletedProcess[str]:
    """actionlint's verdict on a workflow with three known mistakes."""
    path = tmp_path_factory.mktemp("workflows") / "broken.yml"
    path.write_text(BROKEN_WORKFLOW, encoding="utf-8")
    return actionlint(path)


@pytest.mark.parametrize(
    "finding",
    [
        'unexpected key "branch" for "pull_request" section',
        'property "python" is not defined',
        "SC2086",
    ],
    ids=["syntax", "expression", "shellcheck"],
)
def test_actionlint_catches_a_broken_workflow(
    broken_findings: subprocess.CompletedProcess[str], finding: str
):
    """The check can fail: a syntax slip, a bad expression and a shell bug are each reported."""
    assert broken_findings.returncode == 1
    assert finding in broken_findings.stdout


# --------------------------------------------------------------------------- ci.yml


def test_ci_runs_on_pull_requests_and_pushes_to_main_touching_any_suite_input(ci: Workflow):
    """PRs and pushes to main that touch the migration, tests, factories, ... run the gate."""
    on = triggers(ci)
    assert on["push"]["branches"] == ["main"]
    assert on["pull_request"]["paths"] == on["push"]["paths"]
    assert set(SUITE_INPUTS) <= set(on["pull_request"]["paths"])


@pytest.mark.parametrize("pattern", SUITE_INPUTS)
def test_ci_path_filters_name_existing_files(pattern: str):
    """Each path filter matches something in the repository (a typo would never trigger)."""
    assert any(REPO_ROOT.glob(pattern.removesuffix("/**")))


def test_ci_has_the_lint_embedded_and_supabase_jobs(ci: Workflow):
    """Lint, the suite on the embedded engine and the suite on real Supabase Postgres."""
    jobs = ci["jobs"]
    assert set(jobs) == {"lint", "embedded", "supabase"}
    assert stages_of(jobs["lint"]) == {"lint"}
    assert stages_of(jobs["embedded"]) == {"test"}
    assert stages_of(jobs["supabase"]) == {"test"}


def test_pull_requests_get_the_schema_change_in_the_job_summary(ci: Workflow):
    """On a PR the lint job writes the contract diff summary against the base commit."""
    steps = [s for s in run_steps(ci["jobs"]["lint"]) if "hyrox-contract summary" in s["run"]]
    assert len(steps) == 1
    (step,) = steps
    assert step["if"] == "github.event_name == 'pull_request'"
    assert step["env"]["BASE_SHA"] == "${{ github.event.pull_request.base.sha }}"
    assert 'git fetch --no-tags --depth=1 origin "$BASE_SHA"' in step["run"]
    assert '--base "$BASE_SHA" >> "$GITHUB_STEP_SUMMARY"' in step["run"]
    # the rows each declared data change touches are measured (hyrox_schema/contract/rows.py)
    assert "summary --rows" in step["run"]
    assert '--constraint .ci/constraints.txt -e ".[test]"' in step["run"]


def test_embedded_job_runs_every_engine_and_both_pythons(ci: Workflow):
    """The whole suite on PostgreSQL 15, 17 and 18 (issue 16), and on both supported
    Pythons; each job hands its engine to .ci/run."""
    job = ci["jobs"]["embedded"]
    matrix = job["strategy"]["matrix"]
    cells = {(e, p) for e in matrix["engine"] for p in matrix["python"]}
    cells |= {(i["engine"], i["python"]) for i in matrix.get("include", [])}
    assert {e for e, _ in cells} == {"15", "17", "18"}
    assert {p for _, p in cells} == {"3.11", "3.12"}
    assert job["strategy"]["fail-fast"] is False
    (step,) = [s for s in run_steps(job) if ".ci/run" in s["run"]]
    assert step["env"]["HYROX_CI_ENGINES"] == "${{ matrix.engine }}"


def test_supabase_job_runs_one_15x_and_one_17x_image(ci: Workflow):
    """The real supabase/postgres images, pinned to full tags: one PG 15.x and one PG 17.x."""
    job = ci["jobs"]["supabase"]
    images = [entry["image"] for entry in job["strategy"]["matrix"]["include"]]
    majors = []
    for image in images:
        match = SUPABASE_IMAGE.match(image)
        assert match, f"{image!r} is not a pinned supabase/postgres tag"
        majors.append(match["major"])
    assert sorted(majors) == ["15", "17"]
    assert job["services"]["postgres"]["image"] == "${{ matrix.image }}"


def test_supabase_job_tests_as_postgres_with_the_superuser_named_apart(ci: Workflow):
    """HYROX_TEST_DSN is the non-superuser postgres, as migrations run on Supabase; the
    image's superuser supabase_admin comes only through HYROX_TEST_SUPERUSER_DSN."""
    job = ci["jobs"]["supabase"]
    service = job["services"]["postgres"]
    host_port = service["ports"][0].split(":")[0]
    password = service["env"]["POSTGRES_PASSWORD"]
    server = f"{password}@localhost:{host_port}/postgres"
    assert job["env"]["HYROX_TEST_DSN"] == f"postgresql://postgres:{server}"
    assert job["env"]["HYROX_TEST_SUPERUSER_DSN"] == f"postgresql://supabase_admin:{server}"
    assert "--health-cmd" in service["options"]


def test_ci_cancels_superseded_pull_request_runs(ci: Workflow):
    """One run per PR (or ref) at a time; a new push to a PR cancels the old run."""
    concurrency = ci["concurrency"]
    assert "github.workflow" in concurrency["group"]
    assert "github.event.pull_request.number" in concurrency["group"]
    assert concurrency["cancel-in-progress"] == "${{ github.event_name == 'pull_request' }}"


@pytest.mark.parametrize("job_id", ["embedded", "supabase"])
def test_test_jobs_summarise_failures_and_upload_the_postgres_log(ci: Workflow, job_id: str):
    """On failure: the broken tests in the job summary, the PostgreSQL log as an artifact."""
    job = ci["jobs"][job_id]
    on_failure = [step for step in job["steps"] if step.get("if") == "failure()"]
    # the module, not the entry point: the step runs when the install may have failed
    assert any("python -m hyrox_schema.junit_summary" in step.get("run", "") for step in on_failure)
    uploads = [step for step in on_failure if "upload-artifact" in step.get("uses", "")]
    assert uploads
    assert uploads[0]["with"]["path"] == "${{ env.REPORTS }}/"
    test_step = next(step for step in run_steps(job) if "bash .ci/run" in step["run"])
    assert '--junitxml="$REPORTS/junit.xml"' in test_step["run"]
    if job_id == "embedded":
        assert test_step["env"]["HYROX_PG_LOG_DIR"] == "${{ env.REPORTS }}"
    else:
        assert any("docker logs" in step.get("run", "") for step in on_failure)


# --------------------------------------------------------------------------- benchmark.yml


def test_benchmark_runs_on_label_dispatch_and_schedule(bench_workflow: Workflow):
    """The benchmark runs on a PR labelled "benchmark", by hand, and on a schedule."""
    on = triggers(bench_workflow)
    assert "labeled" in on["pull_request"]["types"]
    assert "workflow_dispatch" in on
    assert on["schedule"]
    job = bench_workflow["jobs"]["benchmark"]
    assert "contains(github.event.pull_request.labels.*.name, 'benchmark')" in job["if"]
    assert stages_of(job) == {"benchmark"}


def test_benchmark_compares_with_the_last_main_run_and_fails_on_a_threshold(
    bench_workflow: Workflow,
):
    """Baseline restored from main's cache, the thresholds set, this run saved on main."""
    env = bench_workflow["env"]
    assert re.fullmatch(r"(min|median):\d+%", env["HYROX_BENCH_FAIL"])
    assert 0 < float(env["HYROX_BENCH_RATIO_FAIL"]) <= 50
    steps = bench_workflow["jobs"]["benchmark"]["steps"]
    restore = next(step for step in steps if "cache/restore" in step.get("uses", ""))
    save = next(step for step in steps if "cache/save" in step.get("uses", ""))
    assert restore["with"]["restore-keys"].startswith("rls-benchmark-main-")
    assert save["with"]["key"] == restore["with"]["key"]
    assert "github.ref == 'refs/heads/main'" in save["if"]
    uploads = [step for step in steps if "upload-artifact" in step.get("uses", "")]
    assert uploads
    assert uploads[0]["with"]["path"] == "${{ env.REPORTS }}/"


def test_benchmark_stage_installs_the_bench_extra_for_the_charts():
    """.ci/run's benchmark stage installs the `bench` extra (matplotlib, version-bounded),
    so the report in the job summary has its charts; the default install stays lean."""
    project = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    extras = project["project"]["optional-dependencies"]
    assert [re.match(r"matplotlib>=[\d.]+,<\d+$", dep) is not None for dep in extras["bench"]] == [
        True
    ]
    assert not any(dep.startswith("matplotlib") for dep in extras["test"])
    assert project["project"]["dependencies"] == []
    ci_run = (REPO_ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert (
        """[[ " $stages " == *" benchmark "* ]] && extras="${extras:+$extras,}bench\"""" in ci_run
    )


# --------------------------------------------------------------------------- mutants.yml


def test_mutation_run_is_weekly_and_by_hand_in_shards_then_merged():
    """mutants.yml: weekly + dispatch; a matrix of shards, each `.ci/run` stage `mutants` with
    its k/N (N the matrix size), uploading its JSON; one merge job (stage `mutants-merge`)
    after all of them, writing the report into its job summary and an artifact."""
    workflow = load(MUTANTS)
    on = triggers(workflow)
    assert on["schedule"]
    assert "workflow_dispatch" in on
    shard, merge = workflow["jobs"]["shard"], workflow["jobs"]["merge"]
    assert stages_of(shard) == {"mutants"}
    assert len(shard["strategy"]["matrix"]["shard"]) >= 2
    assert shard["strategy"]["fail-fast"] is False
    (step,) = [s for s in run_steps(shard) if "bash .ci/run" in s["run"]]
    assert step["env"]["HYROX_MUTANT_SHARD"] == "${{ matrix.shard }}/${{ strategy.job-total }}"
    assert any("upload-artifact" in s.get("uses", "") for s in shard["steps"])
    assert merge["needs"] == "shard"
    assert merge["if"] == "${{ !cancelled() }}"
    assert stages_of(merge) == {"mutants-merge"}
    downloads = [s for s in merge["steps"] if "download-artifact" in s.get("uses", "")]
    assert downloads
    assert downloads[0]["with"]["pattern"] == "mutants-shard-*"
    assert any('mutants.md" >> "$GITHUB_STEP_SUMMARY"' in s["run"] for s in run_steps(merge))
    assert any("upload-artifact" in s.get("uses", "") for s in merge["steps"])


def test_ci_run_has_the_mutation_stages():
    """.ci/run knows the `mutants` stage (one shard, HYROX_MUTANT_SHARD) and `mutants-merge`."""
    script = (REPO_ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert "lint | test | benchmark | mutants | mutants-merge) ;;" in script
    assert 'hyrox-mutants run --shard "$shard"' in script
    assert 'hyrox-mutants merge "${found[@]}" -o "$reports/mutants.md"' in script


# --------------------------------------------------------------------------- every job


@pytest.mark.parametrize(
    ("workflow", "job_id", "job"), list(all_jobs()), ids=[f"{w}:{j}" for w, j, _ in all_jobs()]
)
def test_every_job_is_named_bounded_cached_and_runs_ci_run(
    workflow: str, job_id: str, job: dict[str, Any]
):
    """Readable name, a timeout, pip caching keyed by the lock, and `.ci/run` as the command."""
    assert job.get("name"), f"{workflow}:{job_id} has no readable name"
    assert job.get("timeout-minutes"), f"{workflow}:{job_id} has no timeout"
    setups = [step for step in job["steps"] if "setup-python" in step.get("uses", "")]
    assert setups, f"{workflow}:{job_id} does not set up Python"
    assert setups[0]["with"]["cache"] == "pip"
    assert setups[0]["with"]["cache-dependency-path"] == ".ci/constraints.txt"
    assert stages_of(job), f"{workflow}:{job_id} does not run .ci/run"


@pytest.mark.parametrize("path", [CI, BENCHMARK, MUTANTS], ids=lambda path: path.name)
def test_every_workflow_has_a_concurrency_group_and_read_only_token(path: Path):
    """Concurrency per workflow and ref; the token can only read the repository."""
    workflow = load(path)
    assert "github.workflow" in workflow["concurrency"]["group"]
    assert workflow["permissions"] == {"contents": "read"}


# --------------------------------------------------------------------------- failure summary

JUNIT = """\
<?xml version="1.0" encoding="utf-8"?>
<testsuites><testsuite name="pytest" errors="1" failures="1" skipped="0" tests="3">
<testcase classname="tests.rls.test_anon" name="test_ok" time="0.01"/>
<testcase classname="tests.rls.test_anon" name="test_denied[insert|goals]" time="0.01">
<failure message="AssertionError: anon wrote a row&#10;assert 1 == 0">trace</failure>
</testcase>
<testcase classname="tests.test_migration.TestRerun" name="test_guard" time="0.01">
<error message="failed on setup with &quot;OperationalError: no server&quot;">trace</error>
</testcase>
</testsuite></testsuites>
"""


def test_failure_summary_names_each_broken_test(tmp_path: Path):
    """The JUnit summary lists the failed and errored tests (and only those) by node id; it
    runs from the checkout with nothing installed (``-S``: no site-packages), as the workflow's
    failure step runs it."""
    report = tmp_path / "junit.xml"
    report.write_text(JUNIT, encoding="utf-8")
    summary = tmp_path / "summary.md"
    result = subprocess.run(
        [sys.executable, "-S", "-m", "hyrox_schema.junit_summary", str(report)],
        env={"GITHUB_STEP_SUMMARY": str(summary)},
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    text = summary.read_text(encoding="utf-8")
    assert "`tests/rls/test_anon.py::test_denied[insert\\|goals]` | failed" in text
    assert "AssertionError: anon wrote a row |" in text
    assert "`tests/test_migration.py::TestRerun::test_guard` | error" in text
    assert "test_ok" not in text
    annotations = result.stdout.splitlines()
    assert len(annotations) == 2
    assert all(line.startswith("::error title=tests/") for line in annotations)


# --------------------------------------------------------------------------- benchmark ratios


def bench_json(path: Path, ratios: dict[str, float]) -> Path:
    """A pytest-benchmark JSON with the paired server-side a/b of each family (scale S)."""
    benchmarks = [
        {
            "extra_info": {
                "scale": "S",
                "family": family,
                "variant": variant,
                "paired_ratios": {"server": {"a/b": ratio}} if variant == "ours" else {},
            }
        }
        for family, ratio in ratios.items()
        for variant in ("ours", "owner")
    ]
    path.write_text(json.dumps({"benchmarks": benchmarks}), encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("baseline", "current", "status", "expected"),
    [
        ({"today": 1.4, "plan_week": 1.5}, {"today": 1.5, "plan_week": 1.6}, 0, "| ok |"),
        (
            {"today": 1.4, "plan_week": 1.5},
            {"today": 1.5, "plan_week": 2.1},
            1,
            "RLS overhead regressed: plan_week @ S",
        ),
        ({}, {"today": 9.0}, 0, "nothing compared"),
        ({"today": 1.4}, {}, 1, "did the JSON layout change?"),
    ],
    ids=["within-threshold", "overhead-grew-40pct", "old-baseline-layout", "no-ratios-now"],
)
def test_bench_ratios_fails_when_the_rls_overhead_grows(
    tmp_path: Path,
    baseline: dict[str, float],
    current: dict[str, float],
    status: int,
    expected: str,
):
    """hyrox-bench-ratios fails when a/b grows past the threshold, and only then."""
    result = subprocess.run(
        [
            str(BIN / "hyrox-bench-ratios"),
            str(bench_json(tmp_path / "baseline.json", baseline)),
            str(bench_json(tmp_path / "current.json", current)),
            "--max-increase",
            "25",
        ],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        cwd=tmp_path,
    )
    assert result.returncode == status, result.stdout + result.stderr
    assert expected in result.stdout


# --------------------------------------------------------------------------- code owners

CODEOWNERS = REPO_ROOT / ".github" / "CODEOWNERS"
SCHEMA_OWNERS = "@hyrox/schema-owners"


def code_owners(path: str) -> list[str]:
    """The owners CODEOWNERS gives ``path`` (the last matching rule wins, as on GitHub; only
    the anchored ``/file`` and ``/folder/`` forms this repository uses)."""
    owners: list[str] = []
    for line in CODEOWNERS.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        pattern, *names = line.split()
        assert pattern.startswith("/"), f"CODEOWNERS: anchor {pattern} with a leading /"
        rule = pattern.removeprefix("/")
        if path == rule or (rule.endswith("/") and path.startswith(rule)):
            owners = names
    return owners


def routed_paths() -> list[str]:
    """What the schema owners must review: every weakening's file (REGISTRIES in
    hyrox_schema/contract/weakenings.py), the schema, its rule sets, and the gate and summary
    code."""
    from hyrox_schema.contract import weakenings

    return sorted(
        {
            "migrations/001_complete_schema.sql",
            "migrations/released.toml",
            "contract/external.txt",
            *weakenings.RULE_SETS,
            ".sqlfluff",
            *(r + "__init__.py" if r.endswith("/") else r for r in weakenings.REGISTRIES),
            "hyrox_schema/contract/summary.py",
            "hyrox_schema/contract/weakenings.py",
            "hyrox_schema/contract/rows.py",
            "hyrox_schema/hatches.py",
            "hyrox_schema/upgrade.py",
            "tests/support/upgrade_fill.py",
            "tests/test_weakenings.py",
            ".github/CODEOWNERS",
            ".github/workflows/ci.yml",
        }
    )


@pytest.mark.parametrize("path", routed_paths())
def test_codeowners_routes_every_weakening_file_to_the_schema_owners(path: str):
    """Each file that can weaken the schema or its expectations exists and needs the schema
    owners' review (branch protection requires code-owner review: README)."""
    assert (REPO_ROOT / path).is_file(), f"{path}: no such file; update routed_paths()"
    assert code_owners(path) == [SCHEMA_OWNERS], (
        f"{path}: .github/CODEOWNERS gives {code_owners(path)}; add `/{path} {SCHEMA_OWNERS}`"
    )


def test_codeowners_leaves_other_files_alone():
    """The matcher is not vacuous: a file outside the routed paths has no owner."""
    assert code_owners("README.md") == []
    assert code_owners("tests/test_lock.py") == []
