# `loftdial report` over a real store file, and the outbox sender through `loftdial outbox`
# against the real sandbox (faults, lost replies); both through the real program.
ld_c_test(integration test_report ld_store PkgConfig::CJSON)
ld_c_test(integration test_outbox_send ld_store PkgConfig::CURL PkgConfig::CJSON)
target_sources(test_outbox_send PRIVATE ${CMAKE_CURRENT_SOURCE_DIR}/integration/sbxtest.c)
target_include_directories(test_outbox_send PRIVATE ${CMAKE_CURRENT_SOURCE_DIR}/integration)
