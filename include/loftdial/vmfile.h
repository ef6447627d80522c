/*
 * vmfile: which recorded voicemail a dial session leaves on machines. A cadence can have its
 * own recording, kept under the data folder as voicemail/cadence-ID.wav (what
 * `loftdial voicemail record --cadence ID` writes); a session of that cadence plays it, and
 * every other session (call tasks, one person, a cadence without a recording) plays the
 * default, dial.voicemail_file. The choice is made once, when the session starts, and the
 * session shows it.
 */
#ifndef LOFTDIAL_VMFILE_H
#define LOFTDIAL_VMFILE_H

#include <stddef.h>
#include <stdint.h>

/* Where the file in force comes from. */
enum vmfile_source {
	VMFILE_NONE,    /* no message: no cadence recording and dial.voicemail_file empty */
	VMFILE_DEFAULT, /* dial.voicemail_file */
	VMFILE_CADENCE, /* the cadence's own recording */
};

/* The folder under the data folder that holds the cadences' recordings. */
#define VMFILE_DIR "voicemail"

/* data_dir/voicemail/cadence-ID.wav into out. EINVAL for no data folder or an id <= 0,
 * ENAMETOOLONG when it does not fit. */
int vmfile_cadence_path(const char *data_dir, int64_t cadence_id, char *out, size_t n);

/* Creates data_dir/voicemail (0700) when it is missing: 0 or an errno value. */
int vmfile_dir_make(const char *data_dir);

/* Chooses the message for a session: the cadence's recording when cadence_id > 0 and that file
 * is a readable regular file, else def (dial.voicemail_file) when not empty, else none. The
 * path goes into out ("" for none). */
enum vmfile_source vmfile_choose(const char *data_dir, int64_t cadence_id, const char *def,
                                 char *out, size_t n);

/* "none", "default", "cadence" ("?" out of range). */
const char *vmfile_source_name(enum vmfile_source s);

#endif
