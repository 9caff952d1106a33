"""Attribution of a reform's effect to its measures: Shapley values, one-at-a-time and
leave-one-out effects, and their interaction, from the KPI of each subset of measures.

A subset is a frozenset of measure indices (0 .. m-1); `values[subset]` is that subset's KPI
per replication (an array, one entry per replication, the same common random numbers in every
subset), so every effect below is itself an array over replications and gets a paired t
interval (sim.outputs.stats.t_interval).

Exact Shapley values weigh every subset (2^m runs); beyond a few measures they are estimated
from sampled orderings (permutations) of the measures: each ordering adds the measures one by
one and credits each with what it added. Orderings are drawn in antithetic pairs (an ordering
and its reverse), and the Monte-Carlo error is the spread of the pair means. Either way the
values sum to v(all) - v(none) exactly, in every replication (each ordering telescopes).
"""
from __future__ import annotations

import math
from itertools import combinations

import numpy as np

Subset = frozenset


def all_subsets(m: int) -> list[frozenset]:
    """Every subset of m measures, smallest first."""
    return [frozenset(c) for k in range(m + 1) for c in combinations(range(m), k)]


def orderings(m: int, count: int, seed: int) -> list[tuple[int, ...]]:
    """`count` orderings of m measures (rounded up to an even number): antithetic pairs, each
    a random permutation followed by its reverse."""
    rng = np.random.default_rng(seed)
    out: list[tuple[int, ...]] = []
    for _ in range(max(1, math.ceil(count / 2))):
        p = tuple(int(i) for i in rng.permutation(m))
        out += [p, p[::-1]]
    return out


def contrast_subsets(m: int) -> list[frozenset]:
    """The subsets the one-at-a-time and leave-one-out effects need."""
    full = frozenset(range(m))
    return [frozenset(), full, *(frozenset({i}) for i in range(m)), *(full - {i} for i in range(m))]


def needed_subsets(m: int, perms: list[tuple[int, ...]] | None) -> list[frozenset]:
    """The subsets to simulate: all of them (exact, perms None), or the prefixes of the sampled
    orderings; plus those of the contrasts. Deduplicated, smallest first, in a stable order."""
    wanted = all_subsets(m) if perms is None else [frozenset(p[:k]) for p in perms for k in range(m + 1)]
    wanted += contrast_subsets(m)
    unique = {s: None for s in wanted}
    return sorted(unique, key=lambda s: (len(s), sorted(s)))


def exact_shapley(values: dict, m: int) -> np.ndarray:
    """Shapley value of each measure, shape (m, replications): the weighted mean, over every
    subset S without i, of v(S + i) - v(S), weight |S|! (m - |S| - 1)! / m!."""
    out = np.zeros((m, len(np.atleast_1d(values[frozenset()]))))
    for i in range(m):
        for s in all_subsets(m):
            if i in s:
                continue
            w = math.factorial(len(s)) * math.factorial(m - len(s) - 1) / math.factorial(m)
            out[i] += w * (np.asarray(values[s | {i}], float) - np.asarray(values[s], float))
    return out


def sampled_shapley(values: dict, m: int, perms: list[tuple[int, ...]]) -> tuple[np.ndarray, np.ndarray]:
    """(estimate, Monte-Carlo standard error): estimate shape (m, replications), the mean over
    the orderings of each measure's marginal contribution; error shape (m,), of the estimate's
    mean over replications, from the spread of the antithetic pair means."""
    contrib = np.zeros((len(perms), m, len(np.atleast_1d(values[frozenset()]))))
    for p, order in enumerate(perms):
        before = frozenset()
        for i in order:
            after = before | {i}
            contrib[p, i] = np.asarray(values[after], float) - np.asarray(values[before], float)
            before = after
    estimate = contrib.mean(axis=0)
    pairs = contrib.reshape(len(perms) // 2, 2, m, -1).mean(axis=1).mean(axis=2)  # (pairs, m): replication means
    n = pairs.shape[0]
    error = pairs.std(axis=0, ddof=1) / math.sqrt(n) if n > 1 else np.full(m, math.nan)
    return estimate, error


def contrasts(values: dict, m: int) -> dict[str, np.ndarray]:
    """total (v(all) - v(none)), one_at_a_time (v({i}) - v(none)), leave_one_out (v(all) -
    v(all - i)), each per replication, and the interaction: total minus the sum of the
    one-at-a-time effects (what the measures do together beyond each alone)."""
    none = np.asarray(values[frozenset()], float)
    full_set = frozenset(range(m))
    full = np.asarray(values[full_set], float)
    alone = np.stack([np.asarray(values[frozenset({i})], float) - none for i in range(m)])
    last = np.stack([full - np.asarray(values[full_set - {i}], float) for i in range(m)])
    total = full - none
    return {"total": total, "one_at_a_time": alone, "leave_one_out": last, "interaction": total - alone.sum(axis=0)}
