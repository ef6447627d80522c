# What `loftdial demo` sets up and takes down (src/demo/demo.c) with the real loftdial-sandbox:
# free engine ports, finding the sandbox, start, config, stop by PID, the folder removed.
ld_c_test(integration test_demo ld_demo PkgConfig::CURL PkgConfig::CJSON)
target_sources(test_demo PRIVATE ${CMAKE_CURRENT_SOURCE_DIR}/integration/sbxtest.c)
target_include_directories(test_demo PRIVATE ${CMAKE_CURRENT_SOURCE_DIR}/integration)
