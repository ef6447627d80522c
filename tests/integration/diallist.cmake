# Dial lists (src/dialer/diallist.c) read live from a spawned loftdial-sandbox on the real
# loop: cadence actions, call tasks, mirrored tasks, completed-elsewhere actions, gates.
ld_c_test(integration test_diallist ld_dialer ld_sync PkgConfig::CURL PkgConfig::CJSON)
target_sources(test_diallist PRIVATE ${CMAKE_CURRENT_SOURCE_DIR}/integration/sbxtest.c)
target_include_directories(test_diallist PRIVATE ${CMAKE_CURRENT_SOURCE_DIR}/integration)
# `loftdial dial --cadence/--tasks` end to end on 3 lines: the sandbox's lists dialled through
# real baresip against its simulated phones, every attempt's record in the outbox and posted.
ld_c_test(integration test_dial_lists ld_dialer ld_phone PkgConfig::CURL PkgConfig::CJSON
	PkgConfig::SQLITE m)
target_sources(test_dial_lists PRIVATE ${CMAKE_CURRENT_SOURCE_DIR}/integration/sbxtest.c
	${CMAKE_CURRENT_SOURCE_DIR}/integration/synctest.c
	${CMAKE_CURRENT_SOURCE_DIR}/integration/phonetest.c
	${CMAKE_CURRENT_SOURCE_DIR}/integration/listdialtest.c)
target_include_directories(test_dial_lists PRIVATE ${CMAKE_CURRENT_SOURCE_DIR}/integration)
add_dependencies(test_dial_lists recordings)
set_tests_properties(integration/test_dial_lists PROPERTIES LABELS "integration;phone")
