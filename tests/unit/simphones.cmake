# The simulated phones' behaviours, audio and lifetime (src/sandbox/simphones*.c).
ld_unit_test(test_simphones ld_sandbox ld_sandbox_headers)
add_dependencies(test_simphones recordings)
# Behaviour specs and dialled numbers are outside input (admin API, SIP request URIs).
ld_fuzz_test(fuzz_simphones_spec ld_sandbox ld_sandbox_headers)
