# bench_ui: time to first frame of the real TUI and contact search per keystroke with 100k and
# 1M people in the store (`cmake --build --preset debug --target bench_ui`, docs/ui.md).
ld_bench(bench_ui ld_store util)
target_compile_definitions(bench_ui PRIVATE "LD_LOFTDIAL_BIN=\"$<TARGET_FILE:loftdial>\"")
add_dependencies(bench_ui loftdial)
