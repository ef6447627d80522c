# The simulated phones against real baresip callers, with AMD on the live recordings.
ld_c_test(integration test_simphones_calls ld_phone)
add_dependencies(test_simphones_calls recordings)
