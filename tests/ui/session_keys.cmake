# The dial session's keys (tests/ui/ui_session_keys.sh) in tmux against the sandbox, its
# simulated phones and real baresip: lines, preview, skip, dial, redial, parallel again.
ld_sh_test(ui ui_session_keys)
set_tests_properties(ui/ui_session_keys PROPERTIES LABELS "ui;phone")
