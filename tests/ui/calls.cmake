# The Calls screen (src/ui/scr_calls.c) in tmux against the sandbox's synced calls and dial
# attempts and logged records another process wrote: goldens, filters, the card, live rows.
ld_sh_test(ui ui_calls)
