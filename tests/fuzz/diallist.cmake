# Fuzz target of the dial list (src/dialer/diallist.c): Salesloft's answers (steps, actions,
# actions by id, call instructions, tasks, people) replayed through the real state machine
# with a store in memory and the real gates (diallist_replay).
ld_fuzz_test(fuzz_diallist ld_dialer)
# The same replay, table-driven (a people page with a record without an id, a 404, a whole
# cadence reading).
ld_unit_test(test_diallist_replay ld_dialer)
