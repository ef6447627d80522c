# The dial session's pause, card and log-and-pause keys, and the figures with the line count
# lowered by abandonment control (tests/ui/ui_session_pause.sh), against the sandbox, its
# simulated phones and real baresip.
ld_sh_test(ui ui_session_pause)
set_tests_properties(ui/ui_session_pause PROPERTIES LABELS "ui;phone")
