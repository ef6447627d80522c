# Fuzz target of the SIP account line written into baresip's accounts file from the sip.*
# config keys (src/phone/engineconf.c engineconf_account).
ld_fuzz_test(fuzz_engineconf ld_phone)
