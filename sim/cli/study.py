"""The variants of a study (`experiment=timeline` or `attribution`), composed from the regime
files: the Hydra side of sim.runs.study.

Timeline: each regime of `experiment.regimes` composed once (`regime/<name>`). Attribution: the
regime under study (`regime`) names its measures (`measures:`) and starts from the first entry of
its defaults list (its base); the base and each measure file are composed ONCE, and a subset is
the base with its measure nodes merged in the regime's order (OmegaConf.merge, in-process: one
Hydra composition per subset would cost ~0.3 s each, minutes for a reform of 9 measures). Each
variant is the run's own config with that regime on both sides, run as `experiment=single`,
validated like any run. A variant that overloads a station is not refused: it runs with
run.allow_overload and is listed as overloaded.
"""
from __future__ import annotations

import copy
import hashlib
from dataclasses import asdict
from pathlib import Path

from omegaconf import DictConfig, OmegaConf, open_dict

from sim.cli.compose import CONFIG_DIR
from sim.config import Config, ConfigError, validate
from sim.config.schema import ExperimentConfig, RegimeConfig
from sim.config.stability import REJECT_LOAD, overloaded
from sim.domain.sides import STUDY_KINDS
from sim.runs.study import Study, Variant

MEASURE_GROUP = "measure"
NAME_KEYS = ("name", "description", "measures")
"""Keys that name a regime rather than change what it simulates."""


def _dirs(dirs) -> list[Path]:
    """Where regime and measure files are looked up: the bundled configs, then the planner's
    folders (sim.cli.searchpath; the bundled file of a name wins, as in Hydra's search path)."""
    return [Path(CONFIG_DIR), *(Path(str(d).removeprefix("file://")) for d in dirs)]


def _options(group: str, dirs) -> list[str]:
    return sorted({p.stem for d in _dirs(dirs) for p in (d / group).glob("*.yaml")})


def _find(rel: str, dirs) -> Path | None:
    return next((d / rel for d in _dirs(dirs) if (d / rel).is_file()), None)


def compose_regime(name: str, key: str, dirs=()) -> DictConfig:
    """The regime file `regime/<name>` composed (its own defaults list applied)."""
    from hydra import compose

    from sim.cli.searchpath import with_config_dirs

    if name not in _options("regime", dirs):
        raise ConfigError(key, f"unknown regime {name!r}; available: {', '.join(_options('regime', dirs))}")
    # As the `regime` group of the main config: a planner's folder joins the search path only there
    return compose(config_name="config", overrides=with_config_dirs([f"regime={name}"], dirs)).regime


def compose_measure(name: str, regime: str, dirs=()) -> DictConfig:
    """A measure file's keys, read once as they stand (a measure has no defaults list of its own)."""
    from sim.config.yamlfile import read_yaml

    rel = f"regime/{MEASURE_GROUP}/{name}.yaml"
    path = _find(rel, dirs)
    if path is None:
        raise ConfigError("regime.measures", f"{regime} names measure {name!r}, which has no file {rel}; "
                                             f"available: {', '.join(_options(f'regime/{MEASURE_GROUP}', dirs))}")
    data = read_yaml(path) or {}
    data.pop("defaults", None)
    return OmegaConf.create(data)


def base_of(regime: str, dirs=()) -> str:
    """The regime a regime file starts from: the first entry of its defaults list."""
    from sim.config.yamlfile import read_yaml

    path = _find(f"regime/{regime}.yaml", dirs)
    defaults = ((read_yaml(path) or {}).get("defaults") or []) if path is not None else []
    first = defaults[0] if defaults else None
    if isinstance(first, str) and first != "_self_" and not first.startswith(f"{MEASURE_GROUP}/"):
        return first.split("@")[0]
    raise ConfigError("regime", f"{regime} does not start from another regime (the first entry of its defaults "
                                "list); attribution needs a base regime and measures on top of it")


def typed_regime(cfg: DictConfig, *nodes: DictConfig) -> RegimeConfig:
    """The regime nodes merged in order onto the schema, its interpolations resolved against the
    run's config (a regime file may derive a value from the port: `officers`)."""
    merged = OmegaConf.merge(OmegaConf.structured(RegimeConfig), *nodes)
    root = OmegaConf.create({"port": OmegaConf.to_container(cfg.port, resolve=False)})  # what regimes derive values from
    with open_dict(root):
        root.regime = merged
    return OmegaConf.to_object(OmegaConf.merge({"regime": OmegaConf.structured(RegimeConfig)},
                                               {"regime": OmegaConf.to_container(root.regime, resolve=True)}).regime)


