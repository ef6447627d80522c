# The identification message spoken from dial.ident_name and dial.ident_callback (espeak-ng),
# rendered by the pool before its first dial and heard by a second person who answers
# (real baresip engines against the sandbox's simulated phones).
ld_phone_test(test_ident_spoken)
add_dependencies(test_ident_spoken recordings)
target_link_libraries(test_ident_spoken PRIVATE m)
