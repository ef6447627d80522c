# Integration tests of the sandbox's tasks and time zones against reference §4.2 and §4.8
# (filters, idempotency keys, is_logged, time_interval_filter zones, locales and offsets),
# over real HTTP. ld_sbx_test comes from sandbox_auth.cmake (fragments load in name order).
ld_sbx_test(test_sbx_tasks)
# The zones test checks offsets against the same tz database through tz.c, and parses
# timestamps with render.c.
ld_sbx_test(test_sbx_zones)
target_sources(test_sbx_zones PRIVATE ${CMAKE_SOURCE_DIR}/src/sandbox/tz.c
	${CMAKE_SOURCE_DIR}/src/sandbox/render.c)
target_link_libraries(test_sbx_zones PRIVATE ld_sandbox_headers)
# Faults that strike after the work is done (lost_reply, late_reply).
ld_sbx_test(test_sbx_lost_reply)
