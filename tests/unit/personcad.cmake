# A person's cadences and the current step in each, for the contact card
# (src/store/personcad.c).
ld_unit_test(test_store_personcad ld_store)
target_link_libraries(test_store_personcad PRIVATE ld_storetest)
