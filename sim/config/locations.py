"""Where the bundled Hydra configs and scenarios are: the one place that knows."""
from __future__ import annotations

from pathlib import Path

REPO_DIR = Path(__file__).resolve().parent.parent.parent
CONFIG_DIR = REPO_DIR / "configs"
SCENARIOS_DIR = REPO_DIR / "scenarios"
