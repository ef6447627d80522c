# Integration tests of the sandbox's Salesloft facts for cadence work (issue 8: actions,
# calls, team settings, cadence progress, deletions): each spawns loftdial-sandbox and talks
# to it over real HTTP through libcurl.
foreach(t test_sbx_actions test_sbx_team test_sbx_cadence)
	ld_c_test(integration ${t} ld_core PkgConfig::CURL PkgConfig::CJSON)
	target_sources(${t} PRIVATE ${CMAKE_CURRENT_SOURCE_DIR}/integration/sbxtest.c)
	target_include_directories(${t} PRIVATE ${CMAKE_CURRENT_SOURCE_DIR}/integration)
endforeach()
