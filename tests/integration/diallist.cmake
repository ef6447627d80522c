# Dial lists (src/dialer/diallist.c) read live from a spawned loftdial-sandbox on the real
# loop: cadence actions, call tasks, mirrored tasks, completed-elsewhere actions, gates.
ld_c_test(integration test_diallist ld_dialer ld_sync PkgConfig::CURL PkgConfig::CJSON)
target_sources(test_diallist PRIVATE ${CMAKE_CURRENT_SOURCE_DIR}/integration/sbxtest.c)
target_include_directories(test_diallist PRIVATE ${CMAKE_CURRENT_SOURCE_DIR}/integration)