def _template(config: Config) -> Config:
    """The run's config as a variant's: experiment=single, no table (unless output.consignments asks
    for one), report or figures, one worker per variant (the variants are the parallel unit), skip a
    variant already complete."""
    t = copy.deepcopy(config)
    t.experiment = ExperimentConfig(kind="single", report=False, figures=False)
    t.output.consignments = config.output.stored(config.experiment.kind)
    t.run.workers = 1
    t.run.skip_complete = True
    return t


def _variant(template: Config, regime: RegimeConfig, key_hint: str, label: str, members=()) -> Variant:
    c = copy.deepcopy(template)
    c.regime = copy.deepcopy(regime)
    c.regime.name = label
    c.baseline = copy.deepcopy(c.regime)
    config = validate(c)
    over = [text for s, text in overloaded(config) if s.load >= REJECT_LOAD]
    if over:
        config.run.allow_overload = True
    digest = hashlib.sha256(label.encode()).hexdigest()[:8]
    return Variant(key=f"{key_hint}-{digest}", label=label, config=config, members=tuple(members), overloaded=over)


def timeline_study(cfg: DictConfig, config: Config, dirs=()) -> Study:
    template = _template(config)
    variants = []
    for i, name in enumerate(config.experiment.regimes):
        regime = typed_regime(cfg, compose_regime(name, "experiment.regimes", dirs))
        variants.append(_variant(template, regime, f"{i:02d}-{name}", name))
    return Study(kind="timeline", variants=variants)


def attribution_study(cfg: DictConfig, config: Config, dirs=()) -> Study:
    """The subsets of the regime's measures, each the base with those measures applied.

    Each measure is merged onto the base once (OmegaConf, with its interpolations resolved) and
    kept as a patch: the typed values where base + measure differs from the base (a value derived
    from what the measure changes, such as `officers` from the officers' calendar, included). A
    subset is the base with its measures' patches applied in the regime's order, a deep copy and
    a few attributes (~5 ms, where merging and resolving in OmegaConf takes ~0.1 s a subset); the
    full set is checked against the regime as composed, so a value two measures derive jointly
    would be refused rather than mis-credited."""
    from sim.runs.attribution import design

    target = config.regime.name
    measures_all = list(config.regime.measures)
    if not measures_all:
        raise ConfigError("regime.measures", f"{target} lists no measures to attribute its effect to")
    for name in config.experiment.measures:
        if name not in measures_all:
            raise ConfigError("experiment.measures", f"unknown measure {name!r}; {target}'s measures: "
                                                     f"{', '.join(measures_all)}")
    base = base_of(target, dirs)
    base_node = compose_regime(base, "regime", dirs)
    base_regime = typed_regime(cfg, base_node)
    patches = {}
    for name in measures_all:
        node = compose_measure(name, target, dirs)
        try:  # a measure may only change keys a regime has
            with_measure = typed_regime(cfg, base_node, node)
        except ConfigError:
            raise
        except Exception as e:  # noqa: BLE001 - OmegaConf's key and type errors, as one line
            key = str(getattr(e, "full_key", "") or "").removeprefix("regime.")
            raise ConfigError(f"regime.{MEASURE_GROUP}.{name}" + (f".{key}" if key else ""),
                              f"not a regime key or not of its type ({' '.join(str(e).splitlines()[0].split())})") from None
        patches[name] = patch_of(base_regime, with_measure)
    full = apply_patches(base_regime, [patches[n] for n in measures_all])
    diffs = [p for p in _differences(asdict(full), asdict(config.regime)) if p.split(".")[0] not in NAME_KEYS]
    if diffs:
        raise ConfigError("regime", f"{target} differs from its base ({base}) with all its measures at "
                                    f"{', '.join(diffs[:5])}: attribution credits only changes made by measures")
    chosen = [n for n in measures_all if not config.experiment.measures or n in config.experiment.measures]
    fixed = [n for n in measures_all if n not in chosen]
    subsets, perms = design(config, len(chosen))
    template = _template(config)
    variants = []
    for subset in subsets:
        members = tuple(n for i, n in enumerate(chosen) if i in subset)
        applied = [n for n in measures_all if n in fixed or n in members]  # the regime's order
        regime = apply_patches(base_regime, [patches[n] for n in applied])
        regime.measures = list(base_regime.measures) + applied
        if len(applied) == len(measures_all):
            label = target
        elif not applied:
            label = base
        else:
            label = f"{base} + {' + '.join(applied)}"
        variants.append(_variant(template, regime, f"{len(members):02d}", label, members))
    return Study(kind="attribution", variants=variants, measures=chosen, fixed=fixed, base=base, target=target,
                 orderings=perms)


