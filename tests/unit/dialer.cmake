# Unit tests of the dialer area's policy: the gates before every dial (zones, calling hours,
# contactability, parked numbers over a real store) and the abandonment meter.
ld_unit_test(test_gates ld_dialer ld_store)
target_link_libraries(test_gates PRIVATE ld_storetest)
# The abandonment meter (pure).
ld_unit_test(test_abandon ld_dialer)
# The pacing policy in a simulated campaign (prints figures; built by the "bench" target).
ld_bench(bench_campaign ld_dialer)
# Ended attempts to call records: outcome kinds, disposition names, outbox items on a store file.
ld_unit_test(test_callrec ld_dialer ld_store)
target_link_libraries(test_callrec PRIVATE ld_storetest)
# The number an attempt keeps, whole from the pool's record to dial_attempts and back.
ld_unit_test(test_attempt_number ld_dialer ld_store)
target_link_libraries(test_attempt_number PRIVATE ld_storetest)
