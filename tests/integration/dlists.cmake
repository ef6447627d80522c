# The index of a rep's dial lists (src/dialer/dlists.c) read live from a spawned
# loftdial-sandbox on the real loop: counts against the sandbox, failures, cancel on free.
ld_c_test(integration test_dlists ld_dialer ld_sync PkgConfig::CURL PkgConfig::CJSON)
target_sources(test_dlists PRIVATE ${CMAKE_CURRENT_SOURCE_DIR}/integration/sbxtest.c)
target_include_directories(test_dlists PRIVATE ${CMAKE_CURRENT_SOURCE_DIR}/integration)
