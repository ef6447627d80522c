# Unit tests of the core area: config, text, log, paths, loop glue and the HTTP client.
ld_unit_test(test_config ld_core)
ld_unit_test(test_config_readers ld_core)
ld_unit_test(test_text ld_core)
ld_unit_test(test_log ld_core)
ld_unit_test(test_paths ld_core)
ld_unit_test(test_loop ld_core)
ld_fuzz_test(fuzz_config ld_core)
ld_fuzz_test(fuzz_text ld_core)
