# Unit tests of the telephony modules (src/phone, except amd/wavtail) and the dial pool's
# pure parts, plus the fuzz targets of the two parsers that read what baresip sends.
ld_unit_test(test_netstring ld_phone)
ld_unit_test(test_ctrlmsg ld_phone)
ld_unit_test(test_numbers ld_phone)
ld_unit_test(test_dialplan ld_phone)
ld_unit_test(test_call ld_phone)
ld_unit_test(test_engineconf ld_phone)
ld_unit_test(test_ctrl ld_phone)
ld_fuzz_test(fuzz_netstring ld_phone)
ld_fuzz_test(fuzz_ctrlmsg ld_phone)
ld_fuzz_test(fuzz_numbers ld_phone)
