# The dial-list reader (src/dialer/dialfile.c).
ld_unit_test(test_dialfile ld_dialer)
