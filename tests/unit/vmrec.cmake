# Recorded messages: the format check and the WAV writer (src/phone/vmrec.c).
ld_unit_test(test_vmrec ld_phone)
