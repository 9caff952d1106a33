"""Random numbers by name: one numpy Generator per model component and replication.

Both regimes of a comparison call `stream(seed, replication, name)` with the same
arguments, so they see identical arrivals, cargo and per-consignment variates
(common random numbers). Adding a component never shifts another's stream.
"""
from __future__ import annotations

import numpy as np

COMPONENTS = {
    "vessels": 0,     # schedules, lateness, irregular arrivals, call sizes
    "cargo": 1,       # consignment sizes, classes, destinations, modes, values
    "customs": 2,     # advance lodging, acceptance, channel, document-check variates
    "inspection": 3,  # scan vs physical, inspection durations
    "removal": 4,     # duty payment
    "hinterland": 5,  # mode choice, transit procedure, transit formalities
    "quarantine": 6,  # CIQ inspection, joint inspection, fumigation, aquatic certificates
    "inland": 7,      # second declaration at the inland customs office
    "transshipment": 8,  # which discharged consignments connect onwards, and to what
    "traders": 9,     # importers' papers and choices, brokers' and consignees' working times
    "berths": 10,     # per-call handling-time factors (crane productivity)
    "bonded_carriers": 11,  # wait for a customs-registered bonded truck (transit procedure)
    "export_transit": 12,  # inland exports declared at the inland office and moved under transit
    "later_reforms": 13,  # post-release audits, two-step declarations, ship-side pickup / loading on arrival
}


def stream(seed: int, replication: int, component: str, block: int | None = None) -> np.random.Generator:
    """`block`: a week of a long run drawn on its own (summary-only mode), so any window of
    whole weeks draws the same traffic however the run around it is cut into segments."""
    key = (replication, COMPONENTS[component]) + (() if block is None else (block,))
    return np.random.default_rng(np.random.SeedSequence(seed, spawn_key=key))
