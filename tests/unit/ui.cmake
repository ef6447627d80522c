# Unit tests of the TUI's pure parts: the keymap and theme parsers (src/ui).
ld_unit_test(test_keymap ld_ui)
ld_unit_test(test_theme ld_ui)
ld_fuzz_test(fuzz_keymap ld_ui)
ld_fuzz_test(fuzz_theme ld_ui)
# The text field (src/ui/editline.c, a private header next to it).
ld_unit_test(test_editline ld_ui)
target_include_directories(test_editline PRIVATE ${CMAKE_SOURCE_DIR}/src/ui)
ld_fuzz_test(fuzz_editline ld_ui)
target_include_directories(fuzz_editline PRIVATE ${CMAKE_SOURCE_DIR}/src/ui)
