# What `cmake --install` puts where, the data files the build makes for it, and the Debian
# package CPack builds from the same install rules (`cpack -G DEB` in a release build, or the
# `package` target). Installed programs find their share folder relative to their own bin
# folder (src/core/paths.c), so a copy unpacked anywhere (DESTDIR, --prefix, dpkg-deb -x)
# finds its themes and recordings without environment variables.
include(GNUInstallDirs)

set(LD_SHARE_DIR ${CMAKE_INSTALL_DATADIR}/loftdial)
set(LD_DOC_DIR ${CMAKE_INSTALL_DATADIR}/doc/loftdial)
file(RELATIVE_PATH ld_share_rel ${CMAKE_INSTALL_FULL_BINDIR} ${CMAKE_INSTALL_FULL_DATADIR}/loftdial)
target_compile_definitions(ld_core PRIVATE LOFTDIAL_SHARE_REL="${ld_share_rel}"
	LOFTDIAL_SHARE_ABS="${CMAKE_INSTALL_FULL_DATADIR}/loftdial")

# ---- data made at build time ------------------------------------------------------------------

# The simulated phones' speech (scripts/make-recordings.sh: espeak-ng + sox) into the build
# tree, beside the programs, where paths_share() finds it in an uninstalled build.
set(LD_RECORDINGS_DIR ${CMAKE_BINARY_DIR}/recordings)
add_custom_command(OUTPUT ${LD_RECORDINGS_DIR}/corpus/labels.tsv
	COMMAND bash ${CMAKE_SOURCE_DIR}/scripts/make-recordings.sh ${LD_RECORDINGS_DIR}
	DEPENDS ${CMAKE_SOURCE_DIR}/scripts/make-recordings.sh
	COMMENT "Speaking the simulated phones' recordings (espeak-ng, sox)"
	VERBATIM)
add_custom_target(recordings ALL DEPENDS ${LD_RECORDINGS_DIR}/corpus/labels.tsv)
add_dependencies(loftdial-sandbox recordings)

# The themes beside the programs too, as a link, so an edited theme shows without a rebuild.
file(CREATE_LINK ${CMAKE_SOURCE_DIR}/themes ${CMAKE_BINARY_DIR}/themes SYMBOLIC)

# The example config is the one loftdial writes on first run (every key, commented out).
set(ld_example ${CMAKE_BINARY_DIR}/config.example)
add_custom_command(OUTPUT ${ld_example}
	COMMAND ${CMAKE_COMMAND} -E rm -rf ${CMAKE_BINARY_DIR}/example-home
	COMMAND ${CMAKE_COMMAND} -E env LOFTDIAL_HOME=${CMAKE_BINARY_DIR}/example-home
		$<TARGET_FILE:loftdial> config paths > /dev/null
	COMMAND ${CMAKE_COMMAND} -E copy ${CMAKE_BINARY_DIR}/example-home/config ${ld_example}
	COMMAND ${CMAKE_COMMAND} -E rm -rf ${CMAKE_BINARY_DIR}/example-home
	DEPENDS loftdial
	COMMENT "Writing the example config")

