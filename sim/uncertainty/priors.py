"""Priors from the provenance tags: a range for every `estimated` number of a scenario's configs.

Every number in `configs/` says where it comes from in a comment (`S:` source, `D:` derived,
`estimated`, `calibrated`; tests/unit/test_provenance.py). This module reads the YAML files a
scenario composes (its defaults list, the regime files and their measures, in composition
order, later files overriding earlier ones as Hydra merges them), tags each number with the
comment that governs it (its own line, else the nearest enclosing key's line), and turns every
`estimated` number into an uncertain factor:

- **explicit bounds** where stated: the scenario's knobs.yaml (by Config key), else a range in
  the number's own comment (`bounds 4-24`, `estimated (0.3-0.8)`) when that comment governs this
  one number and the range contains it;
- otherwise a **declared default band**: x0.5 to x2 of the value for durations, counts, rates and
  costs (a count stays a whole number >= 1); for a share (a key naming a share, or a member of a
  set of shares that sums to one) +-50 % of its room, room = min(value, 1 - value), or, inside a
  set that sums to one, min(value, remainder / (members - 1)) where the remainder is the set's
  largest member, which absorbs the others' moves so the set keeps summing to one;
- a value of 0 has no multiplicative band and stays fixed unless a range is stated; a number with
  knobs.yaml bounds moves within them whatever its tag (the calibration's plausible range); other
  sourced, derived and calibrated numbers stay fixed.

Not factors: run settings (`run.*`, `experiment.*`), lists (timetables, crane steps, weekdays)
and calendars' opening hours (schedules, changed as whole what-ifs, not sampled).

A number the base regime file sets (the one the other regime applies its measures to) and no
measure overrides is one value of both regimes: its factor names both keys (`baseline.X` and
`regime.X`) and moves them together; a measure's number moves the regime under study only. Factors on one flow mapping (a line like
`inspection_cny_per_box: {scan: 300, physical: 1200}`) share a group, and every channel share of
one regime forms one group ("all channel shares of one regime moved together"); Morris and Sobol
move a group as one.

`python -m sim.priors [scenario]` (sim/cli/priors.py) writes `scenarios/<dir>/uncertainty.yaml`: a planner
narrows a range there (or adds one for a sourced number); `experiment=sensitivity` reads it.
"""
from __future__ import annotations

import copy
import math
import re
from dataclasses import asdict, dataclass
from pathlib import Path

import yaml

from sim.calibration.fit import get_path, set_path
from sim.config import Config, ConfigError, validate
from sim.config.locations import CONFIG_DIR, scenario_dir
from sim.config.stability import check_stability
from sim.config.yamlfile import read_yaml
from sim.domain.calendar import on_duty
from sim.store.atomic import atomic_write_text

FILE_NAME = "uncertainty.yaml"
BAND = (0.5, 2.0)
"""Default multiplicative band for durations, counts, rates and costs."""
SHARE_ROOM = 0.5
"""Default half-width of a share's band, as a fraction of its room."""
SETTINGS = ("run", "experiment", "scenario")
SCHEDULE_KEYS = ("days", "open_hour", "close_hour")
MARKER = re.compile(r"(\bS:|\bD:|\bestimated\b|\bcalibrated\b)", re.IGNORECASE)
RANGE = re.compile(r"(?:\bbounds:?\s*|\bestimated\s*\(\s*)(-?\d+(?:\.\d+)?)\s*(?:-|to|–)\s*(\d+(?:\.\d+)?)")
NUMERIC_TAGS = ("tag:yaml.org,2002:int", "tag:yaml.org,2002:float")
SIDES = ("baseline", "regime")


@dataclass
class Factor:
    """One uncertain input: `keys` (Config paths) all set to the sampled value."""

    name: str
    keys: list[str]
    nominal: float
    low: float
    high: float
    kind: str = "value"
    """value (any real), count (a whole number >= 1), share (in [0, 1])."""
    group: str = ""
    """Factors of one group move together in Morris and Sobol ('' = its own name)."""
    bounds: str = "default"
    """Where the range comes from: default (the declared band), stated (the comment), knobs, user."""
    complement: str = ""
    """For a member of a set of shares summing to one: the member that absorbs its moves (`green`
    for channels), as a key below the package (`channels.import.general.green`): each of the
    factor's keys has it in its own package (baseline. or regime.)."""
    why: str = ""

    @property
    def group_name(self) -> str:
        return self.group or self.name


