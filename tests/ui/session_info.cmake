# What the dial session screen shows before the first dial (tests/ui/ui_session_info.sh) in
# tmux against the sandbox, its simulated phones and real baresip: the voicemail file in force.
ld_sh_test(ui ui_session_info)
set_tests_properties(ui/ui_session_info PROPERTIES LABELS "ui;phone")
