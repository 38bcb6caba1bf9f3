/* results.c — from the run records of a grid to calls.csv and cells.csv (results/README.md).
 *
 * Runs are read by index, (cell, replica) in order, never by listing the directory, so the same
 * records give the same bytes whatever wrote them and in whatever order.  calls.csv is RFC 4180
 * CSV (quoting as in §2 rules 6 and 7).  cells.csv summarises each cell: counts, rates with 95 %
 * Wilson score intervals (E. B. Wilson, "Probable inference, the law of succession, and
 * statistical inference", JASA 22, 1927; Brown, Cai & DasGupta, Statistical Science 16, 2001),
 * the MOS of connected calls with Hyndman–Fan type 7 percentiles ("Sample quantiles in
 * statistical packages", The American Statistician 50, 1996), and mean times.  All numbers are
 * formatted with g_ascii_formatd, so no locale changes a byte.
 */
#include "results-private.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define WILSON_Z 1.959964 /* the standard normal's 97.5 % quantile: a two-sided 95 % interval */

void
results_wilson(guint k, guint n, double *lo, double *hi)
{
  g_return_if_fail(lo != NULL && hi != NULL);
  if (n == 0 || k > n) {
    *lo = 0.0;
    *hi = 1.0;
    return;
  }
  double nn = n, p = k / nn, z2 = WILSON_Z * WILSON_Z;
  double denom = 1.0 + z2 / nn;
  double centre = (p + z2 / (2.0 * nn)) / denom;
  double half = WILSON_Z * sqrt(p * (1.0 - p) / nn + z2 / (4.0 * nn * nn)) / denom;
  *lo = CLAMP(centre - half, 0.0, 1.0);
  *hi = CLAMP(centre + half, 0.0, 1.0);
}

double
results_quantile(const double *sorted, guint n, double p)
{
  g_return_val_if_fail(sorted != NULL && n > 0, 0.0);
  double h = (n - 1) * CLAMP(p, 0.0, 1.0);
  guint i = (guint)floor(h);
  if (i + 1 >= n)
    return sorted[n - 1];
  return sorted[i] + (h - i) * (sorted[i + 1] - sorted[i]);
}

void
results_csv_field(GString *out, const char *field)
{
  if (field == NULL)
    return;
  if (strpbrk(field, ",\"\r\n") == NULL) {
    g_string_append(out, field);
    return;
  }
  g_string_append_c(out, '"');
  for (const char *c = field; *c != '\0'; c++) {
    if (*c == '"')
      g_string_append_c(out, '"');
    g_string_append_c(out, *c);
  }
  g_string_append_c(out, '"');
}

char *
results_cell_label(const ResultsMeta *m, guint cell)
{
  if (m->columns->len == 0)
    return g_strdup("-");
  char **values = g_ptr_array_index(m->cells, cell);
  GString *s = g_string_new(NULL);
  for (guint i = 0; i < m->columns->len; i++)
    g_string_append_printf(s, "%s%s=%s", i ? ";" : "", (char *)g_ptr_array_index(m->columns, i), values[i]);
  return g_string_free(s, FALSE);
}

void
results_meta_free(ResultsMeta *m)
{
  if (m == NULL)
    return;
  g_free(m->name);
  g_free(m->description);
  g_free(m->path);
  g_free(m->file_hash);
  g_free(m->hash);
  g_free(m->plot_x);
  g_free(m->plot_y);
  g_clear_pointer(&m->columns, g_ptr_array_unref);
  g_clear_pointer(&m->cells, g_ptr_array_unref);
  g_free(m->grid_json);
  g_free(m->config);
  g_free(m);
}

/* ---- Per-cell statistics ---------------------------------------------------------------------- */

/* The audio classes counted in cells.csv, in its column order (outcome.h's audio_class_name). */
static const char *const audio_classes[] = { "two-way", "one-way-out", "one-way-in", "none", "not-set-up" };