# ------------------------------------------------------------------ reading the YAML files
@dataclass
class Number:
    package: str
    path: str
    value: float
    is_int: bool
    comment: str
    where: str
    alone: bool
    """The governing comment governs only this number (its own line holds no other number)."""
    flow_line: str = ""
    """`file:line` of a flow mapping holding several numbers on one line (they form a group)."""
    siblings: tuple = ()
    """The leaf names of the other numbers on this number's line."""

    @property
    def tag(self) -> str:
        """The marker governing this number (lower case; '' if none). A comment in `;`-separated
        parts (`share estimated (...); loss D: ...`) is read part by part: the part naming this
        number's leaf, else the first part naming no other number of its line."""
        leaf = self.path.rsplit(".", 1)[-1]
        parts = [p for p in self.comment.split(";") if MARKER.search(p)]
        if len(parts) > 1:
            def names(p, w):
                return re.search(rf"(?<![\w.]){re.escape(w)}(?![\w])", p)
            mine = [p for p in parts if names(p, leaf)]
            free = [p for p in parts if not any(names(p, w) for w in self.siblings)]
            parts = mine or free or parts
        first = MARKER.search(parts[0]) if parts else None
        return first.group(1).lower() if first else ""


def comment_of(line: str) -> str:
    """The comment on a YAML line ('' if none): '#' at the start or after whitespace, outside quotes."""
    quote = None
    for i, ch in enumerate(line):
        if quote:
            if ch == quote:
                quote = None
        elif ch in "'\"":
            quote = ch
        elif ch == "#" and (i == 0 or line[i - 1] in " \t"):
            return line[i + 1:]
    return ""


def _numbers(path: Path, package: str, prefix: str = "") -> list[Number]:
    text = path.read_text()
    lines = text.splitlines()
    comments = [comment_of(line) for line in lines]
    rel = _rel(path)
    per_line: dict[int, int] = {}
    found: list[tuple] = []
    leaves: dict[int, list[str]] = {}

    def walk(node, keys: tuple, key_lines: tuple) -> None:
        if isinstance(node, yaml.ScalarNode):
            if node.tag in NUMERIC_TAGS:
                found.append((keys, node, key_lines))
                per_line[node.start_mark.line] = per_line.get(node.start_mark.line, 0) + 1
                leaves.setdefault(node.start_mark.line, []).append(keys[-1] if keys else "")
        elif isinstance(node, yaml.MappingNode):
            for k, v in node.value:
                if k.value == "defaults":
                    continue
                walk(v, keys + (k.value,), key_lines + (k.start_mark.line,))
        # sequences: timetables, weekdays, crane steps: not factors

    doc = yaml.compose(text)
    if doc is not None:
        walk(doc, (), ())
    out = []
    for keys, node, key_lines in found:
        line = node.start_mark.line
        governing = next((n for n in (line, *reversed(key_lines)) if MARKER.search(comments[n] if n < len(comments) else "")),
                         None)
        comment = comments[governing].strip() if governing is not None else ""
        value = yaml.safe_load(node.value)
        alone = governing == line and per_line.get(line, 0) == 1
        flow = f"{rel}:{line + 1}" if per_line.get(line, 0) > 1 else ""
        out.append(Number(package, ".".join((*([prefix] if prefix else []), *keys)), float(value),
                          node.tag.endswith("int"), comment, f"{rel}:{line + 1}", alone, flow,
                          tuple(w for w in leaves.get(line, []) if w != keys[-1])))
    return out


def _rel(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(CONFIG_DIR.parent))
    except ValueError:
        return str(path)


def _defaults(path: Path) -> list:
    data = yaml.safe_load(path.read_text()) or {}
    return list(data.get("defaults", []) or [])


def _group_file(group: str, option: str) -> Path:
    return CONFIG_DIR / group / f"{option}.yaml"


