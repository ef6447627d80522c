/*
 * test_phone_soak: a short run (36 dials over 9 lines) of the soak benchmark, so ctest checks
 * on every build that dialling leaks no process and no fd. The full 300-dial run with figures
 * is `bench_dial_soak` (make bench).
 */
#define SOAK_DEFAULT_DIALS 36
#include "../bench/bench_dial_soak.c"
