# Issue 13's crash and outage must-shows with the real program, baresip and the sandbox's
# simulated phones: kill -9 of `loftdial dial` between a record's commit and its send, then a
# flush or a new run; a 10-minute sandbox outage on the sender's shortened clock.
ld_c_test(integration test_dial_crash ld_dialer ld_phone PkgConfig::CURL PkgConfig::CJSON
	PkgConfig::SQLITE m)
target_sources(test_dial_crash PRIVATE ${CMAKE_CURRENT_SOURCE_DIR}/integration/sbxtest.c
	${CMAKE_CURRENT_SOURCE_DIR}/integration/synctest.c
	${CMAKE_CURRENT_SOURCE_DIR}/integration/phonetest.c
	${CMAKE_CURRENT_SOURCE_DIR}/integration/listdialtest.c)
target_include_directories(test_dial_crash PRIVATE ${CMAKE_CURRENT_SOURCE_DIR}/integration)
add_dependencies(test_dial_crash recordings)
set_tests_properties(integration/test_dial_crash PROPERTIES LABELS "integration;phone")
