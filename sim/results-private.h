/* results-private.h — what the three halves of the results layer share: results.c (calls.csv,
 * cells.csv, statistics), results-run.c (run records and the JSON reading helpers) and
 * results-manifest.c (manifest.json, config.ini, and reading a manifest back for merge).
 */
#pragma once

#include "results.h"

#include <json-glib/json-glib.h>

G_BEGIN_DECLS

#define RESULTS_RUN_FORMAT "algsim-run/1"          /* "format" of a run record */
#define RESULTS_MANIFEST_FORMAT "algsim-results/1" /* "format" of manifest.json */

/* Write a whole file atomically (g_file_set_contents); RESULTS_ERROR_IO names the file. */
gboolean results_write_file(const char *path, const char *contents, gsize len, GError **error);

/* Read a JSON file whose root is an object.  Returns the parser owning *root (caller unrefs);
 * RESULTS_ERROR_IO if unreadable, RESULTS_ERROR_FORMAT (naming the file) if not a JSON object. */
JsonParser *results_json_load(const char *path, JsonObject **root, GError **error);

/* Typed members of a JSON object.  Each returns FALSE with RESULTS_ERROR_FORMAT
 * "PATH: PREFIXMEMBER: expected ..." if the member is absent or of another type.  Strings are
 * borrowed from the object; a nullable string member may be null (*out = NULL). */
gboolean results_json_string(const char *path, JsonObject *o, const char *prefix, const char *member,
                             gboolean nullable, const char **out, GError **error);
gboolean results_json_uint(const char *path, JsonObject *o, const char *prefix, const char *member,
                           guint *out, GError **error);
gboolean results_json_uint64(const char *path, JsonObject *o, const char *prefix, const char *member,
                             guint64 *out, GError **error);
gboolean results_json_double(const char *path, JsonObject *o, const char *prefix, const char *member,
                             double *out, GError **error);
gboolean results_json_bool(const char *path, JsonObject *o, const char *prefix, const char *member,
                           gboolean *out, GError **error);
/* An array of strings as a new GStrv (NULL-terminated), or NULL with an error; what names the
 * array in the message. */
GStrv results_json_strv(const char *path, JsonNode *node, const char *what, GError **error);

/* Hyndman–Fan type 7 quantile (R's default, numpy's "linear") of n >= 1 values sorted ascending:
 * h = (n - 1) p, interpolated between the order statistics around h. */
double results_quantile(const double *sorted, guint n, double p);
/* Append one RFC 4180 field: quoted (with quotes doubled) if it holds a comma, quote, CR or LF. */
void results_csv_field(GString *out, const char *field);
/* "col=value;col=value" in column order, "-" for a grid without factors (caller frees). */
char *results_cell_label(const ResultsMeta *m, guint cell);

/* What the manifest says of each cell: runs present and their summed times. */
typedef struct {
  guint runs;    /* runs present */
  double wall_s; /* sum of their wall_s */
  double call_s; /* sum of their call_s */
} ResultsCellTiming;

/* Totals of the runs results_write() read, for the manifest. */
typedef struct {
  guint present; /* records found */
  guint failed;  /* of them, ok = false */
  guint missing; /* runs of the grid without a record */
} ResultsRunCounts;

/* Write out_dir/manifest.json (timing: one per cell of m) and out_dir/config.ini. */
gboolean results_write_manifest(const ResultsMeta *m, const char *out_dir, const ResultsRunInfo *info,
                                const ResultsCellTiming *timing, const ResultsRunCounts *counts,
                                GError **error);
gboolean results_write_config(const ResultsMeta *m, const char *out_dir, GError **error);

G_END_DECLS
