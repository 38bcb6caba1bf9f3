/* test-plot.c — `algsim plot` (sim/plot.h): the RFC 4180 CSV reader, the data each figure derives
 * from a results directory, the images gnuplot draws from it, and the errors for bad input.
 *
 * Fixture results directories are written here exactly as results/README.md specifies calls.csv,
 * cells.csv and manifest.json, from small hand-made grids whose pooled rates and drop-time CDFs
 * are worked out by hand in the comments.  Tests that need gnuplot skip without it; the data
 * tests run without it (the .dat files are written before gnuplot runs).  With ALGSIM_PLOT_KEEP=DIR
 * the fixtures are built in DIR/<fixture> and kept, to look at the images.
 */
#include "plot-private.h"
#include "test-util.h"

#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <math.h>
#include <string.h>

/* No such program: plot_results() writes the .dat and .gp files, then fails to run it. */
#define NO_GNUPLOT "/nonexistent/algsim-test-no-gnuplot"

/* ---- Fixture results directories ------------------------------------------------------------------ */

/* One cell: its calls are, in order, `success` good calls, one dropped call (two-way until then)
 * per drop time, `one_way_in` connected calls with one-way audio, and the rest not set up. */
typedef struct {
  const char *values[3]; /* factor values, one per factor column */
  guint calls;           /* calls in the cell */
  guint success;         /* of them succeeded */
  const char *drops;     /* drop times in s, ';'-separated, or NULL */
  guint one_way_in;      /* connected with one-way (inbound) audio */
  const char *mos[4];    /* mos_mean, mos_p10, mos_p50, mos_p90; NULL: no MOS */
} FxCell;

typedef struct {
  const char *name;        /* experiment name */
  const char *factors[4];  /* factor columns, NULL-terminated */
  const char *plot_x;      /* manifest plot_x, or NULL (JSON null) */
  const char *plot_y;      /* manifest plot_y, or NULL */
  const FxCell *cells;     /* the grid, in grid order */
  guint n_cells;           /* its cells */
} Fixture;

/* 2 x 3 x 2: router.alg x pbx.profile x phone.transport, 10 calls a cell.  Pooled over the
 * transport: off/naive 18/20, off/nat_aware 20/20, off/media_relay 19/20, linux/naive 2/20,
 * linux/nat_aware 9/20, linux/media_relay 13/20.  Drops: off 5.000; linux 32.000 32.000 45.500
 * 10.250. */
static const FxCell grid_cells[] = {
  {{"off", "naive", "udp"}, 10, 10, NULL, 0, {"4.380", "4.300", "4.390", "4.410"}},
  {{"off", "naive", "tcp"}, 10, 8, NULL, 0, {"4.350", "4.200", "4.380", "4.410"}},
  {{"off", "nat_aware", "udp"}, 10, 10, NULL, 0, {"4.400", "4.390", "4.400", "4.410"}},
  {{"off", "nat_aware", "tcp"}, 10, 10, NULL, 0, {"4.400", "4.390", "4.400", "4.410"}},
  {{"off", "media_relay", "udp"}, 10, 9, "5.000", 0, {"4.100", "3.800", "4.150", "4.300"}},
  {{"off", "media_relay", "tcp"}, 10, 10, NULL, 0, {"4.120", "3.900", "4.150", "4.300"}},
  {{"linux", "naive", "udp"}, 10, 2, "45.500;32.000;32.000", 3, {"2.100", "1.000", "1.500", "4.200"}},
  {{"linux", "naive", "tcp"}, 10, 0, NULL, 0, {NULL, NULL, NULL, NULL}},
  {{"linux", "nat_aware", "udp"}, 10, 5, NULL, 5, {"2.700", "1.000", "2.900", "4.390"}},
  {{"linux", "nat_aware", "tcp"}, 10, 4, "10.250", 0, {"4.390", "4.380", "4.390", "4.400"}},
  {{"linux", "media_relay", "udp"}, 10, 7, NULL, 1, {"3.900", "1.000", "4.300", "4.380"}},
  {{"linux", "media_relay", "tcp"}, 10, 6, NULL, 0, {"4.200", "4.100", "4.200", "4.300"}},
};
static const Fixture fx_grid = {"alg_vs_pbx", {"router.alg", "pbx.profile", "phone.transport", NULL},
                                "router.alg", "pbx.profile", grid_cells, G_N_ELEMENTS(grid_cells)};

/* One factor whose values need CSV quoting (comma, double quote) and gnuplot quoting (single
 * quote, underscore); no call dropped. */
static const FxCell one_cells[] = {
  {{"Acme \"X\", v2"}, 3, 2, NULL, 1, {"3.500", "2.000", "4.000", "4.300"}},
  {{"it's_ok"}, 4, 4, NULL, 0, {"4.400", "4.400", "4.400", "4.400"}},
};
static const Fixture fx_one = {"user agents", {"phone.user_agent", NULL}, "phone.user_agent", NULL,
                               one_cells, G_N_ELEMENTS(one_cells)};

/* No factor: one cell, no call connected (so no MOS), no drop. */
static const FxCell zero_cells[] = {
  {{NULL}, 3, 0, NULL, 0, {NULL, NULL, NULL, NULL}},
};
static const Fixture fx_zero = {"single", {NULL}, NULL, NULL, zero_cells, G_N_ELEMENTS(zero_cells)};

