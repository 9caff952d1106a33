"""Hydra multirun support: the points of a sweep, known before launch, and a progress bar.

Why expand a sweep ourselves: Hydra's basic sweeper only checks that each point
composes, and does so after creating the sweep directory; the schema and semantic
checks (sim.config.validate) would first run inside each job. Expanding the points
the way the sweeper will (its own `split_arguments`) lets `python -m sim -m ...`
validate every point up front: a bad point is one line, and nothing is written.
With `sim/__main__.py`, the only modules that import Hydra. Uses three of Hydra's
internals (BasicSweeper.split_arguments, Sweeper.validate_batch_is_legal,
ConfigLoaderImpl._apply_overrides_to_config), stable across 1.3.x (hydra-core is pinned
below 1.4); tests/integration/test_sweeps.py covers them.
"""
from __future__ import annotations

import copy
import json
import threading
from pathlib import Path
from typing import Iterator, Sequence

from hydra import compose
from hydra._internal.config_loader_impl import ConfigLoaderImpl
from hydra._internal.core_plugins.basic_sweeper import BasicSweeper
from hydra.core.global_hydra import GlobalHydra
from hydra.core.override_parser.overrides_parser import OverridesParser
from hydra.experimental.callback import Callback
from hydra.plugins.sweeper import Sweeper
from hydra.types import RunMode
from omegaconf import DictConfig, OmegaConf

from sim.experiment.progress import bar, say, wanted

BASIC_SWEEPER = "hydra._internal.core_plugins.basic_sweeper.BasicSweeper"
FINAL_STATUSES = ("complete", "failed", "skipped")
POLL_SECONDS = 0.5

LAST_SWEEP: dict = {}
"""Outcome of the last multirun in this process ({sweep_dir, total, failed}), for sim/__main__.py's exit status."""


def points_of(master: DictConfig, config_loader=None) -> list[list[str]] | None:
    """Each job's overrides as the basic sweeper will launch them (None for another sweeper).

    `master` is the multirun config with its `hydra` node: the sweep config's
    `hydra.sweeper.params` first, then the command line's overrides (which win).
    """
    sweeper = master.hydra.sweeper
    if sweeper.get("_target_") != BASIC_SWEEPER:
        return None
    params = [f"{k}={v}" for k, v in (sweeper.get("params") or {}).items()]
    params += list(OmegaConf.to_container(master.hydra.overrides.task, resolve=False))
    parsed = OverridesParser.create(config_loader=config_loader).parse_overrides(params)
    return [list(job) for job in BasicSweeper.split_arguments(parsed, None)[0]]


def sweep_jobs(overrides: list[str], config_name: str = "config") -> list[list[str]] | None:
    """The jobs `python -m sim -m OVERRIDES` would launch. Hydra must be initialised
    (`initialize_config_dir`); composition errors propagate as Hydra raises them."""
    return points_of(sweep_master(overrides, config_name), GlobalHydra.instance().hydra.config_loader)


def sweep_master(overrides: list[str], config_name: str = "config") -> DictConfig:
    """The multirun config `python -m sim -m OVERRIDES` starts from, with its `hydra` node."""
    return GlobalHydra.instance().hydra.compose_config(config_name=config_name, overrides=overrides,
                                                       run_mode=RunMode.MULTIRUN, from_shell=True)


def point_configs(jobs: list[list[str]], config_name: str = "config",
                  hydra_overrides: Sequence[str] = ()) -> Iterator[tuple[list[str], DictConfig]]:
    """(overrides, composed config without the hydra node) for each job, as Hydra would compose it.

    `hydra_overrides` (such as `hydra.searchpath`, the planner's own config folders) go with
    every job, as Hydra's launcher passes the command line's `hydra.*` overrides on.

    Composing is slow (~0.2-0.4 s), so each distinct set of config-group choices is composed
    once and each job's value overrides are applied to a copy with Hydra's own routine (the
    order Hydra uses: groups first, then values). Exceptions propagate as Hydra raises them.
    """
    loader = GlobalHydra.instance().hydra.config_loader
    parser = OverridesParser.create(config_loader=loader)
    composed: dict[tuple, DictConfig] = {}
    for job in jobs:
        parsed = parser.parse_overrides(job)
        groups = [o for o in parsed if loader.repository.group_exists(o.key_or_group) and not isinstance(o.value(), dict)]
        values = [o for o in parsed if o not in groups]
        key = tuple(o.input_line for o in groups)
        if key not in composed:
            composed[key] = compose(config_name=config_name, overrides=[*hydra_overrides, *key])
        cfg = copy.deepcopy(composed[key])
        ConfigLoaderImpl._apply_overrides_to_config(values, cfg)
        yield job, cfg