# Man pages, compressed as Debian wants them (man reads .gz everywhere).
file(GLOB ld_manpages CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/docs/*.1)
set(ld_man_gz)
foreach(page ${ld_manpages})
	get_filename_component(name ${page} NAME)
	add_custom_command(OUTPUT ${CMAKE_BINARY_DIR}/man/${name}.gz
		COMMAND ${CMAKE_COMMAND} -E make_directory ${CMAKE_BINARY_DIR}/man
		COMMAND gzip -9n -c ${page} > ${CMAKE_BINARY_DIR}/man/${name}.gz
		DEPENDS ${page})
	list(APPEND ld_man_gz ${CMAKE_BINARY_DIR}/man/${name}.gz)
endforeach()

# The Debian changelog and copyright files (also fine in any other install).
string(TIMESTAMP LD_DATE "%a, %d %b %Y %H:%M:%S +0000" UTC)
set(LOFTDIAL_MAINTAINER "loftdial authors <maintainers@loftdial.example>" CACHE STRING
	"Maintainer named in the Debian package")
configure_file(${CMAKE_SOURCE_DIR}/cmake/changelog.in ${CMAKE_BINARY_DIR}/changelog @ONLY)
add_custom_command(OUTPUT ${CMAKE_BINARY_DIR}/changelog.gz
	COMMAND gzip -9n -c ${CMAKE_BINARY_DIR}/changelog > ${CMAKE_BINARY_DIR}/changelog.gz
	DEPENDS ${CMAKE_BINARY_DIR}/changelog)
file(READ ${CMAKE_SOURCE_DIR}/LICENSE ld_license)
string(REGEX REPLACE "\n\n" "\n.\n" ld_license "${ld_license}")
string(REGEX REPLACE "\n([^\n])" "\n \\1" ld_license "${ld_license}")
string(REGEX REPLACE "\n$" "" LD_LICENSE_TEXT " ${ld_license}")
configure_file(${CMAKE_SOURCE_DIR}/cmake/copyright.in ${CMAKE_BINARY_DIR}/copyright @ONLY)

add_custom_target(install_data ALL DEPENDS ${ld_example} ${ld_man_gz}
	${CMAKE_BINARY_DIR}/changelog.gz)

# ---- install rules ----------------------------------------------------------------------------

install(TARGETS loftdial loftdial-sandbox RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
install(FILES ${ld_man_gz} DESTINATION ${CMAKE_INSTALL_MANDIR}/man1)
install(DIRECTORY ${CMAKE_SOURCE_DIR}/themes/ DESTINATION ${LD_SHARE_DIR}/themes
	FILES_MATCHING PATTERN "*.theme")
# The phones play human/, machine/ and announce/; the AMD corpus is for the tests only.
install(DIRECTORY ${LD_RECORDINGS_DIR}/ DESTINATION ${LD_SHARE_DIR}/recordings
	PATTERN corpus EXCLUDE)
install(FILES ${ld_example} ${CMAKE_BINARY_DIR}/copyright ${CMAKE_BINARY_DIR}/changelog.gz
	DESTINATION ${LD_DOC_DIR})

# ---- the Debian package -----------------------------------------------------------------------

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME loftdial)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_CONTACT "${LOFTDIAL_MAINTAINER}")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "${PROJECT_DESCRIPTION}")
set(CPACK_PACKAGE_INSTALL_DIRECTORY loftdial)
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_STRIP_FILES ON)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION comm)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_DEBIAN_PACKAGE_MAINTAINER "${LOFTDIAL_MAINTAINER}")
set(CPACK_DEBIAN_PACKAGE_HOMEPAGE "https://loftdial.example/")
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)
# The libraries both programs link, and baresip, which loftdial runs for every line. The
# sandbox's phones are libre/librem code playing the recordings installed here.
set(CPACK_DEBIAN_PACKAGE_DEPENDS
	"libc6 (>= 2.34), libncursesw6 (>= 6), libtinfo6 (>= 6), libcurl4 (>= 7.88), libcjson1 (>= 1.7.15), libsqlite3-0 (>= 3.40), libre0 (>= 1.1.0), librem0 (>= 0.6.0), baresip-core (>= 1.0.0)")
# sox converts audio files into recorded messages (loftdial voicemail record --from);
# espeak-ng speaks the identification message from dial.ident_name and dial.ident_callback.
set(CPACK_DEBIAN_PACKAGE_RECOMMENDS "sox, espeak-ng")
# The long description under the summary line (CPack indents it and marks the blank line;
# lines stay under 80 columns, as Debian asks).
set(CPACK_DEBIAN_PACKAGE_DESCRIPTION "loftdial keeps a local SQLite copy of a Salesloft org current
on a shared rate limit and dials prospects one at a time or on up to nine
parallel lines through the baresip SIP engine, from a terminal.

loftdial-sandbox is a Salesloft API v2 stand-in with a generated org and
simulated phones on the loopback interface, for demos and tests.")
include(CPack)
