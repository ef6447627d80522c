# bench_campaign part (b): a real campaign of 300+ dials on 9 lines through the headless dial
# session against a spawned sandbox's simulated phones, line control off and on
# (`cmake --build --preset debug --target bench_campaign_live`, docs/dialing.md).
ld_bench(bench_campaign_live ld_dialer ld_phone PkgConfig::CURL PkgConfig::CJSON
	PkgConfig::SQLITE m)
target_sources(bench_campaign_live PRIVATE ${CMAKE_CURRENT_SOURCE_DIR}/integration/sbxtest.c
	${CMAKE_CURRENT_SOURCE_DIR}/integration/synctest.c
	${CMAKE_CURRENT_SOURCE_DIR}/integration/phonetest.c)
target_include_directories(bench_campaign_live PRIVATE ${CMAKE_CURRENT_SOURCE_DIR}/integration)
target_compile_definitions(bench_campaign_live PRIVATE
	"LD_SANDBOX_BIN=\"$<TARGET_FILE:loftdial-sandbox>\"")
add_dependencies(bench_campaign_live loftdial-sandbox)
