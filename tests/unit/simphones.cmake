# The simulated phones' behaviours, audio and lifetime (src/sandbox/simphones*.c).
ld_unit_test(test_simphones ld_sandbox)
add_dependencies(test_simphones recordings)
