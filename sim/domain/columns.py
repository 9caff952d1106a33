"""The record layout: the milestone, attribute and vessel-call columns of a run's tables.

Every layer reads these names; only the model writes them (sim/model/record.py).
"""
# Milestone columns (hours from scenario start; NaN = did not happen / not yet).
# Import: vessel_arrival -> berthed -> in_yard (-> plugged, reefers); lodged -> accepted ->
#   doc_check_start -> doc_check_end -> inspection_ordered -> inspection_queued (box at the
#   station) -> inspection_start -> inspection_end (customs, or the joint visit) ->
#   quarantine_queued -> quarantine_start -> quarantine_end (separate CIQ visit) ->
#   fumigation_queued -> fumigation_start -> fumigation_end -> duty_paid ->
#   released (customs release at the port; for a transit box, the transit release) ->
#   transit_ready (transit formalities done) -> out (gate-out or train departure) ->
#   inland_arrival -> inland_lodged -> inland_check_start -> inland_check_end (the inland officers'
#   document check) -> inland_inspection_start -> inland_inspection_end (the inland bays) ->
#   inland_released (second declaration, transit only) ->
#   delivered (at the consignee's door).
# Export: origin_ready (the box is ready to leave the exporter; under export transit it is first
#   declared at the inland office and waits for a bonded truck) -> gate_arrival -> gate_in -> lodged
#   -> ... -> released -> loaded -> out (vessel departure).
# Transshipment: vessel_arrival -> berthed -> in_yard -> released (under transit supervision)
#   -> loaded -> out (connecting vessel departs or land-bridge train leaves).
# A step a consignment skips stays NaN; so does one that had not happened when the run ended.
# Each station type has its own queued/start/end columns (the customs stations share theirs: a
# box makes one customs visit, the `station` column says where), so a pool's busy time and
# wait are read from its columns alone (sim.outputs.staffing), as are the inland offices' pools.
MILESTONES = (
    "vessel_arrival", "berthed", "in_yard", "origin_ready", "gate_arrival", "gate_in", "plugged",
    "lodged", "accepted", "doc_check_start", "doc_check_end",
    "inspection_ordered", "inspection_queued", "inspection_start", "inspection_end",
    "quarantine_queued", "quarantine_start", "quarantine_end",
    "fumigation_queued", "fumigation_start", "fumigation_end", "duty_paid", "released", "transit_ready",
    "loaded", "out", "inland_arrival", "inland_lodged",
    "inland_check_start", "inland_check_end", "inland_inspection_start", "inland_inspection_end",
    "inland_released", "delivered",
)

# Attribute columns (integers or floats that do not change during the run).
ATTRIBUTES_INT = (  # int32: ids, counts, and the codes demand draws
    "consignment_id", "call_id", "direction", "trade", "cargo_class", "destination", "boxes",
    "rolled_calls", "connect_call_id",
)
ATTRIBUTES_CODE = (  # int8: codes, flags and small counts the regime decides
    "channel", "station", "mode", "inland", "pre_arrival", "transit", "transit_formalities",
    "declarations", "quarantine", "joint_inspection", "fumigation", "certificate", "inland_inspection",
)
SNAPSHOT_FLAG = "from_snapshot"
"""int8 column of a warm start's table only (`run.initial_state`): 1 for the snapshot's items (the boxes
in the yard and the cargo its vessels still discharge), 0 for the new arrivals."""
SNAPSHOT_BOX = "snapshot_box"
"""int32 column of a warm start's table only: a box row's position among the snapshot file's box rows (file
order, from 0), so each row can be named by its snapshot id; -1 for everything else."""
ATTRIBUTES_FLOAT = ("teu", "value_cny", "distance_km", "customs_work_hours")
# customs_work_hours: customs officers' own working time on the port declaration (acceptance,
#   document check, customs or joint inspection), planned before the run; NaN when undeclared.

# Vessel-call columns: one row per call.
CALL_COLUMNS_INT = ("call_id", "service", "terminal", "import_boxes", "export_boxes", "loaded_boxes", "cranes")
CALL_TIMES = ("arrival", "berthed", "discharge_end", "departed")
CALL_COLUMNS_FLOAT = ("scheduled",) + CALL_TIMES + ("import_teu", "loaded_teu")