/* The call record's columns cells.csv reads, found by name in the records' columns. */
typedef enum {
  COL_REGISTERED,
  COL_REG_TIME,
  COL_CONNECTED,
  COL_SETUP_TIME,
  COL_AUDIO,
  COL_DROPPED,
  COL_DROP_TIME,
  COL_MOS_OUT,
  COL_MOS_IN,
  COL_CAUSE,
  N_COLS,
} StatColumn;

static const char *const stat_column_names[N_COLS] = {
  "registered", "reg_time_s", "connected", "setup_time_s", "audio", "dropped",
  "drop_time_s", "mos_out", "mos_in", "cause",
};

/* Columns cells.csv summarises when the records have them (traversal: TURN's delay and relay
 * load, issue 6); absent columns leave the summary fields empty. */
typedef enum {
  OPT_DELAY_OUT,
  OPT_DELAY_IN,
  OPT_RELAYED,
  OPT_RELAY_BYTES,
  N_OPT,
} OptColumn;

static const char *const opt_column_names[N_OPT] = { "delay_out_ms", "delay_in_ms", "relayed", "relay_bytes" };

/* One cell's tally over its present runs.  mos holds min(mos_out, mos_in) of each connected call. */
typedef struct {
  guint runs;                              /* records present */
  guint failed_runs;                       /* of them, ok = false */
  guint calls;                             /* calls in the cell */
  guint registered, connected, dropped;    /* counts of calls */
  guint success;                           /* connected, not dropped, two-way audio */
  guint audio[G_N_ELEMENTS(audio_classes)]; /* calls per audio class */
  GArray *mos;                             /* double: per connected call */
  double setup_sum, reg_sum, drop_sum;     /* sums of the times that happened (>= 0) */
  guint setup_n, reg_n, drop_n;            /* how many of each happened */
  GHashTable *causes;                      /* cause -> guint * count */
  double delay_sum[2];                     /* one-way delay sums (out, in) of calls that measured one */
  guint delay_n[2];                        /* how many */
  guint relayed;                           /* calls whose media went through a relay */
  double relay_bytes_sum;                  /* relayed bytes over the cell's calls */
  guint relay_bytes_n;                     /* calls with a relay_bytes value */
} CellStats;

/* What results_write() carries across runs. */
typedef struct {
  const ResultsMeta *meta;     /* the grid */
  GPtrArray *columns;          /* char *: the records' columns (first record with columns), or NULL */
  char *columns_from;          /* the record they came from, for messages */
  int index[N_COLS];           /* position of each stat column in columns */
  int opt[N_OPT];              /* position of each optional column, -1 if absent */
  GString *calls;              /* calls.csv rows so far (no header) */
  CellStats *cells;            /* one per cell */
  ResultsCellTiming *timing;   /* one per cell, for the manifest */
  GHashTable *causes;          /* every cause seen (set of borrowed-from-cells keys) */
  ResultsRunCounts counts;     /* runs present, failed, missing */
} Tally;

static gboolean
parse_number(const char *path, guint call, const char *column, const char *text, double *out, GError **error)
{
  char *end = NULL;
  if (text != NULL && *text != '\0') {
    *out = g_ascii_strtod(text, &end);
    if (end != NULL && *end == '\0' && isfinite(*out))
      return TRUE;
  }
  g_set_error(error, RESULTS_ERROR, RESULTS_ERROR_FORMAT, "%s: calls[%u]: %s: expected a number, not \"%s\"", path,
              call, column, text != NULL ? text : "");
  return FALSE;
}

