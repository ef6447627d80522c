# AMD and the WAV follower (src/phone/amd.c, src/phone/wavtail.c).
ld_unit_test(test_amd ld_phone)
ld_unit_test(test_wavtail ld_phone)
# Accuracy floor on the recorded corpus (deterministic: it counts answers, not time).
ld_unit_test(test_amd_corpus ld_phone)
target_include_directories(test_amd_corpus PRIVATE ${CMAKE_CURRENT_SOURCE_DIR}/bench)
add_dependencies(test_amd_corpus recordings)
ld_bench(bench_amd ld_phone)
# wavtail reads files written by another program.
ld_fuzz_test(fuzz_wavtail ld_phone)
