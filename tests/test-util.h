/* test-util.h — shared helpers for algsim's TAP tests. */
#pragma once

#include "config.h"
#include "sim.h"

/* Start a fresh simulated world with this seed (asserts on failure), registering all keys. */
void tu_world(guint64 seed);
/* A Config with every key at its default, then each "k=v" in the NULL-terminated list applied. */
Config *tu_config(const char *first_assignment, ...) G_GNUC_NULL_TERMINATED;
/* Path to a fixture under tests/data/. Caller frees. */
char *tu_data_path(const char *name);

/* tshark is installed (tests that need it skip otherwise). */
gboolean tu_have_tshark(void);
/* Run "tshark -n ARGS" (ARGS is shell text) in a clean environment (the isolated test directories
 * would hide tshark's profile); asserts it exited 0 and returns its standard output. */
char *tu_tshark(const char *args);

/* ---- Trace directories of calls (algsim call --trace, ScenarioOptions.trace_dir) ---------------- */

/* A file of the directory as one string; NUL bytes (pcaps) become spaces so it can be searched. */
char *tu_read_file(const char *dir, const char *name);
/* Remove the directory and the files in it. */
void tu_rm_dir(const char *dir);
/* The SDP body of the first SIP message in a capture whose start line begins with `start` and whose
 * CSeq is `cseq` ("1 INVITE"): Content-Length bytes after the blank line.  NULL if none. */
char *tu_captured_sdp(const char *dir, const char *pcap, const char *start, const char *cseq);
