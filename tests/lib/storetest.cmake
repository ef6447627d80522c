# The store tests' shared fixture (tests/lib/storetest.[ch]): a store in a temporary folder or
# in memory, and the synced rows (people, calls, any record) the tests build in it.
add_library(ld_storetest STATIC ${CMAKE_CURRENT_SOURCE_DIR}/lib/storetest.c)
target_link_libraries(ld_storetest PUBLIC ld_store ld_testlib PkgConfig::CMOCKA)