static guint
n_factors(const Fixture *fx)
{
  guint n = 0;

  while (n < G_N_ELEMENTS(fx->factors) && fx->factors[n] != NULL)
    n++;
  return n;
}

/* A CSV field, quoted when RFC 4180 asks for it. */
static void
csv_field(GString *out, const char *v)
{
  if (strpbrk(v, ",\"\r\n") == NULL) {
    g_string_append(out, v);
    return;
  }
  g_string_append_c(out, '"');
  for (const char *s = v; *s; s++) {
    if (*s == '"')
      g_string_append_c(out, '"');
    g_string_append_c(out, *s);
  }
  g_string_append_c(out, '"');
}

static void
csv_row(GString *out, const char *const *fields, guint n)
{
  for (guint i = 0; i < n; i++) {
    if (i > 0)
      g_string_append_c(out, ',');
    csv_field(out, fields[i]);
  }
  g_string_append(out, "\r\n");
}

/* A rate and its 95 % Wilson interval, as cells.csv gives them. */
static void
rate_fields(GPtrArray *row, guint k, guint n)
{
  const double z = 1.959964;
  double p = n ? (double)k / n : 0, lo = 0, hi = 1;

  if (n > 0) {
    double c = p + z * z / (2.0 * n), d = z * sqrt(p * (1 - p) / n + z * z / (4.0 * n * n));

    lo = (c - d) / (1 + z * z / n);
    hi = (c + d) / (1 + z * z / n);
  }
  g_ptr_array_add(row, n ? g_strdup_printf("%.4f", p) : g_strdup(""));
  g_ptr_array_add(row, g_strdup_printf("%.4f", lo));
  g_ptr_array_add(row, g_strdup_printf("%.4f", hi));
}

static void
write_file(const char *dir, const char *name, const char *text)
{
  g_autofree char *path = g_build_filename(dir, name, NULL);
  g_autoptr(GError) error = NULL;

  g_assert_true(g_file_set_contents(path, text, -1, &error));
  g_assert_no_error(error);
}

static void
write_cells(const Fixture *fx, const char *dir)
{
  static const char *const tail[] = {
    "runs", "failed_runs", "calls", "registered", "connected", "dropped", "success", "two_way",
    "one_way_out", "one_way_in", "no_audio", "not_set_up", "success_rate", "success_lo",
    "success_hi", "connect_rate", "connect_lo", "connect_hi", "two_way_rate", "two_way_lo",
    "two_way_hi", "register_rate", "register_lo", "register_hi", "mos_mean", "mos_p10", "mos_p50",
    "mos_p90", "setup_time_mean_s", "reg_time_mean_s", "drop_time_mean_s", "cause_dropped",
    "cause_no-audio-out", "cause_setup-failed",
  };
  guint nf = n_factors(fx);
  g_autoptr(GString) out = g_string_new(NULL);
  g_autoptr(GPtrArray) head = g_ptr_array_new();

  g_ptr_array_add(head, "cell");
  for (guint i = 0; i < nf; i++)
    g_ptr_array_add(head, (char *)fx->factors[i]);
  for (guint i = 0; i < G_N_ELEMENTS(tail); i++)
    g_ptr_array_add(head, (char *)tail[i]);
  csv_row(out, (const char *const *)head->pdata, head->len);

  for (guint c = 0; c < fx->n_cells; c++) {
    const FxCell *x = &fx->cells[c];
    g_auto(GStrv) drops = g_strsplit(x->drops ? x->drops : "", ";", -1);
    guint nd = x->drops ? g_strv_length(drops) : 0;
    guint connected = x->success + nd + x->one_way_in;
    guint not_set_up = x->calls - connected;
    g_autoptr(GPtrArray) row = g_ptr_array_new_with_free_func(g_free);
    double drop_sum = 0;

    for (guint i = 0; i < nd; i++)
      drop_sum += g_ascii_strtod(drops[i], NULL);
    g_ptr_array_add(row, g_strdup_printf("%u", c));
    for (guint i = 0; i < nf; i++)
      g_ptr_array_add(row, g_strdup(x->values[i]));
    g_ptr_array_add(row, g_strdup_printf("%u", x->calls));
    g_ptr_array_add(row, g_strdup("0"));
    g_ptr_array_add(row, g_strdup_printf("%u", x->calls));
    g_ptr_array_add(row, g_strdup_printf("%u", x->calls));
    g_ptr_array_add(row, g_strdup_printf("%u", connected));
    g_ptr_array_add(row, g_strdup_printf("%u", nd));
    g_ptr_array_add(row, g_strdup_printf("%u", x->success));
    g_ptr_array_add(row, g_strdup_printf("%u", x->success + nd));
    g_ptr_array_add(row, g_strdup("0"));
    g_ptr_array_add(row, g_strdup_printf("%u", x->one_way_in));
    g_ptr_array_add(row, g_strdup("0"));
    g_ptr_array_add(row, g_strdup_printf("%u", not_set_up));
    rate_fields(row, x->success, x->calls);
    rate_fields(row, connected, x->calls);
    rate_fields(row, x->success + nd, x->calls);
    rate_fields(row, x->calls, x->calls);
    for (guint i = 0; i < 4; i++)
      g_ptr_array_add(row, g_strdup(x->mos[i] ? x->mos[i] : ""));
    g_ptr_array_add(row, g_strdup(connected ? "0.250" : ""));
    g_ptr_array_add(row, g_strdup("0.120"));
    g_ptr_array_add(row, nd ? g_strdup_printf("%.3f", drop_sum / nd) : g_strdup(""));
    g_ptr_array_add(row, g_strdup_printf("%u", nd));
    g_ptr_array_add(row, g_strdup_printf("%u", x->one_way_in));
    g_ptr_array_add(row, g_strdup_printf("%u", not_set_up));
    g_assert_cmpuint(row->len, ==, head->len);
    csv_row(out, (const char *const *)row->pdata, row->len);
  }
  write_file(dir, "cells.csv", out->str);
}

