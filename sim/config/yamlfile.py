"""YAML the planner wrote, read so that a mistake names its file, line and column.

Why: PyYAML's own message spans three lines ("while scanning...", the problem, then `in
"<file>", line 5, column 10`), and Hydra shows only the first, which names neither file nor
place. A malformed config file, own what-if, targets.yaml or knobs.yaml becomes one line,
`path:line:column: problem`, the form editors jump to.
"""
from __future__ import annotations

from pathlib import Path

import yaml

from sim.config.schema import ConfigError


def yaml_problem(e: yaml.YAMLError, path: str | Path | None = None) -> str:
    """`path:line:col: problem (context, at line:col)` for a PyYAML error (1-based, as editors count)."""
    mark = getattr(e, "problem_mark", None) or getattr(e, "context_mark", None)
    name = str(path) if path is not None else (mark.name if mark is not None else "<yaml>")
    where = f"{name}:{mark.line + 1}:{mark.column + 1}" if mark is not None else name
    problem = getattr(e, "problem", None) or " ".join(str(e).split())
    context, cmark = getattr(e, "context", None), getattr(e, "context_mark", None)
    if context:
        at = (f" at {cmark.line + 1}:{cmark.column + 1}"
              if cmark is not None and mark is not None and (cmark.line, cmark.column) != (mark.line, mark.column) else "")
        problem = f"{problem} ({context}{at})"
    return f"{where}: {' '.join(problem.split())}"


def read_yaml(path: str | Path):
    """The file's data; a YAML error or an unreadable file as ConfigError keyed by its place."""
    path = Path(path)
    try:
        return yaml.safe_load(path.read_text())
    except yaml.YAMLError as e:
        where, _, problem = yaml_problem(e, path).partition(": ")
        raise ConfigError(where, problem) from None
    except (OSError, UnicodeDecodeError) as e:
        raise ConfigError(str(path), f"cannot read: {' '.join(str(getattr(e, 'strerror', None) or e).split())}") from None
