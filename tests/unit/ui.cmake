# Unit tests of the TUI's pure parts: the keymap and theme parsers (src/ui).
ld_unit_test(test_keymap ld_ui)
ld_unit_test(test_theme ld_ui)
ld_fuzz_test(fuzz_keymap ld_ui)
ld_fuzz_test(fuzz_theme ld_ui)
