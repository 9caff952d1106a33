"""Turn mutmut's results (mutants/) into benchmarks/mutation/RESULTS.md.

`make mutation` runs it after `mutmut run`; it can also be run alone from the repository root
(`.venv/bin/python benchmarks/mutation/report.py`) to redo the report from the results on disk.

The counts, the score and the survivor list come from mutmut's result files, nothing by hand.
What a person adds lives in benchmarks/mutation/survivors.yaml, keyed by mutant name:
`equivalent: <reason>` for a mutant no test can tell from the original, or `killed_by: <test
file>` for a survivor of an earlier run that a new test now kills (the report checks that it
is killed). A survivor with neither is listed as "not yet classified".

Score = detected / generated: a mutant is detected when a test fails on it (killed) or it runs
past its time limit (timeout: the mutant loops for ever). Survivors, mutants no test reaches
and mutants not yet run all count against the score; nothing is left out of the total.
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import subprocess
import sys
import tomllib
from collections import Counter
from importlib.metadata import version
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
DETECTED = ("killed", "timeout", "segfault")
COLUMNS = ("killed", "timeout", "survived", "no tests", "suspicious", "segfault", "not checked")


def _git(*args: str) -> str:
    out = subprocess.run(["git", *args], cwd=REPO, capture_output=True, text=True, check=False)
    return out.stdout.strip()


def _cpu() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def load_results(modules: list[str]) -> dict[str, dict[str, str]]:
    """{module path: {mutant name: status}} from mutmut's .meta files."""
    from mutmut.stats import status_by_exit_code

    out = {}
    for path in modules:
        meta = REPO / "mutants" / (path + ".meta")
        codes = json.loads(meta.read_text())["exit_code_by_key"] if meta.is_file() else {}
        out[path] = {name: status_by_exit_code[code] for name, code in sorted(codes.items())}
    return out


def mutant_diff(name: str, path: str) -> str:
    """The changed lines of a mutant (- original, + mutant), as mutmut shows them."""
    from mutmut.mutation.diff_apply import get_diff_for_mutant

    try:
        diff = get_diff_for_mutant(name, path=path)
    except Exception as exc:  # a diff is a convenience: never lose the report over it
        return f"(no diff: {exc})"
    lines = [ln for ln in diff.splitlines()
             if ln[:1] in "+-" and not ln.startswith(("+++", "---"))]
    return "\n".join(lines)


def score(counts: Counter) -> tuple[int, int, float]:
    detected = sum(counts[s] for s in DETECTED)
    total = sum(counts.values())
    return detected, total, (100.0 * detected / total if total else float("nan"))


