# The status model (src/sync/status.c) that `loftdial status` and the TUI's home screen share,
# read from a store file in a temporary folder.
ld_unit_test(test_status ld_sync)
target_link_libraries(test_status PRIVATE ld_storetest)
