# The outbox while the TUI runs and the Outbox screen, against the real sandbox.
ld_sh_test(ui ui_outbox)
