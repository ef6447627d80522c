# The TUI under network faults and at idle (tests/ui/ui_network.sh).
ld_sh_test(ui ui_network)
