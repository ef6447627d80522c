# The due counts without the people waiting in the outbox (tests/ui/ui_lists_outbox.sh):
# loftdial lists (text, JSON) and the Lists screen in tmux against the sandbox, same figures.
ld_sh_test(ui ui_lists_outbox)
set_tests_properties(ui/ui_lists_outbox PROPERTIES LABELS "ui")
