"""`make bench`: Lojal's request paths and ledger jobs measured against a same-run baseline.

Speed is reported as percentiles and as ratios to a trivial endpoint served by the same stack in the
same run, never as a pass/fail timing; what fails a run is a wrong answer (any non-2xx, a doctor problem).
"""
