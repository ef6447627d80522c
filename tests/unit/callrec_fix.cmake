# Correcting a refused call record (callrec_fix, src/dialer/callrec.c) and making a record
# due again (outbox_retry_now, src/store/outbox.c): what `loftdial outbox fix|retry` and the
# Outbox screen both call.
ld_unit_test(test_callrec_fix ld_dialer ld_store)
