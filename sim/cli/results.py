"""`python -m sim.results`: the catalog from the command line.

    python -m sim.results list [--sweep S] [--status complete|missing|...]
    python -m sim.results sweeps
    python -m sim.results collect [SWEEP] [--kpi K ...] [--wide] [--out table.csv|.xlsx|.parquet]
    python -m sim.results compare RUN_A[:side] RUN_B[:side] [--kpi K ...] [--force] [--out table.xlsx]
    python -m sim.results prune [--yes]              # forget runs whose directories are gone
    python -m sim.results ingest results/            # (re)build the catalog from run.json files
    python -m sim.results rebuild [results/]         # a damaged catalog moved aside, a new one from run.json files
    python -m sim.results gc [ROOT] [--older-than DAYS] [--larger-than 500M] [--sweep S] [--tables-only] [--yes]
    python -m sim.results sql "SELECT ... FROM runs JOIN kpis USING (run_id) ..."
    python -m sim.results warmup RUN_DIR [--series export_clearance_hours] [--side after]

SWEEP is a sweep directory or a sweep name (`officers`: its latest sweep); RUN is a run
id (or a unique prefix), a run directory or a point hash. Errors are one `error:` line
(exit 2); a reader that stops early (`| head`) ends the command quietly.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

import pandas as pd

from sim.experiment.progress import EXIT_BROKEN_PIPE, stdout_gone
from sim.store.atomic import TABLE_FORMATS, atomic_write_table, table_format
from sim.store.catalog import DEFAULT_PATH, Catalog

LIST_COLUMNS = ["run_id", "status", "label", "kind", "sweep", "job_num", "first_replication", "replications",
                "wall_seconds", "run_dir"]



def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m sim.results", description=__doc__.split("\n\n")[0])
    p.add_argument("--catalog", default=str(DEFAULT_PATH), help="DuckDB catalog file (default %(default)s)")
    sub = p.add_subparsers(dest="command", required=True)
    s = sub.add_parser("list", help="runs in the catalog")
    s.add_argument("--sweep")
    s.add_argument("--status", choices=["running", "complete", "failed", "missing"],
                   help="missing: the run directory is gone (see prune)")
    sub.add_parser("sweeps", help="sweeps in the catalog")
    s = sub.add_parser("collect", help="a sweep as one tidy table (chunks of a point pooled)")
    s.add_argument("sweep", nargs="?")
    s.add_argument("--kpi", nargs="+")
    s.add_argument("--wide", action="store_true", help="one row per point, one column per KPI (means)")
    s.add_argument("--out", type=Path, help=f"write {', '.join(TABLE_FORMATS)} instead of printing")
    s = sub.add_parser("compare", help="paired b - a per KPI (refused unless the runs pair)")
    s.add_argument("a")
    s.add_argument("b")
    s.add_argument("--kpi", nargs="+")
    s.add_argument("--force", action="store_true",
                   help="compare runs that do not pair, as independent samples (unpaired, Welch interval)")
    s.add_argument("--out", type=Path, help=f"also write the table ({', '.join(TABLE_FORMATS)})")
    s = sub.add_parser("prune", help="forget runs whose directories are gone (dry run unless --yes)")
    s.add_argument("--yes", action="store_true", help="remove them from the catalog (never a running run)")
    s = sub.add_parser("gc", help="list stored runs by age, size or sweep and remove them (dry run unless --yes)")
    s.add_argument("roots", nargs="*", type=Path, help="where to look (default: the catalog's folder)")
    s.add_argument("--older-than", type=float, metavar="DAYS", help="finished at least this many days ago")
    s.add_argument("--larger-than", metavar="SIZE", help="at least this big on disk (500M, 2G)")
    s.add_argument("--sweep", help="the runs of one sweep (its directory, or its name: +sweep=NAME)")
    s.add_argument("--status", choices=["complete", "failed", "skipped"])
    s.add_argument("--tables-only", action="store_true",
                   help="remove only consignments.parquet and calls.parquet (the KPIs, figures and report stay)")
    s.add_argument("--yes", action="store_true", help="remove them (never a run whose run.json says running)")
    s = sub.add_parser("ingest", help="add runs from their run.json files")
    s.add_argument("paths", nargs="+", type=Path)
    s = sub.add_parser("rebuild", help="move the catalog aside (damaged or not) and index every run.json again")
    s.add_argument("roots", nargs="*", type=Path, help="where the runs are (default: the catalog's folder)")
    s = sub.add_parser("sql", help="any read-only SQL (tables: runs, kpis, replication_kpis, sweep_jobs)")
    s.add_argument("query")
    s = sub.add_parser("warmup", help="MSER-5 check of a run's warm-up, with a figure")
    s.add_argument("run_dir", type=Path)
    s.add_argument("--series", default="export_clearance_hours")
    s.add_argument("--side")
    s.add_argument("--bin-hours", type=float, default=24.0)
    s.add_argument("--season-hours", type=float, default=168.0, help="cycle removed before MSER; 0: none")
    s.add_argument("--out", type=Path, help="figure directory (default: the run directory)")
    return p


def show(frame: pd.DataFrame) -> None:
    with pd.option_context("display.max_rows", 500, "display.max_columns", 50, "display.width", 200,
                           "display.max_colwidth", 60):
        print(frame.to_string(index=False) if not frame.empty else "(none)")


def run(args) -> None:
    from sim.store import queries as results

    catalog = Catalog(args.catalog)
    out = getattr(args, "out", None)
    if out is not None and args.command in ("collect", "compare"):
        table_format(out)  # an unknown extension is refused before any work, and nothing is written
    if args.command == "list":
        runs = results.list_runs(catalog, sweep=args.sweep, status=args.status)
        show(runs[[c for c in LIST_COLUMNS if c in runs.columns]])
    elif args.command == "sweeps":
        show(results.list_sweeps(catalog))
    elif args.command == "collect":
        table = results.collect(args.sweep, catalog, kpis=args.kpi, wide=args.wide)
        if out is None:
            show(table)
        else:
            atomic_write_table(out, table)
            print(f"{len(table)} rows -> {out}")
    elif args.command == "compare":
        table = results.compare(args.a, args.b, catalog, kpis=args.kpi, force=args.force)
        header = compare_header(table)
        print(header)
        if out is not None:
            atomic_write_table(out, table, about={"comparison": header, **{k: table.attrs.get(k) for k in
                                                                           ("a", "b", "method", "seed")}})
            print(f"{len(table)} rows -> {out}")
        show(table)
    elif args.command == "prune":
        gone = results.prune(catalog, yes=args.yes)
        if gone.empty:
            print("nothing to prune: every run's directory is there")
            return
        show(gone[["run_id", "status", "label", "run_dir"]])
        if args.yes:
            print(f"removed {len(gone)} run(s) from {catalog.path} (their directories were already gone)")
        else:
            print(f"{len(gone)} run(s) would be removed from {catalog.path}; run again with --yes to remove them")
    elif args.command == "ingest":
        from sim.store.ingest import ingest

        print(f"{ingest(args.paths, catalog)} run records read into {catalog.path}")
    elif args.command == "gc":
        garbage_collect(args, catalog)
    elif args.command == "rebuild":
        from sim.store.ingest import rebuild

        roots = args.roots or [catalog.path.parent]
        for root in roots:
            if not root.is_dir():
                raise ValueError(f"{root}: no such directory")
        skipped: list[str] = []
        aside, count = rebuild(catalog, roots, skipped)
        for line in skipped:
            print(f"note: left out (unreadable): {line}", file=sys.stderr)
        moved = f"; the old file is now {aside}" if aside else ""
        print(f"{count} run records from {', '.join(map(str, roots))} read into a new {catalog.path}{moved}")
    elif args.command == "sql":
        show(catalog.query(args.query))
    elif args.command == "warmup":
        from sim.outputs.warmup import check_run
        from sim.viz.warmup import plot

        check = check_run(args.run_dir, args.series, args.side, args.bin_hours,
                          season_hours=args.season_hours)
        paths = plot(check, args.out or args.run_dir)
        print(check.describe())
        print("figure: " + ", ".join(str(p) for p in paths))


def garbage_collect(args, catalog: Catalog) -> None:
    from sim.store import gc

    larger = gc.parse_size(args.larger_than) if args.larger_than is not None else None
    if args.older_than is not None and not args.older_than >= 0:
        raise ValueError(f"--older-than: must be >= 0 days, got {args.older_than:g}")
    roots = args.roots or [catalog.path.parent]
    for root in roots:
        if not root.is_dir():
            raise ValueError(f"{root}: no such directory")
    runs = gc.stored_runs(roots)
    chosen = gc.select(runs, args.older_than, larger, args.sweep, args.status)
    running = sum(r.status == gc.RUNNING for r in runs)
    what = "tables" if args.tables_only else "runs"
    if not chosen:
        print(f"nothing to remove: no {what} match under {', '.join(map(str, roots))}"
              + (f" ({running} running, never touched)" if running else ""))
        return
    size = (lambda r: r.table_bytes) if args.tables_only else (lambda r: r.bytes)
    show(pd.DataFrame([{"run_id": r.run_id, "status": r.status, "age_days": round(r.age_days, 1),
                        "size": gc.human(size(r)), "label": r.label, "run_dir": str(r.run_dir)} for r in chosen]))
    total = gc.human(sum(size(r) for r in chosen))
    note = f"; {running} running run(s) left out" if running else ""
    if not args.yes:
        print(f"{len(chosen)} run(s), {total}, would be removed ({'their tables only' if args.tables_only else 'whole'})"
              f"{note}; run again with --yes to remove them")
        return
    freed, done, kept = gc.remove(chosen, catalog, tables_only=args.tables_only)
    for line in kept:
        print(f"note: {line}", file=sys.stderr)
    print(f"removed {'the tables of ' if args.tables_only else ''}{done} run(s): "
          f"{gc.human(freed)} freed{note}")


def compare_header(table: pd.DataFrame) -> str:
    """The line above a comparison: paired or not, over what, and the two runs by label."""
    a, b = table.attrs["a"], table.attrs["b"]
    if table.attrs.get("paired", True):
        return (f"b - a, paired over {int(table['n'].max())} common replications (seed {table.attrs['seed']}): "
                f"a = {a}, b = {b}")
    return (f"b - a, UNPAIRED (independent samples, Welch 95 % interval, {int(table['n_a'].max())} vs "
            f"{int(table['n_b'].max())} replications: the runs differ in {'; '.join(table.attrs['differences'])}): a = {a}, b = {b}")


def main(argv=None) -> int:
    args = parser().parse_args(argv)
    try:
        run(args)
        sys.stdout.flush()
    except BrokenPipeError:  # the reader went away (`| head`): nothing more to say
        stdout_gone()
        return EXIT_BROKEN_PIPE
    except (ValueError, OSError, KeyError) as e:  # ResultsError, missing files, bad SQL: one line
        print(f"error: {' '.join(str(e).split())}", file=sys.stderr)
        return 2
    except Exception as e:  # noqa: BLE001 - duckdb errors (bad SQL, busy catalog) are not ValueErrors
        print(f"error: {type(e).__name__}: {' '.join(str(e).split())}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
