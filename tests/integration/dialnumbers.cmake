# `loftdial dial --numbers FILE` through the gates, end to end: real baresip engines against a
# spawned sandbox's simulated phones on a pinned clock (hours by the number's zone, the store's
# do-not-contact and parked numbers, the check again right before each INVITE).
ld_c_test(integration test_dial_numbers ld_dialer ld_phone PkgConfig::CURL PkgConfig::CJSON
	PkgConfig::SQLITE m)
target_sources(test_dial_numbers PRIVATE ${CMAKE_CURRENT_SOURCE_DIR}/integration/sbxtest.c
	${CMAKE_CURRENT_SOURCE_DIR}/integration/synctest.c
	${CMAKE_CURRENT_SOURCE_DIR}/integration/phonetest.c
	${CMAKE_CURRENT_SOURCE_DIR}/integration/listdialtest.c)
target_include_directories(test_dial_numbers PRIVATE ${CMAKE_CURRENT_SOURCE_DIR}/integration)
target_link_libraries(test_dial_numbers PRIVATE ld_storetest)
add_dependencies(test_dial_numbers recordings)
set_tests_properties(integration/test_dial_numbers PROPERTIES LABELS "integration;phone")