static void
write_calls(const Fixture *fx, const char *dir)
{
  static const char *const tail[] = {
    "call", "direction", "registered", "reg_status", "reg_time_s", "connected", "final_status",
    "setup_timer", "setup_time_s", "out_sent", "out_recv", "in_sent", "in_recv", "audio",
    "dropped", "drop_time_s", "end_cause", "mos_out", "mos_in", "cause", "explanation",
  };
  guint nf = n_factors(fx);
  g_autoptr(GString) out = g_string_new(NULL);
  g_autoptr(GPtrArray) head = g_ptr_array_new();

  g_ptr_array_add(head, "cell");
  g_ptr_array_add(head, "replica");
  g_ptr_array_add(head, "seed");
  for (guint i = 0; i < nf; i++)
    g_ptr_array_add(head, (char *)fx->factors[i]);
  for (guint i = 0; i < G_N_ELEMENTS(tail); i++)
    g_ptr_array_add(head, (char *)tail[i]);
  csv_row(out, (const char *const *)head->pdata, head->len);

  for (guint c = 0; c < fx->n_cells; c++) {
    const FxCell *x = &fx->cells[c];
    g_auto(GStrv) drops = g_strsplit(x->drops ? x->drops : "", ";", -1);
    guint nd = x->drops ? g_strv_length(drops) : 0;

    for (guint r = 0; r < x->calls; r++) {
      g_autoptr(GPtrArray) row = g_ptr_array_new_with_free_func(g_free);
      gboolean ok = r < x->success, drop = !ok && r < x->success + nd;
      gboolean one_way = !ok && !drop && r < x->success + nd + x->one_way_in;
      gboolean up = ok || drop || one_way;

      g_ptr_array_add(row, g_strdup_printf("%u", c));
      g_ptr_array_add(row, g_strdup_printf("%u", r));
      g_ptr_array_add(row, g_strdup_printf("%" G_GUINT64_FORMAT, 7919u * (guint64)(c * 100 + r) + 17));
      for (guint i = 0; i < nf; i++)
        g_ptr_array_add(row, g_strdup(x->values[i]));
      g_ptr_array_add(row, g_strdup("0"));
      g_ptr_array_add(row, g_strdup("outbound"));
      g_ptr_array_add(row, g_strdup("true"));
      g_ptr_array_add(row, g_strdup("200"));
      g_ptr_array_add(row, g_strdup("0.120"));
      g_ptr_array_add(row, g_strdup(up ? "true" : "false"));
      g_ptr_array_add(row, g_strdup(up ? "200" : "0"));
      g_ptr_array_add(row, g_strdup(up ? "" : "timer B"));
      g_ptr_array_add(row, g_strdup(up ? "0.250" : "-1"));
      g_ptr_array_add(row, g_strdup(up ? "3000" : "0"));
      g_ptr_array_add(row, g_strdup(up && !one_way ? "3000" : "0"));
      g_ptr_array_add(row, g_strdup(up ? "3000" : "0"));
      g_ptr_array_add(row, g_strdup(up ? "3000" : "0"));
      g_ptr_array_add(row, g_strdup(ok || drop ? "two-way" : one_way ? "one-way-in" : "not-set-up"));
      g_ptr_array_add(row, g_strdup(drop ? "true" : "false"));
      g_ptr_array_add(row, g_strdup(drop ? drops[r - x->success] : "-1"));
      g_ptr_array_add(row, g_strdup(drop ? "timer H" : up ? "phone local-bye" : ""));
      g_ptr_array_add(row, g_strdup(up && !one_way ? "4.390" : "0"));
      g_ptr_array_add(row, g_strdup(up ? "4.390" : "0"));
      g_ptr_array_add(row, g_strdup(ok ? "ok" : drop ? "dropped" : one_way ? "no-audio-out" : "setup-failed"));
      g_ptr_array_add(row, g_strdup(ok ? "" : "router \"home\" rewrote the Contact,\nthen dropped it"));
      g_assert_cmpuint(row->len, ==, head->len);
      csv_row(out, (const char *const *)row->pdata, row->len);
    }
  }
  write_file(dir, "calls.csv", out->str);
}

