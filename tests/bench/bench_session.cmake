# bench_session: the dial session screen's frame time with nine lanes changing at once, and the
# time from a lane's change notification to the end of the frame that shows it
# (`cmake --build --preset debug --target bench_session`, docs/ui.md).
ld_bench(bench_session ld_ui PkgConfig::NCURSESW util)
target_include_directories(bench_session PRIVATE ${CMAKE_SOURCE_DIR}/src/ui)
