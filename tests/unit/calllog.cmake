# The Calls screen's history (src/store/calllog.c): dial attempts, the outbox's call records
# matched to them, and synced calls, newest first, with filters and the change stamp.
ld_unit_test(test_store_calllog ld_store)
target_link_libraries(test_store_calllog PRIVATE ld_storetest)
