# Fuzz target of the WAV check every message goes through before the engine plays it
# (src/phone/vmrec.c vmrec_check): the rep's own files and the data folder's.
ld_fuzz_test(fuzz_vmrec ld_phone)
