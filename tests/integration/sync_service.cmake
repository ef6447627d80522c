# The sync service (src/sync/syncsvc.c) in this process on the real loop, against a spawned
# loftdial-sandbox: polls on the timer, single flight under the sync lock, webhooks beside.
ld_c_test(integration test_sync_service ld_sync PkgConfig::CURL PkgConfig::CJSON)
target_sources(test_sync_service PRIVATE ${CMAKE_CURRENT_SOURCE_DIR}/integration/sbxtest.c)
target_include_directories(test_sync_service PRIVATE ${CMAKE_CURRENT_SOURCE_DIR}/integration)