def skip_hydra_revalidation() -> None:
    """Let Hydra's sweeper launch without composing every job again (this process only).

    Why: before launching, BasicSweeper composes each job's full config once more to check
    that it composes (4 s for the 12 jobs of `+sweep=officers`, in the launching process,
    while no job runs). Call this only after `python -m sim` has composed and validated
    every point itself (`point_configs`, `sim.config.validate`), a stricter check.
    Patched on the base class: Hydra's plugin discovery may load BasicSweeper afresh.
    """
    Sweeper.validate_batch_is_legal = _validate_unless_basic


def _validate_unless_basic(self, batch) -> None:
    if type(self).__name__ != "BasicSweeper":  # another sweeper's points were not expanded here
        _HYDRAS_VALIDATION(self, batch)


_HYDRAS_VALIDATION = Sweeper.validate_batch_is_legal


def job_records(sweep_dir: Path) -> list[dict]:
    """The run.json of every job under sweep_dir (skipping one being replaced right now)."""
    records = []
    for path in sweep_dir.glob("**/run.json"):
        try:
            records.append(json.loads(path.read_text()))
        except (OSError, ValueError):
            continue
    return records


def finished_jobs(sweep_dir: Path) -> int:
    return sum(r.get("status") in FINAL_STATUSES for r in job_records(sweep_dir))


def outcome(sweep_dir: Path, total: int | None) -> dict:
    """Which jobs failed: run.json says failed, or (with a known total) no final run.json at all."""
    records = job_records(sweep_dir) if sweep_dir.is_dir() else []
    ok = sum(r.get("status") in ("complete", "skipped") for r in records)
    failed = [{"job": r.get("job_num"), "error": r.get("error") or "failed"}
              for r in records if r.get("status") == "failed"]
    missing = (total or 0) - ok - len(failed)
    if missing > 0:
        failed.append({"job": "?", "error": f"{missing} job(s) stopped before writing run.json; see the lines above"})
    return {"sweep_dir": str(sweep_dir), "total": total if total else len(records), "failed": failed}


def collect_command(config: DictConfig, sweep_dir: Path) -> str:
    """The `python -m sim.results collect` line for this sweep, naming its catalog unless it is the default."""
    from sim.store.catalog import DEFAULT_PATH, resolve

    catalog = resolve(str(config.run.catalog), sweep_dir / "0")
    if catalog is None:
        return f"python -m sim.results --catalog CATALOG ingest {sweep_dir}, then collect"
    option = "" if catalog == DEFAULT_PATH.resolve() else f" --catalog {catalog}"
    return f"python -m sim.results{option} collect {sweep_dir}"


class SweepProgress(Callback):
    """Hydra callback: a tqdm bar over a multirun's jobs, fed by their run.json files.

    It runs in the launching process and polls the sweep directory, so it works the same
    for every launcher (joblib, submitit, ray). Silent when stderr is not a terminal.
    """

    def __init__(self) -> None:
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._total: int | None = None

    def __getstate__(self) -> dict:  # launchers pickle callbacks into each job; the thread stays here
        return {}

    def __setstate__(self, state: dict) -> None:
        self.__init__()

    def on_multirun_start(self, config: DictConfig, **kwargs) -> None:
        LAST_SWEEP.clear()
        try:
            self._total = len(points_of(config) or []) or None
        except Exception:  # noqa: BLE001 - a glob() sweep needs the config loader; count what finishes
            self._total = None
        if not wanted():
            return
        sweep_dir = Path(str(config.hydra.sweep.dir))
        self._thread = threading.Thread(target=self._poll, args=(sweep_dir, self._total), daemon=True)
        self._thread.start()

    def _poll(self, sweep_dir: Path, total: int | None) -> None:
        with bar(total, "sweep", unit="job") as progress:
            while True:
                stopping = self._stop.wait(POLL_SECONDS)
                progress.n = finished_jobs(sweep_dir) if sweep_dir.is_dir() else 0
                progress.refresh()
                if stopping:
                    return

    def on_multirun_end(self, config: DictConfig, **kwargs) -> None:
        if self._thread is not None:
            self._stop.set()
            self._thread.join(timeout=5)
        sweep_dir = Path(str(config.hydra.sweep.dir))
        LAST_SWEEP.update(outcome(sweep_dir, self._total))
        say(f"sweep: {sweep_dir}  (tidy table: {collect_command(config, sweep_dir)})")
