# Fuzz targets of issue 13's parsers of outside input: numbers files (`loftdial dial
# --numbers`), the sandbox's phones mix body (PUT /_sandbox/phones/mix), and Salesloft's
# replies as the dial list and the outbox sender decode them.
ld_fuzz_test(fuzz_dialfile ld_dialer)
ld_fuzz_test(fuzz_phones_mix ld_sandbox ld_sandbox_headers)
ld_fuzz_test(fuzz_sl_replies ld_dialer ld_salesloft m)
