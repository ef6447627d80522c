# The identification message made from dial.ident_name and dial.ident_callback
# (src/phone/identmsg.c): the filter, the cache, and real renders through espeak-ng and sox.
ld_unit_test(test_identmsg ld_phone)