def render(results, notes, seconds, jobs, note=None) -> str:
    cfg = tomllib.loads((REPO / "pyproject.toml").read_text())["tool"]["mutmut"]
    commit = _git("rev-parse", "--short=12", "HEAD")
    dirty = _git("status", "--porcelain", "--untracked-files=no")
    stats_file = REPO / "mutants" / "mutmut-stats.json"
    stats = json.loads(stats_file.read_text()) if stats_file.is_file() else {}
    n_tests = len(stats.get("duration_by_test", {}))

    lines = ["# Mutation testing of the core", "",
             "Written by `make mutation` (benchmarks/mutation/report.py); do not edit by hand. The reasons",
             "for equivalent mutants come from `benchmarks/mutation/survivors.yaml`.", "",
             f"- date: {dt.datetime.now(dt.timezone.utc):%Y-%m-%d %H:%M} UTC",
             f"- commit: {commit}{' (with uncommitted changes)' if dirty else ''}",
             f"- machine: {_cpu()}, {os.cpu_count()} cores, {platform.system()} {platform.release()}, "
             f"Python {platform.python_version()}",
             f"- tool: mutmut {version('mutmut')}" + (f", {jobs} workers" if jobs else ""),
             f"- wall time of `mutmut run`: {seconds / 60:.1f} min" if seconds else
             "- wall time of `mutmut run`: not measured (report redone from results on disk)",
             *([f"- note: {note}"] if note else []),
             f"- tests: {n_tests} tests selected by `pytest_add_cli_args_test_selection` in pyproject.toml "
             f"({' '.join(cfg.get('pytest_add_cli_args_test_selection', []))}); each mutant runs only the "
             "tests that reach its function",
             ""]

    everything = Counter()
    table = ["| module | generated | " + " | ".join(COLUMNS) + " | score |",
             "|---|---:|" + "---:|" * len(COLUMNS) + "---:|"]
    for path, statuses in results.items():
        counts = Counter(statuses.values())
        everything.update(counts)
        detected, total, pct = score(counts)
        table.append(f"| `{path}` | {total} | " + " | ".join(str(counts[c]) for c in COLUMNS)
                     + f" | {pct:.1f} % |")
    detected, total, pct = score(everything)
    table.append("| **all** | **%d** | " % total + " | ".join(f"**{everything[c]}**" for c in COLUMNS)
                 + f" | **{pct:.1f} %** |")

    equivalent = [n for p in results for n, s in results[p].items()
                  if s not in DETECTED and "equivalent" in notes.get(n, {})]
    lines += ["## Score", "",
              f"**{detected} of {total} generated mutants detected: {pct:.1f} %** "
              "(detected = killed by a failing test, or stopped at its time limit). "
              f"Of the {total - detected} others, {len(equivalent)} are equivalent to the original "
              "(listed below with the reason); "
              f"without them the score is {100.0 * detected / max(total - len(equivalent), 1):.1f} %.",
              "", *table, ""]

    unclassified = 0
    lines += ["## Survivors", "",
              "Every mutant that no test detected, with the reason it is equivalent (no test can tell "
              "it from the original) or marked *not yet classified*.", ""]
    for path, statuses in results.items():
        left = [(n, s) for n, s in statuses.items() if s not in DETECTED + ("not checked",)]
        if not left:
            continue
        lines += [f"### `{path}` ({len(left)})", ""]
        for name, status in left:
            note = notes.get(name, {})
            if "equivalent" in note:
                verdict = f"equivalent: {note['equivalent']}"
            else:
                unclassified += 1
                verdict = "**not yet classified**"
            lines += [f"- `{name}` ({status}): {verdict}", "", "  ```diff",
                      *("  " + ln for ln in mutant_diff(name, path).splitlines()), "  ```", ""]

    killed_by = {n: note["killed_by"] for n, note in notes.items() if "killed_by" in note}
    status_of = {n: s for statuses in results.values() for n, s in statuses.items()}
    if killed_by:
        lines += ["## Survivors of earlier runs killed by new tests", "",
                  "| mutant | killed by | status now |", "|---|---|---|"]
        for name, test in sorted(killed_by.items()):
            lines.append(f"| `{name}` | `{test}` (new) | {status_of.get(name, 'not generated')} |")
        lines.append("")
    stale = [n for n in killed_by if status_of.get(n) not in DETECTED]
    not_run = sum(s == "not checked" for statuses in results.values() for s in statuses.values())
    lines += ["## Check", "",
              f"- survivors not yet classified: {unclassified}",
              f"- mutants not run (the run was stopped before them; they count against the score): {not_run}",
              f"- listed as killed by a new test but not detected in this run: {len(stale)}"
              + (f" ({', '.join(stale)})" if stale else ""), ""]
    return "\n".join(lines)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seconds", type=float, default=None, help="wall time of the mutmut run")
    ap.add_argument("--jobs", type=int, default=None, help="mutmut workers used")
    ap.add_argument("--note", default=None, help="a line on how these results were made, for the header")
    ap.add_argument("--out", type=Path, default=HERE / "RESULTS.md")
    ap.add_argument("--notes", type=Path, default=HERE / "survivors.yaml")
    args = ap.parse_args(argv)
    os.chdir(REPO)  # mutmut's helpers read pyproject.toml and mutants/ from the working directory
    if not (REPO / "mutants").is_dir():
        print("error: no mutants/ directory: run `make mutation` first", file=sys.stderr)
        return 2
    modules = tomllib.loads((REPO / "pyproject.toml").read_text())["tool"]["mutmut"]["only_mutate"]
    notes = (yaml.safe_load(args.notes.read_text()) or {}) if args.notes.is_file() else {}
    results = load_results(modules)
    args.out.write_text(render(results, notes, args.seconds, args.jobs, args.note))
    detected, total, pct = score(Counter(s for r in results.values() for s in r.values()))
    print(f"mutation score: {detected}/{total} detected ({pct:.1f} %); report: {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
