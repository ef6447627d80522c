# The dial session's pure rules (lines in force, figures, required names) and NULL handling.
ld_unit_test(test_dsession_rules ld_dialer)
