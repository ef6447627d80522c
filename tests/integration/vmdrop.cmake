# Voicemail drop after the beep and the identification message for dropped live answers, checked
# on the audio the sandbox's simulated phones received (real baresip engines).
ld_phone_test(test_vmdrop)
add_dependencies(test_vmdrop recordings)
target_link_libraries(test_vmdrop PRIVATE m)
# loftdial voicemail record: --from through sox, and the headset recorded through baresip.
ld_sh_test(integration voicemail_record)