/* Check the record's columns against the first ones seen, and find the stat columns. */
static gboolean
tally_columns(Tally *t, const RunRecord *r, const char *path, GError **error)
{
  if (r->columns->len == 0 && r->calls->len == 0)
    return TRUE; /* a failed run may carry no columns at all */
  if (t->columns == NULL) {
    t->columns = g_ptr_array_new_with_free_func(g_free);
    for (guint i = 0; i < r->columns->len; i++)
      g_ptr_array_add(t->columns, g_strdup(g_ptr_array_index(r->columns, i)));
    t->columns_from = g_strdup(path);
    for (guint s = 0; s < N_COLS; s++) {
      t->index[s] = -1;
      for (guint i = 0; i < r->columns->len; i++)
        if (strcmp(g_ptr_array_index(r->columns, i), stat_column_names[s]) == 0)
          t->index[s] = (int)i;
      if (t->index[s] < 0) {
        g_set_error(error, RESULTS_ERROR, RESULTS_ERROR_FORMAT, "%s: columns: no \"%s\" column", path,
                    stat_column_names[s]);
        return FALSE;
      }
    }
    for (guint o = 0; o < N_OPT; o++) {
      t->opt[o] = -1;
      for (guint i = 0; i < r->columns->len; i++)
        if (strcmp(g_ptr_array_index(r->columns, i), opt_column_names[o]) == 0)
          t->opt[o] = (int)i;
    }
    return TRUE;
  }
  gboolean same = r->columns->len == t->columns->len;
  for (guint i = 0; same && i < r->columns->len; i++)
    same = strcmp(g_ptr_array_index(r->columns, i), g_ptr_array_index(t->columns, i)) == 0;
  if (!same) {
    g_set_error(error, RESULTS_ERROR, RESULTS_ERROR_FORMAT, "%s: columns differ from those of %s", path,
                t->columns_from);
    return FALSE;
  }
  return TRUE;
}

static gboolean
tally_call(Tally *t, CellStats *cs, char **row, const char *path, guint call, GError **error)
{
  const int *ix = t->index;
  gboolean connected = strcmp(row[ix[COL_CONNECTED]], "true") == 0;
  gboolean dropped = strcmp(row[ix[COL_DROPPED]], "true") == 0;
  const char *audio = row[ix[COL_AUDIO]];
  double reg_time, setup_time, drop_time;

  if (!parse_number(path, call, "reg_time_s", row[ix[COL_REG_TIME]], &reg_time, error) ||
      !parse_number(path, call, "setup_time_s", row[ix[COL_SETUP_TIME]], &setup_time, error) ||
      !parse_number(path, call, "drop_time_s", row[ix[COL_DROP_TIME]], &drop_time, error))
    return FALSE;
  cs->calls++;
  if (strcmp(row[ix[COL_REGISTERED]], "true") == 0)
    cs->registered++;
  if (connected)
    cs->connected++;
  if (dropped)
    cs->dropped++;
  if (connected && !dropped && strcmp(audio, "two-way") == 0)
    cs->success++;
  for (guint a = 0; a < G_N_ELEMENTS(audio_classes); a++)
    if (strcmp(audio, audio_classes[a]) == 0)
      cs->audio[a]++;
  if (connected) {
    double out, in;
    if (!parse_number(path, call, "mos_out", row[ix[COL_MOS_OUT]], &out, error) ||
        !parse_number(path, call, "mos_in", row[ix[COL_MOS_IN]], &in, error))
      return FALSE;
    double mos = MIN(out, in);
    g_array_append_val(cs->mos, mos);
  }
  if (reg_time >= 0) {
    cs->reg_sum += reg_time;
    cs->reg_n++;
  }
  if (setup_time >= 0) {
    cs->setup_sum += setup_time;
    cs->setup_n++;
  }
  if (drop_time >= 0) {
    cs->drop_sum += drop_time;
    cs->drop_n++;
  }
  for (int d = 0; d < 2; d++) {
    int k = t->opt[d == 0 ? OPT_DELAY_OUT : OPT_DELAY_IN];
    double v;
    if (k >= 0 && *row[k] && parse_number(path, call, opt_column_names[d], row[k], &v, NULL) && v >= 0) {
      cs->delay_sum[d] += v;
      cs->delay_n[d]++;
    }
  }
  if (t->opt[OPT_RELAYED] >= 0 && strcmp(row[t->opt[OPT_RELAYED]], "true") == 0)
    cs->relayed++;
  double rb;
  if (t->opt[OPT_RELAY_BYTES] >= 0 && *row[t->opt[OPT_RELAY_BYTES]] &&
      parse_number(path, call, "relay_bytes", row[t->opt[OPT_RELAY_BYTES]], &rb, NULL)) {
    cs->relay_bytes_sum += rb;
    cs->relay_bytes_n++;
  }
  /* An empty cause names nothing: it gets no cause_ column. */
  const char *cause = row[ix[COL_CAUSE]];
  if (*cause != '\0') {
    gpointer key = NULL, count = NULL;
    if (!g_hash_table_lookup_extended(cs->causes, cause, &key, &count)) {
      key = g_strdup(cause);
      count = g_new0(guint, 1);
      g_hash_table_insert(cs->causes, key, count);
    }
    (*(guint *)count)++;
    g_hash_table_add(t->causes, key);
  }
  return TRUE;
}

