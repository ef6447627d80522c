# Speech recordings for the simulated phones and the AMD corpus, generated at build time by
# scripts/make-recordings.sh (espeak-ng + sox) into the build tree; nothing large is committed.
# The "recordings" target is part of ALL. loftdial-sandbox finds the folder through
# $LOFTDIAL_RECORDINGS, else through the build-tree path compiled in here.
set(LD_RECORDINGS_DIR ${CMAKE_BINARY_DIR}/recordings)
add_custom_command(OUTPUT ${LD_RECORDINGS_DIR}/corpus/labels.tsv
	COMMAND bash ${CMAKE_SOURCE_DIR}/scripts/make-recordings.sh ${LD_RECORDINGS_DIR}
	DEPENDS ${CMAKE_SOURCE_DIR}/scripts/make-recordings.sh
	COMMENT "Speaking the simulated phones' recordings (espeak-ng, sox)"
	VERBATIM)
add_custom_target(recordings ALL DEPENDS ${LD_RECORDINGS_DIR}/corpus/labels.tsv)
if(TARGET ld_sandbox)
	get_target_property(ld_sandbox_type ld_sandbox TYPE)
	if(NOT ld_sandbox_type STREQUAL "INTERFACE_LIBRARY")
		target_compile_definitions(ld_sandbox PRIVATE
			LOFTDIAL_RECORDINGS_DIR="${LD_RECORDINGS_DIR}")
	endif()
	add_dependencies(loftdial-sandbox recordings)
endif()
