# The sandbox's time zones (src/sandbox/tz.c, pure): unit tests against the system's tz
# database, and a fuzz target for its TZif and POSIX rule readers. tz.c is compiled in
# directly, so these do not depend on the rest of ld_sandbox.
ld_unit_test(test_sbx_tz ld_core ld_sandbox_headers)
target_sources(test_sbx_tz PRIVATE ${CMAKE_SOURCE_DIR}/src/sandbox/tz.c)
ld_fuzz_test(fuzz_sbx_tz ld_core ld_sandbox_headers)
target_sources(fuzz_sbx_tz PRIVATE ${CMAKE_SOURCE_DIR}/src/sandbox/tz.c)
