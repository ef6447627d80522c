# The headless dial session controller (src/dialer/dsession.c) in-process against a spawned
# loftdial-sandbox (API and simulated phones) and real baresip engines.
ld_c_test(integration test_dsession ld_dialer ld_phone PkgConfig::CURL PkgConfig::CJSON
	PkgConfig::SQLITE m)
target_sources(test_dsession PRIVATE ${CMAKE_CURRENT_SOURCE_DIR}/integration/sbxtest.c
	${CMAKE_CURRENT_SOURCE_DIR}/integration/synctest.c
	${CMAKE_CURRENT_SOURCE_DIR}/integration/phonetest.c)
target_include_directories(test_dsession PRIVATE ${CMAKE_CURRENT_SOURCE_DIR}/integration)
set_tests_properties(integration/test_dsession PROPERTIES LABELS "integration;phone")
