# Which voicemail message a dial session plays: a cadence's own recording or the default.
ld_unit_test(test_vmfile ld_dialer)