static void
write_manifest(const Fixture *fx, const char *dir)
{
  g_autoptr(JsonBuilder) b = json_builder_new();
  g_autoptr(JsonGenerator) gen = json_generator_new();
  g_autoptr(JsonNode) root = NULL;
  g_autofree char *text = NULL;
  guint nf = n_factors(fx);

  json_builder_begin_object(b);
  json_builder_set_member_name(b, "format");
  json_builder_add_string_value(b, "algsim-results/1");
  json_builder_set_member_name(b, "algsim_version");
  json_builder_add_string_value(b, "0.1.0");
  json_builder_set_member_name(b, "experiment");
  json_builder_begin_object(b);
  json_builder_set_member_name(b, "name");
  json_builder_add_string_value(b, fx->name);
  json_builder_set_member_name(b, "description");
  json_builder_add_string_value(b, "A hand-made grid for the plot tests.");
  json_builder_set_member_name(b, "seed");
  json_builder_add_int_value(b, 1);
  json_builder_set_member_name(b, "plot_x");
  fx->plot_x ? json_builder_add_string_value(b, fx->plot_x) : json_builder_add_null_value(b);
  json_builder_set_member_name(b, "plot_y");
  fx->plot_y ? json_builder_add_string_value(b, fx->plot_y) : json_builder_add_null_value(b);
  json_builder_set_member_name(b, "columns");
  json_builder_begin_array(b);
  for (guint i = 0; i < nf; i++)
    json_builder_add_string_value(b, fx->factors[i]);
  json_builder_end_array(b);
  json_builder_set_member_name(b, "cells");
  json_builder_begin_array(b);
  for (guint c = 0; c < fx->n_cells; c++) {
    json_builder_begin_array(b);
    for (guint i = 0; i < nf; i++)
      json_builder_add_string_value(b, fx->cells[c].values[i]);
    json_builder_end_array(b);
  }
  json_builder_end_array(b);
  json_builder_end_object(b);
  json_builder_set_member_name(b, "complete");
  json_builder_add_boolean_value(b, TRUE);
  json_builder_end_object(b);
  root = json_builder_get_root(b);
  json_generator_set_root(gen, root);
  json_generator_set_pretty(gen, TRUE);
  text = json_generator_to_data(gen, NULL);
  write_file(dir, "manifest.json", text);
}

static void
rm_rf(const char *path)
{
  GDir *d = g_dir_open(path, 0, NULL);
  const char *name;

  if (d != NULL) {
    while ((name = g_dir_read_name(d)) != NULL) {
      g_autofree char *child = g_build_filename(path, name, NULL);

      rm_rf(child);
    }
    g_dir_close(d);
  }
  g_remove(path);
}

/* A results directory holding the fixture (kept under $ALGSIM_PLOT_KEEP if set). */
static char *
fixture_dir(const Fixture *fx, const char *tag)
{
  const char *keep = g_getenv("ALGSIM_PLOT_KEEP");
  char *dir;

  if (keep != NULL) {
    dir = g_build_filename(keep, tag, NULL);
    rm_rf(dir);
    g_assert_cmpint(g_mkdir_with_parents(dir, 0755), ==, 0);
  } else {
    dir = g_dir_make_tmp("algsim-plot-XXXXXX", NULL);
    g_assert_nonnull(dir);
  }
  write_cells(fx, dir);
  write_calls(fx, dir);
  write_manifest(fx, dir);
  return dir;
}

static void
fixture_done(char *dir)
{
  if (g_getenv("ALGSIM_PLOT_KEEP") == NULL)
    rm_rf(dir);
  g_free(dir);
}

static char *
read_plot_file(const char *dir, const char *name)
{
  g_autofree char *path = g_build_filename(dir, "plots", name, NULL);
  g_autoptr(GError) error = NULL;
  char *text = NULL;

  g_assert_true(g_file_get_contents(path, &text, NULL, &error));
  g_assert_no_error(error);
  return text;
}

/* The data rows of a .dat file (comments and blank lines dropped), joined by '\n'. */
static char *
dat_rows(const char *dir, const char *name)
{
  g_autofree char *text = read_plot_file(dir, name);
  g_auto(GStrv) lines = g_strsplit(text, "\n", -1);
  GString *out = g_string_new(NULL);

  for (guint i = 0; lines[i] != NULL; i++)
    if (lines[i][0] != '#' && lines[i][0] != '\0')
      g_string_append_printf(out, "%s\n", lines[i]);
  return g_string_free(out, FALSE);
}

/* Write the .dat and .gp files only: gnuplot cannot be run. */
static void
plot_data(const char *dir, const char *x, const char *y)
{
  PlotOptions opts = {x, y, NO_GNUPLOT};
  g_autoptr(GError) error = NULL;

  g_assert_false(plot_results(dir, &opts, NULL, &error));
  g_assert_error(error, PLOT_ERROR, PLOT_ERROR_GNUPLOT);
}

static const char *const figure_names[] = {"success-heatmap", "audio-classes", "drop-cdf", "mos"};

/* ---- The CSV reader ------------------------------------------------------------------------------- */

typedef struct {
  const char *description; /* what the case shows */
  const char *ref;         /* RFC 4180 section */
  const char *bytes;       /* the file */
  const char *expected;    /* rows joined by '\n', fields by '|'; NULL: an error containing `error` */
  const char *error;       /* substring of the error message */
} CsvCase;

