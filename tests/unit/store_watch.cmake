# The store's observation seams (in-memory outbox counts and their watchers), on a store file
# in a temporary folder, with a second connection standing in for another loftdial process.
ld_unit_test(test_outbox_watch ld_store)
target_link_libraries(test_outbox_watch PRIVATE ld_storetest)
# The busy timeout and writes retried from the loop while another connection holds the lock.
ld_unit_test(test_storeretry ld_store)
target_link_libraries(test_storeretry PRIVATE ld_storetest)
