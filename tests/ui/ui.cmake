# TUI tests: the real loftdial in tmux on a private socket (tests/ui/uilib.sh).
ld_sh_test(ui ui_restore)
ld_sh_test(ui ui_shell)
ld_sh_test(ui ui_screens)
ld_sh_test(ui ui_sync_live)
ld_sh_test(ui ui_contacts)
ld_sh_test(ui ui_lists)
ld_sh_test(ui ui_picker)