def _expand(path: Path, package: str, group: str) -> list[Number]:
    """A group option's numbers, its own defaults (`x@_here_`) first, then its own keys."""
    out: list[Number] = []
    own_done = False
    for entry in _defaults(path):
        if entry == "_self_":
            out += _numbers(path, package)
            own_done = True
            continue
        if isinstance(entry, str):
            name, _, pkg = entry.partition("@")
            if pkg not in ("_here_", ""):
                continue
            out += _expand(CONFIG_DIR / group / f"{name}.yaml", package, str(Path(group, name).parent))
    if not own_done:
        out += _numbers(path, package)
    return out


def scenario_numbers(scenario: str) -> dict[str, Number]:
    """{Config key: the number as composed} for a scenario (configs/scenario/<scenario>.yaml)."""
    path = CONFIG_DIR / "scenario" / f"{scenario}.yaml"
    if not path.is_file():
        raise ConfigError("scenario", f"no configs/scenario/{scenario}.yaml")
    final: dict[str, Number] = {}
    for entry in _defaults(path):
        if not isinstance(entry, dict):
            continue
        ((group_spec, option),) = entry.items()
        group, _, package = group_spec.lstrip("/").partition("@")
        package = package or group
        for n in _expand(_group_file(group, option), package, group):
            final[f"{package}.{n.path}"] = n
    return final


# ------------------------------------------------------------------ deriving priors
def _is_share_key(key: str) -> bool:
    """A share by name: a key segment naming a share (not a rate per day), or a channel."""
    parts = key.split(".")
    return any("share" in p and "per_day" not in p for p in parts) or parts[-1] in ("green", "yellow", "red")


def _compositions(numbers: dict[str, Number]) -> dict[str, list[str]]:
    """{key: its set's keys} for every set of shares that sums to one: two or more sibling numbers
    in [0, 1] summing to 1 (channels, class and destination shares, transshipment splits), or
    siblings' `share` children (reefer products)."""
    by_parent: dict[str, list[str]] = {}
    for key in numbers:
        by_parent.setdefault(key.rpartition(".")[0], []).append(key)
    sets: list[list[str]] = []
    for keys in by_parent.values():
        values = [numbers[k].value for k in keys]
        if len(keys) >= 2 and all(0 <= v <= 1 for v in values) and abs(sum(values) - 1) < 1e-9:
            sets.append(keys)
    by_grand: dict[str, list[str]] = {}
    for key in numbers:
        if key.endswith(".share"):
            by_grand.setdefault(key.rsplit(".", 2)[0], []).append(key)
    for keys in by_grand.values():
        if len(keys) >= 2 and abs(sum(numbers[k].value for k in keys) - 1) < 1e-9:
            sets.append(keys)
    return {k: keys for keys in sets for k in keys}


TRAFFIC = ("calls_per_week", "import_boxes_per_call", "export_boxes_per_call", "first_call_hour")
"""demand.services / demand.irregular: the traffic table is sized to the sourced total (T4) and its
berth windows staggered by design; a service's volume or schedule alone is not a factor."""
BY_LEAF = ("port.terminals", "port.destinations")
"""Collections whose members' same-named numbers share one estimate (e.g. `(as dct)`): one group."""


def _group(name: str, key: str, n: Number, members) -> str:
    parts = key.split(".")
    if members and "channels" in parts:
        return f"{name.split('.')[0]}.channels"
    if key.startswith("demand.services."):
        return "demand.services"
    for prefix in BY_LEAF:
        if key.startswith(prefix + ".") and len(parts) == 4:
            return f"{prefix}.{parts[-1]}"
    return name.rsplit(".", 1)[0] if n.flow_line else ""


def _stated(n: Number) -> tuple[float, float] | None:
    if not n.alone:
        return None
    m = RANGE.search(n.comment)
    if not m:
        return None
    lo, hi = float(m.group(1)), float(m.group(2))
    return (lo, hi) if lo < hi and lo <= n.value <= hi else None


