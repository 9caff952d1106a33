"""The simulated port (SimPy plus closed-form queues): demand, the clearance plan, vessels,
clearance, inspection, yard, hinterland, and the columnar record of every milestone."""
