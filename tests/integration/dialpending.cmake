# Issue 13's "pending in the outbox" skip with the real program, baresip and the sandbox's
# simulated phones: a run killed after logging while the sandbox refuses the calls, a second
# run that must skip that person, and a third after the outbox drained.
ld_c_test(integration test_dial_pending ld_dialer ld_phone PkgConfig::CURL PkgConfig::CJSON
	PkgConfig::SQLITE m)
target_sources(test_dial_pending PRIVATE ${CMAKE_CURRENT_SOURCE_DIR}/integration/sbxtest.c
	${CMAKE_CURRENT_SOURCE_DIR}/integration/synctest.c
	${CMAKE_CURRENT_SOURCE_DIR}/integration/phonetest.c
	${CMAKE_CURRENT_SOURCE_DIR}/integration/listdialtest.c)
target_include_directories(test_dial_pending PRIVATE ${CMAKE_CURRENT_SOURCE_DIR}/integration)
add_dependencies(test_dial_pending recordings)
set_tests_properties(integration/test_dial_pending PROPERTIES LABELS "integration;phone")
