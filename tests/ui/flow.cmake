# The whole flow from `loftdial demo` in tmux (tests/ui/ui_flow.sh): a cadence and a call-task
# list dialled on 3 lines, a person answering, the call logged with a note, checked in the
# demo's sandbox.
ld_sh_test(ui ui_flow)
set_tests_properties(ui/ui_flow PROPERTIES LABELS "ui;phone")