def patch_of(base: RegimeConfig, changed: RegimeConfig) -> list[tuple[tuple, object]]:
    """(path, value) of every leaf where `changed` differs from `base` (paths through attributes
    and dict keys), the values taken from `changed`."""
    paths = [tuple(p.split(".")) for p in _differences(asdict(base), asdict(changed))]
    return [(p, copy.deepcopy(_get(changed, p))) for p in paths if p[0] not in NAME_KEYS]


def apply_patches(base: RegimeConfig, patches) -> RegimeConfig:
    out = copy.deepcopy(base)
    for patch in patches:
        for path, value in patch:
            parent = _get(out, path[:-1])
            if isinstance(parent, dict):
                parent[path[-1]] = copy.deepcopy(value)
            else:
                setattr(parent, path[-1], copy.deepcopy(value))
    return out


def _get(obj, path):
    for k in path:
        obj = obj[k] if isinstance(obj, dict) else getattr(obj, k)
    return obj


def _differences(a, b, prefix: str = "") -> list[str]:
    if isinstance(a, dict) and isinstance(b, dict):
        out = []
        for k in sorted(set(a) | set(b), key=str):
            if (k in a) != (k in b):
                out.append(f"{prefix}{k}")
            else:
                out += _differences(a[k], b[k], f"{prefix}{k}.")
        return out
    return [] if a == b else [prefix.rstrip(".")]


def build_study(cfg: DictConfig, config: Config, dirs=()) -> Study | None:
    """The study's variants (Hydra initialised by the caller), or None for another kind.
    `dirs`: the planner's config folders (sim.cli.searchpath), searched after the bundled ones."""
    kind = config.experiment.kind
    if kind not in STUDY_KINDS:
        return None
    from sim.outputs.kpis import kpi_names

    unknown = [k for k in config.experiment.figure_kpis if k not in kpi_names()]
    if unknown:
        raise ConfigError("experiment.figure_kpis", f"unknown KPI {unknown[0]!r}; expected KPI names of the registry "
                                                    "(docs/reference/kpi-definitions.md)")
    return timeline_study(cfg, config, dirs) if kind == "timeline" else attribution_study(cfg, config, dirs)


def dirs_of(overrides) -> list[str]:
    """The folders of a `hydra.searchpath=[...]` override among `overrides` (sim.cli.searchpath)."""
    from hydra.core.override_parser.overrides_parser import OverridesParser

    from sim.cli.searchpath import SEARCHPATH

    out = []
    for line in overrides:
        if line.split("=", 1)[0].lstrip("+~") == SEARCHPATH:
            out += [v for v in OverridesParser.create().parse_override(line).value() if not v.startswith("pkg://")]
    return out


def run_study(overrides=(), out_dir: str | Path = "results/study", config_dir=None, progress: bool | None = None,
              echo: bool = True) -> dict:
    """A timeline or attribution from Python (notebooks, benchmarks): compose, validate, run,
    write into out_dir; returns the timeline.json or attribution.json content. `config_dir`: a
    folder of one's own laid out like configs/ (or a list of them), as sim.load_config."""
    from os import PathLike

    from hydra import compose, initialize_config_dir

    from sim.cli.compose import to_config
    from sim.cli.searchpath import with_config_dirs
    from sim.runs.study import execute_study

    dirs = [] if config_dir is None else [config_dir] if isinstance(config_dir, (str, PathLike)) else config_dir
    overrides = with_config_dirs(list(overrides), dirs, flag="config_dir")
    with initialize_config_dir(config_dir=CONFIG_DIR, version_base="1.3"):
        composed = compose(config_name="config", overrides=overrides)
        config = to_config(composed)
        study = build_study(composed, config, dirs_of(overrides))
    if study is None:
        raise ConfigError("experiment.kind", f"{config.experiment.kind!r} is not a study; expected one of "
                                             f"{', '.join(STUDY_KINDS)}")
    return execute_study(config, study, Path(out_dir), OmegaConf.to_yaml(composed, resolve=True),
                         progress=progress, echo=echo)
