"""How long a call occupies its berth: the one rule the model and the stability check share.

Why a rule of the call's size: a terminal puts more quay cranes on a bigger exchange (feeders
get one or two, mainline ships as many as the berth has), so a call's time at berth is not
proportional to its moves, and a feeder-heavy terminal fills its berths sooner.
"""
from __future__ import annotations

from typing import Sequence

import numpy as np


def cranes_for(moves, cap: int, steps: Sequence[float]):
    """Quay cranes on a call of `moves` (discharge + load): one, plus one for every step of
    `steps` the call reaches, at most `cap` (the terminal's cranes per berth). No steps: `cap`."""
    moves = np.asarray(moves, dtype=float)
    cranes = 1 + np.searchsorted(np.sort(np.asarray(steps, dtype=float)), moves, side="right")
    return np.minimum(cranes, cap) if len(steps) else np.full(moves.shape, cap, dtype=np.int64)


def hours_per_move(cranes, crane_moves_per_hour: float, berth_hours_per_move: float):
    """Berth time per move: the cranes' share of a move plus the ship's non-working time per move
    (lashing, hatch covers and crane shifts between bays that the cranes' gross rate leaves out)."""
    return 1.0 / (np.asarray(cranes) * crane_moves_per_hour) + berth_hours_per_move


def berth_hours(moves, terminal, steps: Sequence[float]):
    """Time at berth of a call of `moves` at `terminal` (a TerminalConfig): moves x hours per move
    plus the fixed non-working time (berthing, lashing, crane start-up, unberthing)."""
    cranes = cranes_for(moves, terminal.cranes_per_berth, steps)
    per_move = hours_per_move(cranes, terminal.crane_moves_per_hour, terminal.berth_hours_per_move)
    return terminal.berth_setup_hours + np.asarray(moves, dtype=float) * per_move