def _knob_bounds(folder: Path) -> dict[str, tuple[float, float]]:
    path = folder / "knobs.yaml"
    if not path.is_file():
        return {}
    return {k["key"]: tuple(float(b) for b in k["bounds"]) for k in read_yaml(path).get("knobs", [])}


def derive_priors(scenario: str, folder: Path) -> list[Factor]:
    """The factors of a scenario's configs (see the module docstring for the rules)."""
    numbers = scenario_numbers(scenario)
    sets = _compositions(numbers)
    knobs = _knob_bounds(folder)
    factors: dict[str, Factor] = {}
    for key, n in numbers.items():
        leaf = key.rsplit(".", 1)[-1]
        if n.package in SETTINGS or leaf in SCHEDULE_KEYS or (n.package == "demand" and leaf in TRAFFIC):
            continue
        tag = n.tag
        shared_pair = None
        if n.package in SIDES:
            other = f"{SIDES[1 - SIDES.index(n.package)]}.{n.path}"
            if other in numbers and numbers[other].where == n.where:
                shared_pair = sorted((key, other))
        keys = shared_pair or [key]
        name = f"regimes.{n.path}" if shared_pair else key
        if name in factors:
            continue
        knob = next((knobs[k] for k in (*keys, *(f"{s}.{n.path}" for s in SIDES if shared_pair)) if k in knobs), None)
        if tag != "estimated" and not knob:  # a knob (knobs.yaml) states a range for any number
            continue
        members = sets.get(key)
        complement = ""
        if members:
            green = [k for k in members if k.endswith(".green")]  # channels: green is what is left
            remainder = green[0] if green else max(members, key=lambda k: (numbers[k].value, k))
            if remainder == key:
                continue  # absorbs the others' moves
            complement = remainder.split(".", 1)[1]
        kind = "share" if (members or _is_share_key(key)) else "count" if n.is_int else "value"
        if knob:
            lo, hi, source = *knob, "knobs"
        elif _stated(n):
            lo, hi, source = *_stated(n), "stated"
        elif n.value == 0:
            continue
        elif kind == "share":
            room = min(n.value, 1 - n.value)
            if members:
                room = min(n.value, numbers[remainder].value / (len(members) - 1))
            lo, hi, source = n.value - SHARE_ROOM * room, n.value + SHARE_ROOM * room, "default"
        else:
            lo, hi, source = n.value * BAND[0], n.value * BAND[1], "default"
            if kind == "count":
                lo, hi = max(1.0, math.ceil(lo)), math.floor(hi)
        if not lo < hi:
            continue
        group = _group(name, key, n, members)
        factors[name] = Factor(name, keys, _num(n.value), _num(lo), _num(hi), kind, group, source, complement,
                               f"{n.comment} ({n.where})")
    _as_sibling(factors)
    return list(factors.values())


AS_SIBLING = re.compile(r"\(as (\w+)\)")


def _as_sibling(factors: dict[str, Factor]) -> None:
    """A number estimated `(as X)` takes sibling X's stated range when their values agree."""
    for f in factors.values():
        m = AS_SIBLING.search(f.why)
        if not m or f.bounds != "default":
            continue
        parts = f.name.split(".")
        other = factors.get(".".join((*parts[:-2], m.group(1), parts[-1])))
        if other is not None and other.bounds == "stated" and other.nominal == f.nominal:
            f.low, f.high, f.bounds = other.low, other.high, "stated"


def _num(x: float):
    x = round(float(x), 12)
    return int(x) if x == int(x) and abs(x) >= 1 else x


# ------------------------------------------------------------------ the file
HEADER = """\
# Parameter uncertainty of scenario {scenario}: one range per uncertain input, read by
# `python -m sim experiment=sensitivity`. Written by `python -m sim.priors {scenario}`
# from the provenance tags of the composed configs (sim/uncertainty/priors.py says the rules):
# every `estimated` number gets its stated bounds (knobs.yaml, or a range in its comment), else the
# declared default band: x{lo:g} to x{hi:g} for durations, counts, rates and costs; +-{room:.0%} of the
# room for shares (room = min(share, 1 - share); in a set that sums to one the largest member
# absorbs the others' moves, `complement`). Sourced (S:), derived (D:) and calibrated numbers stay
# fixed unless a range is given here. Narrow a range where you know better (set `bounds: user`), add
# a factor for any Config key, or give factors one `group` to move them together.
# keys: the Config keys a factor sets (both regimes' keys when they share one value).
"""


