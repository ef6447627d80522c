# Unit tests of the store area: open/migrations/transactions, synced records and sync state,
# the queues (tokens, outbox, attempts, webhook events), and contact search; a fuzz target for
# the outside input the store takes (records, timestamps, search text) and a speed bench.
ld_unit_test(test_store_open ld_store)
ld_unit_test(test_store_records ld_store)
ld_unit_test(test_store_queues ld_store)
ld_unit_test(test_store_contacts ld_store)
# The fixture the store tests share (tests/lib/storetest.[ch]).
foreach(t test_store_open test_store_records test_store_queues)
	target_link_libraries(${t} PRIVATE ld_storetest)
endforeach()

ld_bench(bench_store ld_store)
ld_fuzz_test(fuzz_store_records ld_store)
