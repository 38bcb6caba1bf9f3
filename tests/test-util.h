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
