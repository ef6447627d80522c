# The Outbox screen (src/ui/scr_outbox.c) in tmux against the sandbox: records it refuses
# (a disposition the team requires), retried, corrected and sent once, a hostile one dropped.
ld_sh_test(ui ui_outbox_screen)