static const CsvCase csv_cases[] = {
  /* VALID */
  {"CRLF line ends", "§2.1", "a,b\r\n1,2\r\n", "1|2", NULL},
  {"no line break after the last record", "§2.2", "a,b\n1,2", "1|2", NULL},
  {"quoted field with a comma and doubled quotes", "§2.6-7", "a,b\n\"x, \"\"y\"\"\",2\n",
   "x, \"y\"|2", NULL},
  {"quoted field with a line break", "§2.6", "a,b\n\"line\r\nbreak\",\n", "line\r\nbreak|", NULL},
  {"empty and quoted-empty fields", "§2.5", "a,b,c\n,\"\",\"\"\"\"\n", "||\"", NULL},
  {"empty lines are skipped", "-", "a,b\n1,2\n\n3,4\n", "1|2\n3|4", NULL},
  {"header only", "§2.3", "a,b\n", "", NULL},
  /* INVALID */
  {"empty file", "§2.3", "", NULL, "empty"},
  {"unterminated quote", "§2.6", "a,b\n1,\"2\n", NULL, "t:2: quoted field never closed"},
  {"text after a closing quote", "§2.7", "a,b\n\"1\"x,2\n", NULL, "t:2: 'x' after a closing quote"},
  {"quote inside an unquoted field", "§2.5", "a,b\n1\"\",2\n", NULL, "t:2: '\"' inside an unquoted"},
  {"NUL byte", "-", "a,b\n1\0,2\n", NULL, "NUL byte"},
  {"too few fields, line counted through a quoted line break", "§2.4", "a,b\n\"x\ny\",1\n1\n",
   NULL, "t:4: 1 fields, but the header has 2"},
  {"too many fields", "§2.4", "a,b\n1,2,3\n", NULL, "t:2: 3 fields"},
  {"duplicate column", "-", "a,a\n1,2\n", NULL, "column 'a' appears twice"},
};

static void
test_csv_table(void)
{
  for (guint i = 0; i < G_N_ELEMENTS(csv_cases); i++) {
    const CsvCase *c = &csv_cases[i];
    /* The NUL case counts its bytes by hand; the buffer is not NUL-terminated. */
    gsize len = strcmp(c->description, "NUL byte") == 0 ? 10 : strlen(c->bytes);
    g_autofree char *buf = g_memdup2(c->bytes, len);
    g_autoptr(GError) error = NULL;
    g_autoptr(PlotTable) t = plot_table_parse("t", buf, len, &error);

    g_test_message("%s (RFC 4180 %s)", c->description, c->ref);
    if (c->expected == NULL) {
      g_assert_null(t);
      g_assert_error(error, PLOT_ERROR, PLOT_ERROR_INPUT);
      g_assert_nonnull(strstr(error->message, c->error));
    } else {
      g_autoptr(GString) got = g_string_new(NULL);

      g_assert_no_error(error);
      g_assert_nonnull(t);
      for (guint r = 0; r < t->rows->len; r++) {
        GPtrArray *row = t->rows->pdata[r];

        for (guint f = 0; f < row->len; f++)
          g_string_append_printf(got, "%s%s", f ? "|" : r ? "\n" : "", (char *)row->pdata[f]);
      }
      g_assert_cmpstr(got->str, ==, c->expected);
    }
  }
}

/* ---- Data ------------------------------------------------------------------------------------------ */

static void
test_heatmap_pools_over_other_factors(void)
{
  char *dir = fixture_dir(&fx_grid, "data-grid");
  g_autofree char *rows = NULL;
  g_autofree char *gp = NULL;

  plot_data(dir, NULL, NULL); /* the manifest's router.alg x pbx.profile, pooled over transport */
  rows = dat_rows(dir, "success-heatmap.dat");
  g_assert_cmpstr(rows, ==,
                  "0\t0\t18\t20\t0.900000\t90%\toff\tnaive\n"
                  "1\t0\t2\t20\t0.100000\t10%\tlinux\tnaive\n"
                  "0\t1\t20\t20\t1.000000\t100%\toff\tnat_aware\n"
                  "1\t1\t9\t20\t0.450000\t45%\tlinux\tnat_aware\n"
                  "0\t2\t19\t20\t0.950000\t95%\toff\tmedia_relay\n"
                  "1\t2\t13\t20\t0.650000\t65%\tlinux\tmedia_relay\n");
  gp = read_plot_file(dir, "success-heatmap.gp");
  g_assert_nonnull(strstr(gp, "set ytics ('naive' 0, 'nat_aware' 1, 'media_relay' 2) noenhanced"));
  g_assert_nonnull(strstr(gp, "set xlabel 'router.alg' noenhanced"));
  g_assert_nonnull(strstr(gp, "set cblabel 'call success (%)'"));
  g_assert_nonnull(strstr(gp, "set cbrange [0:1]"));
  g_assert_nonnull(strstr(gp, "set terminal pngcairo size "));
  g_assert_nonnull(strstr(gp, " enhanced font \"DejaVu Sans,10\""));
  g_assert_nonnull(strstr(gp, " dynamic enhanced"));
  g_assert_nonnull(strstr(gp, "'alg_vs_pbx: call success"));
  g_clear_pointer(&rows, g_free);

  /* Asked-for factors: phone.transport x router.alg, pooled over the PBX profile. */
  plot_data(dir, "phone.transport", "router.alg");
  rows = dat_rows(dir, "success-heatmap.dat");
  g_assert_cmpstr(rows, ==,
                  "0\t0\t29\t30\t0.966667\t96.7%\tudp\toff\n"
                  "1\t0\t28\t30\t0.933333\t93.3%\ttcp\toff\n"
                  "0\t1\t14\t30\t0.466667\t46.7%\tudp\tlinux\n"
                  "1\t1\t10\t30\t0.333333\t33.3%\ttcp\tlinux\n");
  g_clear_pointer(&rows, g_free);

  /* A zipped factor joins its columns' values with '+'. */
  plot_data(dir, "router.alg+phone.transport", "pbx.profile");
  rows = dat_rows(dir, "success-heatmap.dat");
  g_assert_true(g_str_has_prefix(rows, "0\t0\t10\t10\t1.000000\t100%\toff+udp\tnaive\n"
                                       "1\t0\t8\t10\t0.800000\t80%\toff+tcp\tnaive\n"
                                       "2\t0\t2\t10\t0.200000\t20%\tlinux+udp\tnaive\n"
                                       "3\t0\t0\t10\t0.000000\t0%\tlinux+tcp\tnaive\n"));
  fixture_done(dir);
}

