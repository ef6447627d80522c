# `loftdial report` over a real store file, through the real program.
ld_c_test(integration test_report ld_store PkgConfig::CJSON)
