# Unit tests of the sandbox's auth/writes/webhooks/admin/faults modules (pure parts). The
# sources are compiled into each test directly, so these tests do not depend on the rest of
# ld_sandbox being buildable.
ld_unit_test(test_sbx_oauth ld_core ld_sandbox_headers)
target_sources(test_sbx_oauth PRIVATE ${CMAKE_SOURCE_DIR}/src/sandbox/oauth.c)
ld_unit_test(test_sbx_faults ld_core ld_sandbox_headers)
target_sources(test_sbx_faults PRIVATE ${CMAKE_SOURCE_DIR}/src/sandbox/faults.c)
ld_unit_test(test_sbx_webhooks ld_core ld_sandbox_headers)
target_sources(test_sbx_webhooks PRIVATE ${CMAKE_SOURCE_DIR}/src/sandbox/webhooks.c)
# Helpers that live next to server-facing code (admin merge, write-body readers, consent-page
# escaping) link the whole sandbox library.
ld_unit_test(test_sbx_admin ld_sandbox ld_sandbox_headers)
ld_fuzz_test(fuzz_sbx_auth ld_sandbox ld_sandbox_headers)
