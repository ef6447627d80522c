# bench_session: the dial session screen's frame time with nine lanes changing at once, the
# time from a lane's pool note to the frame that shows it, and end to end (session_e2e.c) from
# a simulated phone's 200 OK to the real TUI's frame showing the lane connected, with the
# CANCELs the other phones got; prints figures, never fails on speed
# (`cmake --build --preset debug --target bench_session`, docs/ui.md).
ld_bench(bench_session ld_ui PkgConfig::NCURSESW PkgConfig::CURL PkgConfig::CJSON
	PkgConfig::SQLITE util)
target_sources(bench_session PRIVATE ${CMAKE_CURRENT_SOURCE_DIR}/bench/session_e2e.c
	${CMAKE_CURRENT_SOURCE_DIR}/integration/sbxtest.c
	${CMAKE_CURRENT_SOURCE_DIR}/integration/synctest.c)
target_include_directories(bench_session PRIVATE ${CMAKE_SOURCE_DIR}/src/ui
	${CMAKE_CURRENT_SOURCE_DIR}/integration)
target_compile_definitions(bench_session PRIVATE "LD_LOFTDIAL_BIN=\"$<TARGET_FILE:loftdial>\""
	"LD_SANDBOX_BIN=\"$<TARGET_FILE:loftdial-sandbox>\"")
add_dependencies(bench_session loftdial loftdial-sandbox)
# A short run of the end-to-end part: sane figures come out (no speed is asserted).
ld_c_test(bench test_session_e2e PkgConfig::CURL PkgConfig::CJSON PkgConfig::SQLITE util)
target_sources(test_session_e2e PRIVATE ${CMAKE_CURRENT_SOURCE_DIR}/bench/session_e2e.c
	${CMAKE_CURRENT_SOURCE_DIR}/integration/sbxtest.c
	${CMAKE_CURRENT_SOURCE_DIR}/integration/synctest.c)
target_include_directories(test_session_e2e PRIVATE ${CMAKE_CURRENT_SOURCE_DIR}/integration)
set_tests_properties(bench/test_session_e2e PROPERTIES LABELS "bench;phone;ui")
