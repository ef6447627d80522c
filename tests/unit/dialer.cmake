# Unit tests of the dialer area's pure policy: the gates before every dial (zones, calling
# hours, contactability, parked numbers over a real store).
ld_unit_test(test_gates ld_dialer ld_store)
target_sources(test_gates PRIVATE ${CMAKE_CURRENT_SOURCE_DIR}/unit/storetest.c)