static void
test_drop_cdf_points_per_level(void)
{
  char *dir = fixture_dir(&fx_grid, "data-drops");
  g_autofree char *text = NULL, *gp = NULL, *rows = NULL;

  plot_data(dir, NULL, NULL);
  text = read_plot_file(dir, "drop-cdf.dat");
  /* off: one drop at 5 s; linux: 10.25, 32, 32, 45.5 s (the tie is one step of 2/4). */
  g_assert_nonnull(strstr(text, "\n# level: off\n0.000\t0.000000\n5.000\t1.000000\n\n\n"
                                "# level: linux\n0.000\t0.000000\n10.250\t0.250000\n"
                                "32.000\t0.750000\n45.500\t1.000000\n"));
  g_assert_true(g_str_has_suffix(text, "45.500\t1.000000\n"));
  gp = read_plot_file(dir, "drop-cdf.gp");
  g_assert_nonnull(strstr(gp, "dat index 0 using 1:2 with steps"));
  g_assert_nonnull(strstr(gp, "title 'off: 1 of 60 calls dropped'"));
  g_assert_nonnull(strstr(gp, "dat index 1 using 1:2 with steps"));
  g_assert_nonnull(strstr(gp, "title 'linux: 4 of 60 calls dropped'"));
  g_assert_nonnull(strstr(gp, "set xlabel 'drop time after call start (s)'"));
  g_assert_null(strstr(gp, "no call dropped"));

  /* By transport: udp 5, 32, 32, 45.5; tcp 10.25. */
  plot_data(dir, "phone.transport", NULL);
  rows = dat_rows(dir, "drop-cdf.dat");
  g_assert_cmpstr(rows, ==,
                  "0.000\t0.000000\n5.000\t0.250000\n32.000\t0.750000\n45.500\t1.000000\n"
                  "0.000\t0.000000\n10.250\t1.000000\n");
  fixture_done(dir);
}

static void
test_one_factor_grid_data(void)
{
  char *dir = fixture_dir(&fx_one, "data-one");
  g_autofree char *heat = NULL, *audio = NULL, *drops = NULL, *gp = NULL, *drop_gp = NULL;

  plot_data(dir, NULL, NULL);
  /* The quoted CSV field with a comma and quotes arrives whole. */
  heat = dat_rows(dir, "success-heatmap.dat");
  g_assert_cmpstr(heat, ==,
                  "0\t0\t2\t3\t0.666667\t66.7%\tAcme \"X\", v2\t-\n"
                  "1\t0\t4\t4\t1.000000\t100%\tit's_ok\t-\n");
  audio = dat_rows(dir, "audio-classes.dat");
  g_assert_cmpstr(audio, ==,
                  "0\t66.666667\t0.000000\t33.333333\t0.000000\t0.000000\t3\tAcme \"X\", v2\n"
                  "1\t100.000000\t0.000000\t0.000000\t0.000000\t0.000000\t4\tit's_ok\n");
  gp = read_plot_file(dir, "success-heatmap.gp");
  g_assert_nonnull(strstr(gp, "set xtics ('Acme \"X\", v2' 0, 'it''s_ok' 1) noenhanced"));
  g_assert_nonnull(strstr(gp, "unset ytics"));
  drops = dat_rows(dir, "drop-cdf.dat");
  g_assert_cmpstr(drops, ==, "");
  drop_gp = read_plot_file(dir, "drop-cdf.gp");
  g_assert_nonnull(strstr(drop_gp, "'no call dropped'"));
  fixture_done(dir);
}

static void
test_zero_factor_grid_data(void)
{
  char *dir = fixture_dir(&fx_zero, "data-zero");
  g_autofree char *heat = NULL, *audio = NULL, *mos = NULL, *mos_gp = NULL;

  plot_data(dir, NULL, NULL);
  heat = dat_rows(dir, "success-heatmap.dat");
  g_assert_cmpstr(heat, ==, "0\t0\t0\t3\t0.000000\t0%\tall\t-\n");
  audio = dat_rows(dir, "audio-classes.dat");
  g_assert_cmpstr(audio, ==, "0\t0.000000\t0.000000\t0.000000\t0.000000\t100.000000\t3\tall\n");
  mos = dat_rows(dir, "mos.dat");
  g_assert_cmpstr(mos, ==, "");
  mos_gp = read_plot_file(dir, "mos.gp");
  g_assert_nonnull(strstr(mos_gp, "'no MOS: no call connected'"));
  fixture_done(dir);
}

