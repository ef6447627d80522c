# The Log screen reads only what was appended since it last read; truncation and rotation.
ld_sh_test(ui ui_logscr)
