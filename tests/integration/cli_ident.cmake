# loftdial voicemail ident: the identification message spoken from dial.ident_name and
# dial.ident_callback, through the real program and espeak-ng.
ld_sh_test(integration voicemail_ident)
