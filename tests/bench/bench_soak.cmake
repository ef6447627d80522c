# bench_soak: the real TUI on a pseudo-terminal against a spawned sandbox for MINUTES (default
# 60; 2 for a short run) of sync polls, OAuth refreshes with a short token lifetime and webhook
# deliveries; prints RSS, open fds, frame time and log redaction, and whether they stay flat
# (`cmake --build --preset debug --target bench_soak`, docs/ui.md).
ld_bench(bench_soak PkgConfig::CURL PkgConfig::CJSON PkgConfig::SQLITE util)
target_sources(bench_soak PRIVATE ${CMAKE_CURRENT_SOURCE_DIR}/integration/sbxtest.c
	${CMAKE_CURRENT_SOURCE_DIR}/integration/synctest.c)
target_include_directories(bench_soak PRIVATE ${CMAKE_CURRENT_SOURCE_DIR}/integration)
target_compile_definitions(bench_soak PRIVATE "LD_LOFTDIAL_BIN=\"$<TARGET_FILE:loftdial>\""
	"LD_SANDBOX_BIN=\"$<TARGET_FILE:loftdial-sandbox>\"")
add_dependencies(bench_soak loftdial loftdial-sandbox)
