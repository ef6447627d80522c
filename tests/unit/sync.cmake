# Unit tests of the Salesloft client pieces and the sync (pure logic, and an in-memory store).
ld_unit_test(test_slurl ld_salesloft)
ld_unit_test(test_pacing ld_salesloft)
ld_unit_test(test_sldecode ld_salesloft)
ld_unit_test(test_oauth ld_salesloft)
ld_unit_test(test_cursor ld_sync)
ld_unit_test(test_whapply ld_sync)
ld_unit_test(test_usermap ld_sync)
# Fuzz targets (replayed under ctest): the list-page decoder with the cursor arithmetic, and
# the webhook body path (signature check and apply to an in-memory store).
ld_fuzz_test(fuzz_sl_page ld_sync)
ld_fuzz_test(fuzz_webhook_body ld_sync)