/* One run: its calls into calls.csv and its cell's tally. */
static gboolean
tally_run(Tally *t, const RunRecord *r, guint cell, guint replica, const char *path, GError **error)
{
  const ResultsMeta *m = t->meta;
  if (r->cell != cell || r->replica != replica) {
    g_set_error(error, RESULTS_ERROR, RESULTS_ERROR_FORMAT, "%s: holds cell %u replica %u, expected cell %u replica %u",
                path, r->cell, r->replica, cell, replica);
    return FALSE;
  }
  if (!tally_columns(t, r, path, error))
    return FALSE;

  CellStats *cs = &t->cells[cell];
  cs->runs++;
  t->counts.present++;
  t->timing[cell].runs++;
  t->timing[cell].wall_s += r->wall_s;
  t->timing[cell].call_s += r->call_s;
  if (!r->ok) {
    cs->failed_runs++;
    t->counts.failed++;
  }
  char **values = g_ptr_array_index(m->cells, cell);
  for (guint i = 0; i < r->calls->len; i++) {
    char **row = g_ptr_array_index(r->calls, i);
    g_string_append_printf(t->calls, "%u,%u,%" G_GUINT64_FORMAT, cell, replica, r->seed);
    for (guint j = 0; j < m->columns->len; j++) {
      g_string_append_c(t->calls, ',');
      results_csv_field(t->calls, values[j]);
    }
    for (guint j = 0; row[j] != NULL; j++) {
      g_string_append_c(t->calls, ',');
      results_csv_field(t->calls, row[j]);
    }
    g_string_append_c(t->calls, '\n');
    if (!tally_call(t, cs, row, path, i, error))
      return FALSE;
  }
  return TRUE;
}

/* ---- Writing ---------------------------------------------------------------------------------- */

static void
append_fixed(GString *s, const char *fmt, double v)
{
  char buf[G_ASCII_DTOSTR_BUF_SIZE];
  g_string_append_c(s, ',');
  g_string_append(s, g_ascii_formatd(buf, sizeof buf, fmt, v));
}

/* ",rate,lo,hi" of k in n, or three empty fields when there is nothing to measure. */
static void
append_rate(GString *s, guint k, guint n)
{
  if (n == 0) {
    g_string_append(s, ",,,");
    return;
  }
  double lo, hi;
  results_wilson(k, n, &lo, &hi);
  append_fixed(s, "%.4f", (double)k / n);
  append_fixed(s, "%.4f", lo);
  append_fixed(s, "%.4f", hi);
}

static void
append_mean(GString *s, double sum, guint n)
{
  if (n == 0)
    g_string_append_c(s, ',');
  else
    append_fixed(s, "%.3f", sum / n);
}

