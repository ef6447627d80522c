# Q and x while host names are being resolved (tests/ui/ui_quit.sh); skipped (77) without root
# and unshare, which its DNS server of its own needs.
ld_sh_test(ui ui_quit)
set_tests_properties(ui/ui_quit PROPERTIES SKIP_RETURN_CODE 77)
