# Integration tests of loftdial-sandbox's core (HTTP server, lists, rate limit, generator):
# each starts real sandboxes on free loopback ports and talks HTTP to them through libcurl.
# render.c is compiled in for the timestamp parser the checks use.
foreach(t test_sandbox_api test_sandbox_ratelimit test_sandbox_determinism)
	ld_c_test(integration ${t} ld_core ld_sandbox_headers PkgConfig::CURL PkgConfig::CJSON)
	target_sources(${t} PRIVATE ${CMAKE_SOURCE_DIR}/src/sandbox/render.c)
	target_include_directories(${t} PRIVATE ${CMAKE_SOURCE_DIR}/tests/integration)
endforeach()

# The benchmark (built by the "bench" target, never run by ctest).
ld_bench(bench_sandbox ld_core PkgConfig::CURL)
