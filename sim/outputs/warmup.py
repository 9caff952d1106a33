"""Warm-up check: MSER-5 on a per-bin series of a KPI from a run's consignments.parquet.

Why: the port starts empty, so early consignments clear faster than in steady state.
`run.warmup_days` is a guess; MSER (White 1997; MSER-5 of Franklin & White 2008)
estimates where the initial transient ends: the truncation point that minimises the
squared standard error of the mean of what remains. It runs on batch means of 5
consecutive bins of the across-replication mean series, searched over the first half.

The model runs on a weekly calendar (office hours, liner schedules, train timetables),
and MSER would read that cycle as a transient. So by default the weekly profile
(mean per day of the week) is subtracted first.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import yaml

from sim.domain import Direction, Trade
from sim.domain.sides import main_side
from sim.domain.units import HOURS_PER_DAY, HOURS_PER_WEEK

SERIES = {
    "export_clearance_hours": (Direction.EXPORT, "lodged", "released", "export clearance time (h)"),
    "import_clearance_hours": (Direction.IMPORT, "lodged", "released", "import clearance time (h)"),
    "import_release_hours": (Direction.IMPORT, "vessel_arrival", "out", "import release time (h)"),
}
"""series name -> (direction, start milestone, end milestone, axis label); binned by the start time."""


def mser(y, batch: int = 5) -> tuple[int, np.ndarray]:
    """MSER-`batch`: (truncation in observations, MSER statistic per truncation d in batches).

    MSER(d) = sum_{i>d} (Y_i - mean(Y_{>d}))^2 / (m - d)^2 over the m batch means Y, for
    d = 0 .. m//2 (later truncations leave too little to judge and favour the noisy end).
    """
    y = np.asarray(y, dtype=float)
    m = len(y) // batch
    if m < 2:
        raise ValueError(f"MSER-{batch} needs at least {2 * batch} observations, got {len(y)}")
    means = y[:m * batch].reshape(m, batch).mean(axis=1)
    stat = np.array([np.sum((means[d:] - means[d:].mean()) ** 2) / (m - d) ** 2 for d in range(m // 2 + 1)])
    return int(np.argmin(stat)) * batch, stat


def binned_means(table: pd.DataFrame, series: str, bin_hours: float, until_hours: float) -> pd.DataFrame:
    """Mean duration per replication and bin of start time: index bin start (hours), one column per replication.

    Foreign-trade consignments of the series' direction that started in [0, until_hours) and finished;
    bins with no such consignment stay NaN.
    """
    direction, start, end, _ = SERIES[series]
    t0 = table[start].to_numpy()
    keep = ((table["direction"].to_numpy() == direction.code) & (table["trade"].to_numpy() == Trade.FOREIGN.code)
            & (t0 >= 0) & (t0 < until_hours) & ~np.isnan(table[end].to_numpy()))
    part = table[keep]
    frame = pd.DataFrame({"bin": np.floor(part[start].to_numpy() / bin_hours) * bin_hours,
                          "replication": part["replication"].to_numpy(),
                          "duration": part[end].to_numpy() - part[start].to_numpy()})
    wide = frame.pivot_table(index="bin", columns="replication", values="duration", aggfunc="mean")
    bins = np.arange(0.0, until_hours, bin_hours)
    return wide.reindex(bins)


def deseasonalise(y: pd.Series, season_hours: float) -> pd.Series:
    """y minus its cyclic profile (mean per phase of the cycle, centred).

    The profile comes from the whole series: fitting it on the later part only would make
    that part look steadier and bias MSER towards cutting late. Bins must divide the cycle
    evenly; 0 turns the adjustment off.
    """
    if not season_hours:
        return y
    step = float(y.index[1] - y.index[0]) if len(y) > 1 else season_hours
    if abs(season_hours / step - round(season_hours / step)) > 1e-9:
        raise ValueError(f"bins of {step:g} h do not divide the {season_hours:g} h cycle")
    phase = np.round((y.index.to_numpy() % season_hours) / step).astype(int)
    profile = y.groupby(phase).mean()
    profile -= profile.mean()
    return y - profile.reindex(phase).fillna(0.0).to_numpy()


@dataclass
class WarmupCheck:
    series: str
    side: str
    bin_hours: float
    batch: int
    truncation_hours: float
    """MSER-5 estimate of where the transient ends."""
    configured_hours: float
    """run.warmup_days of the run, in hours."""
    replications: int
    season_hours: float
    means: pd.DataFrame = field(repr=False)
    adjusted: pd.Series = field(repr=False)
    """The across-replication mean series MSER ran on (weekly profile removed)."""
    mser_stat: np.ndarray = field(repr=False)

    @property
    def enough(self) -> bool:
        return self.configured_hours >= self.truncation_hours

    def describe(self) -> str:
        days = self.truncation_hours / HOURS_PER_DAY
        head = (f"MSER-{self.batch} on the {self.bin_hours:g}-hour mean {self.series} ({self.side}, "
                f"{self.replications} replications): the transient ends after {days:g} days; "
                f"run.warmup_days = {self.configured_hours / HOURS_PER_DAY:g}")
        if self.enough:
            return f"{head}: enough"
        return f"{head}: too short, use run.warmup_days={math.ceil(days)} or more"


def check_run(run_dir: Path, series: str = "export_clearance_hours", side: str | None = None,
              bin_hours: float = HOURS_PER_DAY, batch: int = 5, season_hours: float = HOURS_PER_WEEK) -> WarmupCheck:
    """MSER check of a run directory's configured warm-up (needs consignments.parquet and config.yaml)."""
    if series not in SERIES:
        raise ValueError(f"unknown series {series!r}; expected one of {', '.join(SERIES)}")
    run_dir = Path(run_dir)
    run = yaml.safe_load((run_dir / "config.yaml").read_text())["run"]
    direction, start, end, _ = SERIES[series]
    table = pq.read_table(run_dir / "consignments.parquet",
                          columns=["side", "replication", "direction", "trade", start, end]).to_pandas()
    sides = sorted(table["side"].astype(str).unique())
    side = side or main_side(sides)
    if side not in sides:
        raise ValueError(f"no side {side!r} in this run; it has {', '.join(sides)}")
    table = table[table["side"].astype(str).to_numpy() == side]
    means = binned_means(table, series, bin_hours, run["horizon_days"] * HOURS_PER_DAY)
    adjusted = deseasonalise(means.mean(axis=1).interpolate(limit_area="inside"), season_hours).dropna()
    cut, stat = mser(adjusted.to_numpy(), batch)
    return WarmupCheck(series=series, side=side, bin_hours=bin_hours, batch=batch,
                       truncation_hours=float(adjusted.index[cut]), configured_hours=run["warmup_days"] * HOURS_PER_DAY,
                       replications=means.shape[1], season_hours=season_hours, means=means, adjusted=adjusted,
                       mser_stat=stat)
