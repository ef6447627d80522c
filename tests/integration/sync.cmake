# Integration tests of the Salesloft client and the sync (src/salesloft, src/sync, the
# connect/sync/status/api/export/webhooks commands): each spawns loftdial-sandbox on a free
# loopback port and runs the real loftdial against it over HTTP.
function(ld_sync_test name)
	ld_c_test(integration ${name} ld_core PkgConfig::CURL PkgConfig::CJSON PkgConfig::SQLITE m)
	target_sources(${name} PRIVATE ${CMAKE_CURRENT_SOURCE_DIR}/integration/sbxtest.c
		${CMAKE_CURRENT_SOURCE_DIR}/integration/synctest.c)
	target_include_directories(${name} PRIVATE ${CMAKE_CURRENT_SOURCE_DIR}/integration)
endfunction()
ld_sync_test(test_sync_full)
ld_sync_test(test_sync_incremental)
ld_sync_test(test_sync_oauth)
ld_sync_test(test_sync_faults)
ld_sync_test(test_sync_webhooks)
target_link_libraries(test_sync_webhooks PRIVATE ld_sync)
# bench_sync: records/s, peak RSS, requests and cost of a full sync of a large org
# (`cmake --build <dir> --target bench_sync`, then `bench_sync 100000 1000000`).
ld_bench(bench_sync ld_core PkgConfig::CURL PkgConfig::CJSON)