def write_priors(scenario: str, folder: Path, cfg: Config | None = None) -> Path:
    """Write `folder/uncertainty.yaml`. With the scenario's composed `cfg`, every range is first
    narrowed to where the config stays valid and every pool stable (`clip_to_valid`)."""
    factors = derive_priors(scenario, folder)
    if cfg is not None:
        for f in factors:
            clip_to_valid(cfg, f)
    data = {"scenario": scenario, "band": list(BAND), "share_room": SHARE_ROOM,
            "factors": [{k: v for k, v in asdict(f).items() if v not in ("", None)} for f in factors]}
    path = folder / FILE_NAME
    text = HEADER.format(scenario=scenario, lo=BAND[0], hi=BAND[1], room=SHARE_ROOM)
    text += yaml.safe_dump(data, sort_keys=False, width=200, allow_unicode=True)
    atomic_write_text(path, text)
    return path


def extreme_problem(cfg: Config, f: Factor, value: float) -> str | None:
    """Why the config with this one factor at `value` (the others nominal) cannot run, or None:
    refused by validation, or a pool offered its capacity or more (its queue would grow all run,
    so its numbers would depend on the horizon: sim.config.stability)."""
    try:
        check_stability(apply_values(cfg, [f], [value]))
    except ConfigError as e:
        return str(e)
    return None


def clip_to_valid(cfg: Config, f: Factor, steps: int = 30) -> None:
    """Narrow a range end that cannot run towards the nominal value (bisection) and say so in
    `bounds` (`default, narrowed`)."""
    for end in ("low", "high"):
        bad = float(getattr(f, end))
        if extreme_problem(cfg, f, bad) is None:
            continue
        good = float(f.nominal)
        for _ in range(steps):
            mid = (good + bad) / 2
            if extreme_problem(cfg, f, mid) is None:
                good = mid
            else:
                bad = mid
        if f.kind == "count":
            value = math.ceil(good) if end == "low" else math.floor(good)
        else:  # four significant digits, rounded towards the nominal value (still runs)
            scale = 10 ** (math.floor(math.log10(abs(good))) - 3) if good else 1.0
            value = (math.ceil if end == "low" else math.floor)(good / scale) * scale
        setattr(f, end, _num(value))
        f.bounds = f"{f.bounds}, narrowed"


# ------------------------------------------------------------------ loading and applying
def load_priors(path: Path, cfg: Config) -> list[Factor]:
    """The factors of an uncertainty.yaml, checked against `cfg`: ConfigError (one line) for a
    range with low > high, a key the Config does not have, a share range outside [0, 1], or a set
    of shares whose highs could leave its remainder below zero."""
    if not Path(path).is_file():
        raise ConfigError("experiment.uncertainty", f"no such file: {path}")
    spec = read_yaml(path) or {}
    factors = []
    names = set()
    for i, item in enumerate(spec.get("factors") or []):
        try:
            f = Factor(**item)
        except TypeError as e:
            raise ConfigError(f"{Path(path).name}: factors[{i}]", " ".join(str(e).split())) from None
        where = f"{Path(path).name}: {f.name}"
        if f.name in names:
            raise ConfigError(where, "named twice")
        names.add(f.name)
        f.keys = [f.keys] if isinstance(f.keys, str) else list(f.keys)
        if not all(isinstance(x, (int, float)) and not isinstance(x, bool) and math.isfinite(x)
                   for x in (f.low, f.high)):
            raise ConfigError(where, f"low and high must be numbers, got {f.low!r}, {f.high!r}")
        if not f.low <= f.high:
            raise ConfigError(where, f"low {f.low:g} > high {f.high:g}")
        for key in f.keys:
            try:
                value = get_path(cfg, key)
            except (AttributeError, KeyError, TypeError):
                raise ConfigError(where, f"no such key {key!r} in the config") from None
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                raise ConfigError(where, f"{key} is not a number ({value!r})")
        if (f.kind == "share" or any(_is_share_key(k) for k in f.keys)) and not (0 <= f.low and f.high <= 1):
            raise ConfigError(where, f"a share's range must lie in [0, 1], got [{f.low:g}, {f.high:g}]")
        if f.kind == "count" and f.low < 1:
            raise ConfigError(where, f"a count's range must start at 1 or more, got {f.low:g}")
        factors.append(f)
    if not factors:
        raise ConfigError(f"{Path(path).name}: factors", "no uncertain factor listed")
    _check_sets(factors, cfg, Path(path).name)
    for f in factors:
        for end in ("low", "high"):
            problem = extreme_problem(cfg, f, float(getattr(f, end)))
            if problem is not None:
                raise ConfigError(f"{Path(path).name}: {f.name}",
                                  f"{end} {getattr(f, end):g} cannot run ({' '.join(problem.split())})")
    return factors


