# Fuzz target of the identification message's filter (src/phone/identmsg.c): dial.ident_name
# and dial.ident_callback are config text that espeak-ng ends up speaking.
ld_fuzz_test(fuzz_identmsg ld_phone)
