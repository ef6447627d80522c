# Integration tests of the telephony engine and the dial pool: real baresip processes (loftdial's
# own engines and third-party callees configured by each test) and SIPp scenarios, on 127.0.0.1.
function(ld_phone_test name)
	ld_c_test(integration ${name} ld_dialer ld_phone)
	target_sources(${name} PRIVATE ${CMAKE_CURRENT_SOURCE_DIR}/integration/phonetest.c)
	target_include_directories(${name} PRIVATE ${CMAKE_CURRENT_SOURCE_DIR}/integration)
	set_tests_properties(integration/${name} PROPERTIES LABELS "integration;phone")
endfunction()
ld_phone_test(test_phone_outcomes)
ld_phone_test(test_phone_pool9)
ld_phone_test(test_phone_engine)
ld_phone_test(test_phone_sipp)
ld_phone_test(test_phone_cli)
# The soak benchmark (tests/bench/bench_dial_soak.c, 300 dials) and a short ctest run of it.
ld_phone_test(test_phone_soak)
ld_bench(bench_dial_soak ld_dialer ld_phone)
target_sources(bench_dial_soak PRIVATE ${CMAKE_CURRENT_SOURCE_DIR}/integration/phonetest.c)
target_include_directories(bench_dial_soak PRIVATE ${CMAKE_CURRENT_SOURCE_DIR}/integration)
# The dial pool and AMD against loftdial-sandbox's simulated phones (recorded speech).
ld_phone_test(test_phone_simphones)
target_sources(test_phone_simphones PRIVATE ${CMAKE_CURRENT_SOURCE_DIR}/integration/phonesbx.c)
target_link_libraries(test_phone_simphones PRIVATE m)
add_dependencies(test_phone_simphones recordings)
# The pool's snapshot accessor (lines, phases, queue) that the TUI draws from.
ld_phone_test(test_pool_snapshot)