static int
cmp_double(const void *a, const void *b)
{
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

static int
cmp_str(const void *a, const void *b)
{
  return strcmp(*(char *const *)a, *(char *const *)b);
}

static char *
cells_csv(const Tally *t)
{
  const ResultsMeta *m = t->meta;
  GString *s = g_string_new("cell");

  /* Every cause seen anywhere, sorted with strcmp. */
  guint n_causes = 0;
  g_autofree gpointer causes = g_hash_table_get_keys_as_array(t->causes, &n_causes);
  qsort(causes, n_causes, sizeof(char *), cmp_str);

  for (guint i = 0; i < m->columns->len; i++) {
    g_string_append_c(s, ',');
    results_csv_field(s, g_ptr_array_index(m->columns, i));
  }
  g_string_append(s, ",runs,failed_runs,calls,registered,connected,dropped,success,"
                     "two_way,one_way_out,one_way_in,no_audio,not_set_up,"
                     "success_rate,success_lo,success_hi,connect_rate,connect_lo,connect_hi,"
                     "two_way_rate,two_way_lo,two_way_hi,register_rate,register_lo,register_hi,"
                     "mos_mean,mos_p10,mos_p50,mos_p90,setup_time_mean_s,reg_time_mean_s,drop_time_mean_s,"
                     "delay_out_mean_ms,delay_in_mean_ms,relayed,relay_bytes_mean");
  for (guint i = 0; i < n_causes; i++) {
    g_autofree char *name = g_strconcat("cause_", ((char **)causes)[i], NULL);
    g_string_append_c(s, ',');
    results_csv_field(s, name);
  }
  g_string_append_c(s, '\n');

  for (guint c = 0; c < m->cells->len; c++) {
    CellStats *cs = &t->cells[c];
    if (cs->runs == 0)
      continue;
    char **values = g_ptr_array_index(m->cells, c);
    g_string_append_printf(s, "%u", c);
    for (guint i = 0; i < m->columns->len; i++) {
      g_string_append_c(s, ',');
      results_csv_field(s, values[i]);
    }
    g_string_append_printf(s, ",%u,%u,%u,%u,%u,%u,%u", cs->runs, cs->failed_runs, cs->calls, cs->registered,
                           cs->connected, cs->dropped, cs->success);
    for (guint a = 0; a < G_N_ELEMENTS(audio_classes); a++)
      g_string_append_printf(s, ",%u", cs->audio[a]);
    append_rate(s, cs->success, cs->calls);
    append_rate(s, cs->connected, cs->calls);
    append_rate(s, cs->audio[0], cs->calls);
    append_rate(s, cs->registered, cs->calls);
    if (cs->mos->len == 0) {
      g_string_append(s, ",,,,");
    } else {
      double *mos = (double *)cs->mos->data, sum = 0;
      for (guint i = 0; i < cs->mos->len; i++)
        sum += mos[i];
      qsort(mos, cs->mos->len, sizeof(double), cmp_double);
      append_fixed(s, "%.4f", sum / cs->mos->len);
      append_fixed(s, "%.4f", results_quantile(mos, cs->mos->len, 0.10));
      append_fixed(s, "%.4f", results_quantile(mos, cs->mos->len, 0.50));
      append_fixed(s, "%.4f", results_quantile(mos, cs->mos->len, 0.90));
    }
    append_mean(s, cs->setup_sum, cs->setup_n);
    append_mean(s, cs->reg_sum, cs->reg_n);
    append_mean(s, cs->drop_sum, cs->drop_n);
    append_mean(s, cs->delay_sum[0], cs->delay_n[0]);
    append_mean(s, cs->delay_sum[1], cs->delay_n[1]);
    g_string_append_printf(s, ",%u", cs->relayed);
    append_mean(s, cs->relay_bytes_sum, cs->relay_bytes_n);
    for (guint i = 0; i < n_causes; i++) {
      const guint *count = g_hash_table_lookup(cs->causes, ((char **)causes)[i]);
      g_string_append_printf(s, ",%u", count != NULL ? *count : 0);
    }
    g_string_append_c(s, '\n');
  }
  return g_string_free(s, FALSE);
}

/* Put the header in front of the rows tallied so far (the records' columns are known only now). */
static void
calls_csv_header(Tally *t)
{
  const ResultsMeta *m = t->meta;
  g_autoptr(GString) h = g_string_new("cell,replica,seed");
  for (guint i = 0; i < m->columns->len; i++) {
    g_string_append_c(h, ',');
    results_csv_field(h, g_ptr_array_index(m->columns, i));
  }
  for (guint i = 0; t->columns != NULL && i < t->columns->len; i++) {
    g_string_append_c(h, ',');
    results_csv_field(h, g_ptr_array_index(t->columns, i));
  }
  g_string_append_c(h, '\n');
  g_string_prepend_len(t->calls, h->str, (gssize)h->len);
}

static gboolean
check_meta(const ResultsMeta *m, GError **error)
{
  for (guint c = 0; c < m->cells->len; c++) {
    char **values = g_ptr_array_index(m->cells, c);
    guint n = values != NULL ? g_strv_length(values) : 0;
    if (n != m->columns->len) {
      g_set_error(error, RESULTS_ERROR, RESULTS_ERROR_FORMAT, "experiment %s: cell %u has %u values for %u columns",
                  m->name != NULL ? m->name : "?", c, n, m->columns->len);
      return FALSE;
    }
  }
  /* Checked here too, so that a bad grid leaves no half-written results directory. */
  g_autoptr(JsonNode) grid = m->grid_json != NULL ? json_from_string(m->grid_json, NULL) : NULL;
  if (m->grid_json != NULL && grid == NULL) {
    g_set_error(error, RESULTS_ERROR, RESULTS_ERROR_FORMAT, "experiment %s: the grid description is not JSON",
                m->name != NULL ? m->name : "?");
    return FALSE;
  }
  return TRUE;
}

static gboolean
write_text(const char *out_dir, const char *name, char *text, GError **error)
{
  g_autofree char *owned = text;
  g_autofree char *path = g_build_filename(out_dir, name, NULL);
  return results_write_file(path, owned, strlen(owned), error);
}

static void
tally_clear(Tally *t)
{
  for (guint c = 0; t->cells != NULL && c < t->meta->cells->len; c++) {
    g_array_unref(t->cells[c].mos);
    g_hash_table_unref(t->cells[c].causes);
  }
  g_free(t->cells);
  g_free(t->timing);
  if (t->columns != NULL)
    g_ptr_array_unref(t->columns);
  g_free(t->columns_from);
  g_string_free(t->calls, TRUE);
  g_hash_table_unref(t->causes);
}

gboolean
results_write(const ResultsMeta *m, const char *out_dir, const ResultsRunInfo *info, guint *missing,
              GError **error)
{
  g_return_val_if_fail(m != NULL && m->columns != NULL && m->cells != NULL, FALSE);
  g_return_val_if_fail(out_dir != NULL && info != NULL, FALSE);

  if (missing != NULL)
    *missing = 0;
  if (!check_meta(m, error))
    return FALSE;
  if (g_mkdir_with_parents(out_dir, 0777) != 0) {
    g_set_error(error, RESULTS_ERROR, RESULTS_ERROR_IO, "%s: cannot create directory: %s", out_dir,
                g_strerror(errno));
    return FALSE;
  }

  Tally t = {
    .meta = m,
    .calls = g_string_new(NULL),
    .cells = g_new0(CellStats, m->cells->len),
    .timing = g_new0(ResultsCellTiming, m->cells->len),
    /* The cells own the cause strings; this set borrows them. */
    .causes = g_hash_table_new(g_str_hash, g_str_equal),
  };
  for (guint c = 0; c < m->cells->len; c++) {
    t.cells[c].mos = g_array_new(FALSE, FALSE, sizeof(double));
    t.cells[c].causes = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
  }

  gboolean ok = TRUE;
  for (guint c = 0; ok && c < m->cells->len; c++) {
    for (guint rep = 0; ok && rep < m->replicas; rep++) {
      g_autofree char *path = run_record_path(out_dir, c, rep);
      if (!g_file_test(path, G_FILE_TEST_EXISTS)) {
        t.counts.missing++;
        continue;
      }
      g_autoptr(RunRecord) r = run_record_read(path, m->hash, error);
      ok = r != NULL && tally_run(&t, r, c, rep, path, error);
    }
  }
  if (ok)
    calls_csv_header(&t);
  g_autofree char *calls_path = g_build_filename(out_dir, "calls.csv", NULL);
  ok = ok && results_write_file(calls_path, t.calls->str, t.calls->len, error) &&
       write_text(out_dir, "cells.csv", cells_csv(&t), error) && results_write_config(m, out_dir, error) &&
       results_write_manifest(m, out_dir, info, t.timing, &t.counts, error);
  if (ok && missing != NULL)
    *missing = t.counts.missing;
  tally_clear(&t);
  return ok;
}
