# The dial session screen (src/ui/scr_session.c) in tmux against the sandbox, its simulated
# phones and real baresip: goldens, a person answering on 3 lines, quit and SIGTERM mid-call.
ld_sh_test(ui ui_session)
set_tests_properties(ui/ui_session PROPERTIES LABELS "ui;phone")
