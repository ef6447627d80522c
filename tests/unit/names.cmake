# The name tables indexed by enum values across the areas (designated initializers): every
# value pinned to its name, no gap.
ld_unit_test(test_names ld_dialer ld_sync)
