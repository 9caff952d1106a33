"""A hand-written set of model faults that the regression baseline must catch.

Each mutation is one textual edit of one file under sim/: the kind of slip a change to the
model can make without any test noticing (issue history: at the calibrated staffing, four of
six such faults passed every test). `tests/regression/test_mutations.py` applies each to a
copy of the package, re-runs the baseline there and requires it to fail:
- `band`: some KPI mean leaves its statistical band (sim/runs/baseline.py), i.e. the fault is
  caught even by the seed-independent check, not only by the exact one;
- `exact`: the same-seed comparison (values, CIs, the paired diff, the table fingerprint)
  fails; used where the fault cannot move a mean (a wrong pairing leaves mean differences
  unchanged and only widens their CI);
- `refused`: the config check refuses the baseline before it runs (an overloaded pool).

When an edit no longer applies (the code it names was changed), the test says so: update the
mutation to the new code, keeping the fault it stands for.
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Mutation:
    name: str
    path: str       # relative to the sim/ package
    old: str        # must occur exactly once
    new: str
    caught_by: str  # "band", "exact" or "refused"
    why: str


MUTATIONS = (
    Mutation("officers one server short", "model/plan.py",
             "accepted[rows], doc_work[rows], regime.officers,",
             "accepted[rows], doc_work[rows], regime.officers - 1,", "band",
             "the port officers' pool (closed form) loses a server in both regimes"),
    Mutation("reform regime's officer count ignored", "model/plan.py",
             "accepted[rows], doc_work[rows], regime.officers,",
             "accepted[rows], doc_work[rows], cfg.baseline.officers,", "band",
             "every regime gets the before-reform officer count"),
    Mutation("inland offices one server short", "model/hinterland.py",
             "(plan.inland_doc_check_work[idx], self.transit.inland_officers,",
             "(plan.inland_doc_check_work[idx], self.transit.inland_officers - 1,", "band",
             "each inland customs office loses an officer (before-reform transit declarations)"),
    Mutation("inspection bays one short", "model/port.py",
             "StaffedStation(env, st.key, cfg.port.inspection_stations[st.key].bays,",
             "StaffedStation(env, st.key, cfg.port.inspection_stations[st.key].bays - 1,", "band",
             "every SimPy inspection station loses a bay"),
    Mutation("in-gate one lane short", "model/plan.py",
             "fifo_servers(gate_arrival[idx], service, cfg.port.gate.in_lanes)",
             "fifo_servers(gate_arrival[idx], service, cfg.port.gate.in_lanes - 1)", "band",
             "the export in-gate (closed form) loses a lane"),
    Mutation("out-gate one lane short", "model/hinterland.py",
             "self.gate_free = [0.0] * cfg.port.gate.out_lanes",
             "self.gate_free = [0.0] * (cfg.port.gate.out_lanes - 1)", "band",
             "the import out-gate line loses a lane"),
    Mutation("calendar off by an hour", "domain/calendar.py",
             "return cls(cal.days, cal.open_hour, cal.close_hour)",
             "return cls(cal.days, cal.open_hour + 1.0, cal.close_hour)", "band",
             "every working calendar opens an hour late: the pre-reform officers (load 0.81 -> 0.92) "
             "and inspection bays queue longer"),
    Mutation("calendar closes an hour late", "domain/calendar.py",
             "return cls(cal.days, cal.open_hour, cal.close_hour)",
             "return cls(cal.days, cal.open_hour, cal.close_hour + 1.0)", "band",
             "every office-hours calendar gains an hour a day: more capacity, shorter waits"),
    Mutation("unfinished counted as finished at the end of the run", "outputs/kpi.py",
             "return np.where(observed, e, window.end_hours) - s, observed",
             "return np.where(observed, e, window.end_hours) - s, observed | True", "exact",
             "Kaplan-Meier censoring replaced by the naive estimate; with five drain days ~1 % of the "
             "cohort is open at the end, so means move by less than their band (the estimator itself is "
             "checked on a table with known censoring in tests/validation)"),
    Mutation("after replications paired in reverse order", "experiment/replications.py",
             'paired_difference(before[name], after[name])',
             'paired_difference(before[name], after[name][::-1])', "exact",
             "common random numbers paired wrongly: the paired diff CI is wrong, its mean is not"),
    Mutation("storage rate applied to demurrage", "outputs/costs.py",
             "yard_days - rates.demurrage_free_days) * rates.demurrage_cny_per_teu_day",
             "yard_days - rates.demurrage_free_days) * rates.storage_cny_per_teu_day", "band",
             "a cost rate applied to the wrong component"),
)