static void
test_mos_omits_cells_without_mos(void)
{
  char *dir = fixture_dir(&fx_grid, "data-mos");
  g_autofree char *rows = NULL;
  g_auto(GStrv) lines = NULL;

  plot_data(dir, NULL, NULL);
  rows = dat_rows(dir, "mos.dat");
  lines = g_strsplit(rows, "\n", -1);
  g_assert_cmpuint(g_strv_length(lines), ==, 12); /* 11 cells with a MOS, and the final "" */
  g_assert_cmpstr(lines[0], ==, "0\t4.380000\t4.300000\t4.410000\t4.390000\toff / naive / udp");
  g_assert_cmpstr(lines[7], ==, "7\t2.700000\t1.000000\t4.390000\t2.900000\tlinux / nat_aware / udp");
  fixture_done(dir);
}

static void
test_same_input_same_bytes(void)
{
  char *a = fixture_dir(&fx_grid, "same-a");
  char *b = fixture_dir(&fx_grid, "same-b");

  plot_data(a, NULL, NULL);
  plot_data(b, NULL, NULL);
  for (guint i = 0; i < G_N_ELEMENTS(figure_names); i++)
    for (guint e = 0; e < 2; e++) {
      g_autofree char *name = g_strdup_printf("%s.%s", figure_names[i], e ? "gp" : "dat");
      g_autofree char *ta = read_plot_file(a, name);
      g_autofree char *tb = read_plot_file(b, name);

      g_assert_cmpstr(ta, ==, tb);
    }
  fixture_done(a);
  fixture_done(b);
}

/* ---- Images ----------------------------------------------------------------------------------------- */

static void
check_images(const Fixture *fx, const char *tag)
{
  char *dir;
  g_autoptr(GPtrArray) written = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *plots = NULL;
  g_autofree char *gnuplot = g_find_program_in_path("gnuplot");
  GDir *d;
  const char *name;

  if (gnuplot == NULL) {
    g_test_skip("gnuplot is not installed");
    return;
  }
  dir = fixture_dir(fx, tag);
  g_assert_true(plot_results(dir, NULL, &written, &error));
  g_assert_no_error(error);
  g_assert_cmpuint(written->len, ==, 2 * G_N_ELEMENTS(figure_names));
  for (guint i = 0; i < G_N_ELEMENTS(figure_names); i++) {
    g_autofree char *png = g_strdup_printf("%s/plots/%s.png", dir, figure_names[i]);
    g_autofree char *svg = g_strdup_printf("%s/plots/%s.svg", dir, figure_names[i]);
    g_autofree char *bytes = NULL;
    gsize len = 0;

    g_assert_cmpstr(written->pdata[2 * i], ==, png);
    g_assert_cmpstr(written->pdata[2 * i + 1], ==, svg);
    g_assert_true(g_file_get_contents(png, &bytes, &len, NULL));
    g_assert_cmpuint(len, >, 8);
    g_assert_cmpmem(bytes, 8, "\x89PNG\r\n\x1a\n", 8);
    g_clear_pointer(&bytes, g_free);
    g_assert_true(g_file_get_contents(svg, &bytes, &len, NULL));
    g_assert_nonnull(strstr(bytes, "<svg"));
    g_assert_nonnull(strstr(bytes, "</svg>"));
  }
  /* No temporary image is left behind. */
  plots = g_build_filename(dir, "plots", NULL);
  d = g_dir_open(plots, 0, NULL);
  g_assert_nonnull(d);
  while ((name = g_dir_read_name(d)) != NULL)
    g_assert_false(g_str_has_suffix(name, ".tmp"));
  g_dir_close(d);
  fixture_done(dir);
}

static void
test_images_grid(void)
{
  check_images(&fx_grid, "grid");
}

static void
test_images_one_factor(void)
{
  check_images(&fx_one, "one-factor");
}

static void
test_images_zero_factor(void)
{
  check_images(&fx_zero, "zero-factor");
}

/* ---- Errors ----------------------------------------------------------------------------------------- */

static void
test_unknown_factor(void)
{
  static const struct {
    const char *x, *y; /* factors asked for */
    const char *named; /* the factor the message names */
  } cases[] = {
    {"router.nope", NULL, "'router.nope'"},
    {NULL, "nope", "'nope'"},
    {"calls", NULL, "'calls'"},                      /* a column, but not a factor */
    {"router.alg+nope", NULL, "'router.alg+nope'"},  /* a zipped name with an unknown part */
  };
  char *dir = fixture_dir(&fx_grid, "factor");

  for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
    PlotOptions opts = {cases[i].x, cases[i].y, NO_GNUPLOT};
    g_autoptr(GError) error = NULL;

    g_assert_false(plot_results(dir, &opts, NULL, &error));
    g_assert_error(error, PLOT_ERROR, PLOT_ERROR_FACTOR);
    g_assert_nonnull(strstr(error->message, cases[i].named));
    g_assert_nonnull(strstr(error->message, "router.alg, pbx.profile, phone.transport"));
  }
  fixture_done(dir);
}

