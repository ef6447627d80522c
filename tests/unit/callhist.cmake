# A person's calls for the dial session's card (src/store/callhist.c): synced calls and the
# outbox's call records in one list.
ld_unit_test(test_store_callhist ld_store)
target_link_libraries(test_store_callhist PRIVATE ld_storetest)
