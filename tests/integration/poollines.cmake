# The pool's run-time controls (pool_set_lines, pool_pause, the pre-dial hook) with real baresip
# (after phone.cmake, which defines ld_phone_test).
ld_phone_test(test_pool_lines)