def _complement_key(f: Factor, key: str) -> str:
    return f"{key.split('.', 1)[0]}.{f.complement}"


def _check_sets(factors: list[Factor], cfg: Config, name: str) -> None:
    """A set's remainder absorbs its members' moves: at the members' lows and highs it must stay
    within [0, 1] (the set keeps summing to one)."""
    by_set: dict[str, list[tuple[Factor, float]]] = {}
    for f in factors:
        if f.complement:
            for key in f.keys:
                by_set.setdefault(_complement_key(f, key), []).append((f, float(get_path(cfg, key))))
    for remainder, members in by_set.items():
        try:
            rest = float(get_path(cfg, remainder))
        except (AttributeError, KeyError, TypeError):
            raise ConfigError(f"{name}: {members[0][0].name}", f"no such key {remainder!r} in the config") from None
        lowest = rest - sum(f.high - v for f, v in members)
        highest = rest - sum(f.low - v for f, v in members)
        if lowest < -1e-9 or highest > 1 + 1e-9:
            raise ConfigError(f"{name}: {members[0][0].name}", f"its set of shares cannot sum to one across the "
                                                                f"ranges ({remainder} would reach {lowest:.3g})")


def apply_values(cfg: Config, factors: list[Factor], values) -> Config:
    """A validated copy of cfg with each factor's keys set to its value (counts rounded; in a set
    of shares summing to one, the complement takes up the members' moves)."""
    original, cfg = cfg, copy.deepcopy(cfg)
    shift: dict[str, float] = {}
    for f, v in zip(factors, values):
        v = float(v)
        if f.kind == "count":
            v = float(max(1, round(v)))
        for key in f.keys:
            if f.complement:
                comp = _complement_key(f, key)
                shift[comp] = shift.get(comp, 0.0) + v - float(get_path(cfg, key))
            set_path(cfg, key, v)
    for key, moved in shift.items():
        set_path(cfg, key, round(min(max(float(get_path(cfg, key)) - moved, 0.0), 1.0), 12))
    if any(OFFICER_HOURS in f.keys for f in factors):
        _officers_follow(cfg, original)
    return validate(cfg)


OFFICER_HOURS = "port.officer_hours_per_week"
"""The one number other keys are derived from at composition (the base regime file, configs/regime/:
`officers: ${officers_on_duty:${port.officer_hours_per_week},...}`): a factor on it carries the
derivation along to each regime's officers, unless a regime pinned its own count."""


def _officers_follow(cfg: Config, original: Config) -> None:
    for side in SIDES:
        regime, before = getattr(cfg, side), getattr(original, side)
        cal = before.officer_calendar
        if before.officers == on_duty(float(original.port.officer_hours_per_week), list(cal.days), cal.open_hour,
                                      cal.close_hour):
            regime.officers = on_duty(float(cfg.port.officer_hours_per_week), list(cal.days), cal.open_hour,
                                      cal.close_hour)


def priors_path(cfg: Config) -> Path:
    """experiment.uncertainty, else the scenario's uncertainty.yaml."""
    given = getattr(cfg.experiment, "uncertainty", "")
    return Path(given) if given else scenario_dir(cfg.scenario.dir) / FILE_NAME
