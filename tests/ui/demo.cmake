# loftdial demo in tmux: lands on the Lists screen, q leaves no process and no folder.
ld_sh_test(ui ui_demo)
