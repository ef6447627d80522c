# Voicemail drop after the beep and the identification message for dropped live answers, checked
# on the audio the sandbox's simulated phones received (real baresip engines).
ld_phone_test(test_vmdrop)
target_sources(test_vmdrop PRIVATE ${CMAKE_CURRENT_SOURCE_DIR}/integration/phonesbx.c)
add_dependencies(test_vmdrop recordings)
target_link_libraries(test_vmdrop PRIVATE m)
# loftdial voicemail record: --from through sox, and the headset recorded through baresip.
ld_sh_test(integration voicemail_record)
# loftdial dial --tasks against machines only: every call leaves the message after the beep and
# is logged once with the team's voicemail disposition.
ld_c_test(integration test_vm_logged ld_dialer ld_phone PkgConfig::CURL PkgConfig::CJSON
	PkgConfig::SQLITE m)
target_sources(test_vm_logged PRIVATE ${CMAKE_CURRENT_SOURCE_DIR}/integration/sbxtest.c
	${CMAKE_CURRENT_SOURCE_DIR}/integration/synctest.c
	${CMAKE_CURRENT_SOURCE_DIR}/integration/phonetest.c
	${CMAKE_CURRENT_SOURCE_DIR}/integration/listdialtest.c)
target_include_directories(test_vm_logged PRIVATE ${CMAKE_CURRENT_SOURCE_DIR}/integration)
add_dependencies(test_vm_logged recordings)
set_tests_properties(integration/test_vm_logged PROPERTIES LABELS "integration;phone")

# A cadence's own voicemail (loftdial voicemail record --cadence): its sessions play it, others
# the default; checked on the audio the sandbox's machines received.
ld_c_test(integration test_vm_cadence ld_dialer ld_phone PkgConfig::CURL PkgConfig::CJSON
	PkgConfig::SQLITE m)
target_sources(test_vm_cadence PRIVATE ${CMAKE_CURRENT_SOURCE_DIR}/integration/sbxtest.c
	${CMAKE_CURRENT_SOURCE_DIR}/integration/synctest.c
	${CMAKE_CURRENT_SOURCE_DIR}/integration/phonetest.c
	${CMAKE_CURRENT_SOURCE_DIR}/integration/listdialtest.c
	${CMAKE_CURRENT_SOURCE_DIR}/integration/phonesbx.c)
target_include_directories(test_vm_cadence PRIVATE ${CMAKE_CURRENT_SOURCE_DIR}/integration)
add_dependencies(test_vm_cadence recordings)
set_tests_properties(integration/test_vm_cadence PROPERTIES LABELS "integration;phone")