static void
test_missing_files(void)
{
  static const char *const files[] = {"cells.csv", "calls.csv", "manifest.json"};

  for (guint i = 0; i < G_N_ELEMENTS(files); i++) {
    char *dir = fixture_dir(&fx_grid, "missing");
    g_autofree char *path = g_build_filename(dir, files[i], NULL);
    g_autoptr(GError) error = NULL;
    g_autoptr(GPtrArray) written = NULL;

    g_assert_cmpint(g_remove(path), ==, 0);
    g_assert_false(plot_results(dir, NULL, &written, &error));
    g_assert_error(error, PLOT_ERROR, PLOT_ERROR_INPUT);
    g_assert_nonnull(strstr(error->message, path));
    g_assert_null(written);
    fixture_done(dir);
  }
}

static void
test_garbage_input(void)
{
  static const struct {
    const char *file;  /* which file to replace */
    const char *bytes; /* with this */
    const char *error; /* substring of the message, or NULL */
  } cases[] = {
    {"cells.csv", "", "empty"},
    {"cells.csv", "cell,runs,calls,success\n", "no cells"},
    {"cells.csv", "cell,runs,calls,success\n0,1,\"3\n", "quoted field never closed"},
    {"cells.csv", "cell,runs,calls,success\n0,1,3\n", "3 fields, but the header has 4"},
    {"cells.csv", "cell,runs,calls,success\n0,1,ten,1\n", "'ten' is not a count"},
    {"cells.csv", "cell,runs,calls,success\n0,1,-3,1\n", "'-3' is not a count"},
    {"cells.csv", "cell,runs,calls\n0,1,3\n", "no column 'success'"},
    {"cells.csv", "cell,runs,calls,success\n0,1,3,4\n", "cells.csv:2: success (4) exceeds calls (3)"},
    {"cells.csv", "\x89PNG\r\n\x1a\n", NULL},
    {"calls.csv", "cell,dropped\n0,maybe\n", "no column 'drop_time_s'"},
    {"calls.csv", "cell,dropped,drop_time_s\n0,maybe,1\n", "'maybe' (expected true or false)"},
    {"calls.csv", "cell,dropped,drop_time_s\n0,true,soon\n", "'soon' is not a number"},
    {"manifest.json", "{", NULL},
    {"manifest.json", "[]", "\"experiment\" object"},
    {"manifest.json", "{\"experiment\": 3}", "\"experiment\" object"},
    {"manifest.json", "{\"experiment\": {\"name\": 5}}", "experiment.name is not a string"},
    {"manifest.json", "{\"experiment\": {\"columns\": [\"nope\"]}}", "no column 'nope'"},
  };

  for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
    char *dir = fixture_dir(&fx_zero, "garbage");
    g_autoptr(GError) error = NULL;
    PlotOptions opts = {NULL, NULL, NO_GNUPLOT};

    write_file(dir, cases[i].file, cases[i].bytes);
    g_assert_false(plot_results(dir, &opts, NULL, &error));
    g_assert_error(error, PLOT_ERROR, PLOT_ERROR_INPUT);
    g_test_message("%s: %s", cases[i].file, error->message);
    g_assert_nonnull(strstr(error->message, cases[i].file));
    if (cases[i].error != NULL)
      g_assert_nonnull(strstr(error->message, cases[i].error));
    fixture_done(dir);
  }
}

static void
test_gnuplot_failures(void)
{
  static const struct {
    const char *gnuplot; /* the program run as gnuplot */
    const char *error;   /* substring of the message */
  } cases[] = {
    {NO_GNUPLOT, "cannot run " NO_GNUPLOT},
    {"false", "gnuplot failed"},
    {"true", "gnuplot wrote no success-heatmap.png"},
  };

  for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
    char *dir = fixture_dir(&fx_zero, "gnuplot");
    PlotOptions opts = {NULL, NULL, cases[i].gnuplot};
    g_autoptr(GError) error = NULL;
    g_autoptr(GPtrArray) written = NULL;

    g_assert_false(plot_results(dir, &opts, &written, &error));
    g_assert_error(error, PLOT_ERROR, PLOT_ERROR_GNUPLOT);
    g_assert_nonnull(strstr(error->message, cases[i].error));
    g_assert_null(written);
    fixture_done(dir);
  }
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);
  g_test_add_func("/plot/csv/rfc4180-cases", test_csv_table);
  g_test_add_func("/plot/heatmap/pools-rates-over-other-factors", test_heatmap_pools_over_other_factors);
  g_test_add_func("/plot/drop-cdf/one-step-function-per-level", test_drop_cdf_points_per_level);
  g_test_add_func("/plot/mos/omits-cells-without-mos", test_mos_omits_cells_without_mos);
  g_test_add_func("/plot/grid/one-factor-is-one-row-and-quoted-values-survive", test_one_factor_grid_data);
  g_test_add_func("/plot/grid/no-factor-is-one-tile-all", test_zero_factor_grid_data);
  g_test_add_func("/plot/data/same-input-same-bytes", test_same_input_same_bytes);
  g_test_add_func("/plot/images/grid-2x3x2", test_images_grid);
  g_test_add_func("/plot/images/one-factor-no-drops", test_images_one_factor);
  g_test_add_func("/plot/images/no-factor-no-mos", test_images_zero_factor);
  g_test_add_func("/plot/errors/unknown-factor-lists-the-factor-columns", test_unknown_factor);
  g_test_add_func("/plot/errors/missing-file-is-named", test_missing_files);
  g_test_add_func("/plot/errors/garbage-input-is-an-error", test_garbage_input);
  g_test_add_func("/plot/errors/gnuplot-missing-or-failing", test_gnuplot_failures);
  return g_test_run();
}
