/* trace.c — the machine-readable trace: one "<ns> <category> <text>" line per protocol event.
 *
 * Every line feeds a running SHA-256 (GChecksum), written to the trace file too if one is set, so
 * that tests and golden fingerprints can compare whole runs by one digest (like INET's
 * fingerprint tests).  sim_setup() starts a new hash and line count.
 */
#include "engine-private.h"

#include <stdio.h>
#include <string.h>

typedef struct {
  GChecksum *sum; /* SHA-256 over every line written since sim_setup(); NULL until first use */
  guint64 lines;  /* lines written since sim_setup() */
  FILE *fp;       /* optional copy of the trace (not owned); NULL = hash only */
  GString *line;  /* scratch buffer for one line, reused */
} TraceState;

static TraceState trace;

void
sim_trace_begin_internal(void)
{
  if (trace.sum != NULL)
    g_checksum_reset(trace.sum);
  else
    trace.sum = g_checksum_new(G_CHECKSUM_SHA256);
  trace.lines = 0;
}

void
sim_trace_set_file(FILE *fp)
{
  trace.fp = fp;
}

void
sim_trace(const char *category, const char *fmt, ...)
{
  va_list ap;

  if (category == NULL || fmt == NULL)
    return;
  if (trace.sum == NULL)
    sim_trace_begin_internal();
  if (trace.line == NULL)
    trace.line = g_string_sized_new(256);
  g_string_printf(trace.line, "%" G_GINT64_FORMAT " %s ", (gint64)sim_now(), category);
  va_start(ap, fmt);
  g_string_append_vprintf(trace.line, fmt, ap);
  va_end(ap);
  g_string_append_c(trace.line, '\n');
  g_checksum_update(trace.sum, (const guchar *)trace.line->str, (gssize)trace.line->len);
  trace.lines++;
  if (trace.fp != NULL)
    fwrite(trace.line->str, 1, trace.line->len, trace.fp);
}

char *
sim_trace_hash(void)
{
  g_autoptr(GChecksum) copy = NULL;

  if (trace.sum == NULL)
    sim_trace_begin_internal();
  /* g_checksum_get_string() closes a checksum, so the digest is read from a copy. */
  copy = g_checksum_copy(trace.sum);
  return g_strdup(g_checksum_get_string(copy));
}

guint64
sim_trace_lines(void)
{
  return trace.lines;
}
