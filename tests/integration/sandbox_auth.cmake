# Integration tests of the sandbox's OAuth, writes, webhooks, admin API and fault injection:
# each spawns loftdial-sandbox and talks to it over real HTTP through libcurl.
function(ld_sbx_test name)
	ld_c_test(integration ${name} ld_core PkgConfig::CURL PkgConfig::CJSON)
	target_sources(${name} PRIVATE ${CMAKE_CURRENT_SOURCE_DIR}/integration/sbxtest.c)
	target_include_directories(${name} PRIVATE ${CMAKE_CURRENT_SOURCE_DIR}/integration)
endfunction()
ld_sbx_test(test_sbx_oauth_flow)
ld_sbx_test(test_sbx_calls)
ld_sbx_test(test_sbx_deliveries)
ld_sbx_test(test_sbx_fault_kinds)
