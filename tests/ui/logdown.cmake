# Salesloft down while the rep logs a call in a dial session (tests/ui/ui_logdown.sh): the
# session goes on, the outbox holds the record, it lands once when the API is back.
ld_sh_test(ui ui_logdown)
set_tests_properties(ui/ui_logdown PROPERTIES LABELS "ui;phone")
