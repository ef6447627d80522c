# Fuzz target of the dial lists' index (src/dialer/dlists.c): Salesloft's answers to its
# requests, replayed through the real state machine (dlists_replay).
ld_fuzz_test(fuzz_dlists ld_dialer)
# The same decoding, table-driven (hostile answers first, then a whole reading).
ld_unit_test(test_dlists_replay ld_dialer)
