# Unit and fuzz tests of the sandbox core's pure parts (rendering, time parsing). render.c is
# compiled in directly so these do not depend on the rest of ld_sandbox being buildable.
ld_unit_test(test_sbx_render ld_core ld_sandbox_headers)
target_sources(test_sbx_render PRIVATE ${CMAKE_SOURCE_DIR}/src/sandbox/render.c)
ld_fuzz_test(fuzz_sbx_time ld_core ld_sandbox_headers)
target_sources(fuzz_sbx_time PRIVATE ${CMAKE_SOURCE_DIR}/src/sandbox/render.c)
# The query-string / form-body decoder (server.c), replayed from its corpus plus mutations.
ld_fuzz_test(fuzz_sbx_query ld_sandbox ld_sandbox_headers)
