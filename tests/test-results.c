/* test-results.c — run records, calls.csv, cells.csv and manifest.json (sim/results.h).
 *
 * Statistics are checked against values computed independently (Wilson intervals and type 7
 * quantiles in Python, as R's binom::binom.wilson and quantile() give them); a synthetic 2 x 2 grid
 * of hand-made records is checked row by row against hand-computed cells.csv lines.
 */
#include "results-private.h"
#include "test-util.h"

#include <glib/gstdio.h>
#include <string.h>

#define HASH "hash-of-the-test-experiment"

/* The call record's columns, as call_outcome_columns[] lists them. */
static const char *const record_columns[] = {
  "call", "direction", "registered", "reg_status", "reg_time_s", "connected", "final_status", "setup_timer",
  "setup_time_s", "out_sent", "out_recv", "in_sent", "in_recv", "audio", "dropped", "drop_time_s", "end_cause",
  "mos_out", "mos_in", "cause", "explanation",
};

/* One hand-made call: the fields cells.csv reads, the rest filled in plausibly. */
typedef struct {
  const char *registered;  /* "true"/"false" */
  const char *reg_time;    /* "-1" if none */
  const char *connected;   /* "true"/"false" */
  const char *setup_time;  /* "-1" if not connected */
  const char *audio;       /* audio class */
  const char *dropped;     /* "true"/"false" */
  const char *drop_time;   /* "-1" if not dropped */
  const char *mos_out;     /* MOS of the phone's voice */
  const char *mos_in;      /* MOS of the far end's voice */
  const char *cause;       /* outcome cause */
  const char *explanation; /* free text */
} TestCall;

static GStrv
call_row(guint index, const TestCall *c)
{
  g_autofree char *idx = g_strdup_printf("%u", index);
  const char *v[] = {
    idx, "outbound", c->registered, "200", c->reg_time, c->connected, "200", "", c->setup_time,
    "100", "100", "100", "100", c->audio, c->dropped, c->drop_time, "phone local-bye",
    c->mos_out, c->mos_in, c->cause, c->explanation, NULL,
  };
  G_STATIC_ASSERT(G_N_ELEMENTS(v) == G_N_ELEMENTS(record_columns) + 1);
  return g_strdupv((char **)v);
}

static RunRecord *
make_record(guint cell, guint replica, const TestCall *calls, guint n_calls)
{
  RunRecord *r = run_record_new();
  r->cell = cell;
  r->replica = replica;
  r->seed = 1000u * cell + replica;
  r->ok = TRUE;
  r->wall_s = 0.5;
  r->call_s = 60.0 * n_calls;
  for (guint i = 0; i < G_N_ELEMENTS(record_columns); i++)
    g_ptr_array_add(r->columns, g_strdup(record_columns[i]));
  for (guint i = 0; i < n_calls; i++)
    g_ptr_array_add(r->calls, call_row(i, &calls[i]));
  return r;
}

static void
write_record(const char *out, RunRecord *r)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *path = run_record_path(out, r->cell, r->replica);
  g_assert_true(run_record_write(r, HASH, path, &error));
  g_assert_no_error(error);
  run_record_free(r);
}

static ResultsMeta *
make_meta(void)
{
  static const char *const cells[][2] = { { "off", "naive" }, { "off", "aware" }, { "linux", "naive" },
                                          { "linux", "aware" } };
  ResultsMeta *m = g_new0(ResultsMeta, 1);
  m->name = g_strdup("synthetic");
  m->description = g_strdup("A 2 x 2 grid of hand-made runs.");
  m->path = g_strdup("experiments/synthetic.ini");
  m->file_hash = g_strdup("0123abcd");
  m->hash = g_strdup(HASH);
  m->seed = G_MAXUINT64 - 1;
  m->replicas = 3;
  m->plot_x = g_strdup("router.alg");
  m->plot_y = NULL;
  m->columns = g_ptr_array_new_with_free_func(g_free);
  g_ptr_array_add(m->columns, g_strdup("router.alg"));
  g_ptr_array_add(m->columns, g_strdup("pbx.profile"));
  m->cells = g_ptr_array_new_with_free_func((GDestroyNotify)g_strfreev);
  for (guint c = 0; c < G_N_ELEMENTS(cells); c++) {
    const char *v[] = { cells[c][0], cells[c][1], NULL };
    g_ptr_array_add(m->cells, g_strdupv((char **)v));
  }
  m->grid_json = g_strdup("{\"factors\": [{\"name\": \"router.alg\", \"levels\": [\"off\", \"linux\"]}], "
                          "\"exclude\": []}");
  m->config = g_strdup("call.duration_s = 60  # synthetic.ini:9");
  return m;
}

#define OK_CALL(mo, mi, setup) { "true", "0.100", "true", setup, "two-way", "false", "-1", mo, mi, "ok", "" }

/* The synthetic grid (see the expected rows in test_cells_rows):
 *   cell 0 off/naive:   3 runs, 6 calls of every kind;
 *   cell 1 off/aware:   replica 0 one good call, replica 1 missing, replica 2 failed;
 *   cell 2 linux/naive: 3 runs of one good call (one explanation needs quoting);
 *   cell 3 linux/aware: 3 runs of one one-way-in call. */
static void
write_grid(const char *out)
{
  const TestCall c00[] = { OK_CALL("4.20", "4.10", "0.200"), OK_CALL("4.30", "4.40", "0.300") };
  const TestCall c01[] = {
    { "true", "0.100", "true", "0.250", "one-way-out", "false", "-1", "4.20", "0.00", "no-audio-in", "" },
    { "true", "0.100", "true", "0.150", "two-way", "true", "32.000", "4.00", "3.90", "dropped", "" },
  };
  const TestCall c02[] = {
    { "false", "-1", "false", "-1", "not-set-up", "false", "-1", "0.00", "0.00", "register-failed", "" },
    { "true", "0.200", "false", "-1", "not-set-up", "false", "-1", "0.00", "0.00", "setup-failed", "" },
  };
  write_record(out, make_record(0, 0, c00, 2));
  write_record(out, make_record(0, 1, c01, 2));
  write_record(out, make_record(0, 2, c02, 2));

  const TestCall c10[] = { OK_CALL("4.40", "4.30", "0.200") };
  write_record(out, make_record(1, 0, c10, 1));
  RunRecord *failed = run_record_new();
  failed->cell = 1;
  failed->replica = 2;
  failed->ok = FALSE;
  failed->error = g_strdup("boom");
  failed->wall_s = 0.25;
  write_record(out, failed);

  const TestCall c20[] = { { "true", "0.100", "true", "0.200", "two-way", "false", "-1", "4.10", "4.20", "ok",
                             "router \"rewrote\" Contact, port 5060" } };
  const TestCall c21[] = { OK_CALL("3.50", "3.60", "0.200") };
  const TestCall c22[] = { OK_CALL("4.00", "4.40", "0.200") };
  write_record(out, make_record(2, 0, c20, 1));
  write_record(out, make_record(2, 1, c21, 1));
  write_record(out, make_record(2, 2, c22, 1));
  const TestCall c3[] = {
    { "true", "0.100", "true", "0.200", "one-way-in", "false", "-1", "0.00", "4.00", "no-audio-out", "" },
  };
  for (guint r = 0; r < 3; r++)
    write_record(out, make_record(3, r, c3, 1));
}

static const ResultsRunInfo test_info = {
  .started = "2026-11-23T10:00:00Z", .wall_s = 12.5, .jobs = 2, .shard = NULL, .command = "algsim run x.ini",
};

static char *
read_text(const char *dir, const char *name)
{
  g_autofree char *path = g_build_filename(dir, name, NULL);
  char *text = NULL;
  g_assert_true(g_file_get_contents(path, &text, NULL, NULL));
  return text;
}

static void
rm_rf(const char *path)
{
  if (g_file_test(path, G_FILE_TEST_IS_DIR)) {
    g_autoptr(GDir) d = g_dir_open(path, 0, NULL);
    const char *name;
    while (d != NULL && (name = g_dir_read_name(d)) != NULL) {
      g_autofree char *child = g_build_filename(path, name, NULL);
      rm_rf(child);
    }
    g_rmdir(path);
  } else {
    g_unlink(path);
  }
}

/* A results directory with the synthetic grid written and results_write() run on it. */
typedef struct {
  char *dir;       /* the temporary results directory */
  ResultsMeta *m;  /* the grid */
  guint missing;   /* what results_write() reported */
} Fixture;

static void
fixture_setup(Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  f->dir = g_dir_make_tmp("algsim-results-XXXXXX", &error);
  g_assert_no_error(error);
  f->m = make_meta();
  write_grid(f->dir);
  f->missing = 99;
  g_assert_true(results_write(f->m, f->dir, &test_info, &f->missing, &error));
  g_assert_no_error(error);
}

static void
fixture_teardown(Fixture *f, gconstpointer data)
{
  rm_rf(f->dir);
  g_free(f->dir);
  results_meta_free(f->m);
}

/* ---- Statistics ------------------------------------------------------------------------------- */

static void
test_wilson(void)
{
  /* Reference: Wilson's formula with z = 1.959964 evaluated in Python (8/10 is the textbook case,
   * Brown, Cai & DasGupta 2001, and R's binom.wilson: 0.490, 0.943). */
  static const struct {
    guint k, n;     /* successes of trials */
    double lo, hi;  /* interval */
  } cases[] = {
    { 8, 10, 0.490162, 0.943318 },  { 0, 10, 0.000000, 0.277533 },  { 10, 10, 0.722467, 1.000000 },
    { 1, 1, 0.206549, 1.000000 },   { 0, 1, 0.000000, 0.793451 },   { 2, 6, 0.096771, 0.700007 },
    { 50, 100, 0.403832, 0.596168 }, { 1, 3, 0.061492, 0.792340 }, { 0, 0, 0.0, 1.0 },
  };
  for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
    double lo = -1, hi = -1;
    results_wilson(cases[i].k, cases[i].n, &lo, &hi);
    g_test_message("%u/%u: [%f, %f]", cases[i].k, cases[i].n, lo, hi);
    g_assert_cmpfloat_with_epsilon(lo, cases[i].lo, 1e-6);
    g_assert_cmpfloat_with_epsilon(hi, cases[i].hi, 1e-6);
    g_assert_cmpfloat(lo, >=, 0.0);
    g_assert_cmpfloat(hi, <=, 1.0);
  }
}

static void
test_percentiles(void)
{
  /* Reference: R's quantile(x, p) (type 7) = numpy.quantile's default "linear". */
  static const struct {
    double x[10];      /* sorted sample */
    guint n;           /* its size */
    double p, expect;  /* probability and quantile */
  } cases[] = {
    { { 5 }, 1, 0.1, 5 },
    { { 5 }, 1, 0.9, 5 },
    { { 1, 2 }, 2, 0.1, 1.1 },
    { { 1, 2 }, 2, 0.5, 1.5 },
    { { 0, 3.9, 4.1, 4.3 }, 4, 0.1, 1.17 },
    { { 0, 3.9, 4.1, 4.3 }, 4, 0.5, 4.0 },
    { { 0, 3.9, 4.1, 4.3 }, 4, 0.9, 4.24 },
    { { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10 }, 10, 0.1, 1.9 },
    { { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10 }, 10, 0.9, 9.1 },
    { { 1, 2, 3 }, 3, 0.0, 1 },
    { { 1, 2, 3 }, 3, 1.0, 3 },
  };
  for (guint i = 0; i < G_N_ELEMENTS(cases); i++)
    g_assert_cmpfloat_with_epsilon(results_quantile(cases[i].x, cases[i].n, cases[i].p), cases[i].expect, 1e-9);
}

static void
test_csv_quoting(void)
{
  /* RFC 4180 §2: fields with commas, quotes or line breaks are quoted; quotes are doubled. */
  static const struct {
    const char *field, *csv; /* raw and as written */
  } cases[] = {
    { "plain", "plain" },
    { "", "" },
    { "a,b", "\"a,b\"" },
    { "say \"hi\"", "\"say \"\"hi\"\"\"" },
    { "two\nlines", "\"two\nlines\"" },
    { "cr\r", "\"cr\r\"" },
    { "timer B", "timer B" },
  };
  for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
    g_autoptr(GString) s = g_string_new(NULL);
    results_csv_field(s, cases[i].field);
    g_assert_cmpstr(s->str, ==, cases[i].csv);
  }
}

/* ---- The synthetic grid ----------------------------------------------------------------------- */

static const char cells_header[] =
  "cell,router.alg,pbx.profile,runs,failed_runs,calls,registered,connected,dropped,success,"
  "two_way,one_way_out,one_way_in,no_audio,not_set_up,success_rate,success_lo,success_hi,"
  "connect_rate,connect_lo,connect_hi,two_way_rate,two_way_lo,two_way_hi,register_rate,register_lo,register_hi,"
  "mos_mean,mos_p10,mos_p50,mos_p90,setup_time_mean_s,reg_time_mean_s,drop_time_mean_s,"
  "delay_out_mean_ms,delay_in_mean_ms,relayed,relay_bytes_mean,"
  "cause_dropped,cause_no-audio-in,cause_no-audio-out,cause_ok,cause_register-failed,cause_setup-failed";

static void
test_cells_rows(Fixture *f, gconstpointer data)
{
  g_autofree char *text = read_text(f->dir, "cells.csv");
  g_auto(GStrv) lines = g_strsplit(text, "\n", -1);

  g_assert_cmpuint(g_strv_length(lines), ==, 6); /* header, 4 cells, "" after the last newline */
  g_assert_cmpstr(lines[5], ==, "");
  g_assert_cmpstr(lines[0], ==, cells_header);
  /* Cell 0, by hand: 6 calls, 5 registered, 4 connected, 1 dropped, 2 successes; audio 3 two-way,
   * 1 one-way-out, 2 not set up; Wilson of 2/6, 4/6, 3/6, 5/6; MOS min per connected call
   * {4.10, 4.30, 0.00, 3.90}: mean 3.075, type 7 p10 1.17, p50 4.0, p90 4.24; setup times
   * {0.2, 0.3, 0.25, 0.15}, registration times {0.1 x 4, 0.2}, one drop at 32 s. */
  g_assert_cmpstr(lines[1], ==,
                  "0,off,naive,3,0,6,5,4,1,2,3,1,0,0,2,"
                  "0.3333,0.0968,0.7000,0.6667,0.3000,0.9032,0.5000,0.1876,0.8124,0.8333,0.4365,0.9699,"
                  "3.0750,1.1700,4.0000,4.2400,0.225,0.120,32.000,,,0,,1,1,0,2,1,1"); /* no delay or relay columns */
  /* Cell 1: replica 1 missing, replica 2 failed: 2 runs, 1 failed, one good call; nothing dropped. */
  g_assert_cmpstr(lines[2], ==,
                  "1,off,aware,2,1,1,1,1,0,1,1,0,0,0,0,"
                  "1.0000,0.2065,1.0000,1.0000,0.2065,1.0000,1.0000,0.2065,1.0000,1.0000,0.2065,1.0000,"
                  "4.3000,4.3000,4.3000,4.3000,0.200,0.100,,,,0,,0,0,0,1,0,0");
  /* Cell 3: connected one-way-in calls are no success; MOS 0 (min of 0.00 and 4.00). */
  g_assert_cmpstr(lines[4], ==,
                  "3,linux,aware,3,0,3,3,3,0,0,0,0,3,0,0,"
                  "0.0000,0.0000,0.5615,1.0000,0.4385,1.0000,0.0000,0.0000,0.5615,1.0000,0.4385,1.0000,"
                  "0.0000,0.0000,0.0000,0.0000,0.200,0.100,,,,0,,0,0,3,0,0,0");
}

static void
test_calls_rows(Fixture *f, gconstpointer data)
{
  g_autofree char *text = read_text(f->dir, "calls.csv");
  g_auto(GStrv) lines = g_strsplit(text, "\n", -1);
  g_autofree char *columns = g_strjoinv(",", (char **)record_columns);
  g_autofree char *header = g_strconcat("cell,replica,seed,router.alg,pbx.profile,", columns, NULL);

  g_assert_true(g_str_has_suffix(text, "\n"));
  g_assert_cmpstr(lines[0], ==, header);
  g_assert_cmpuint(g_strv_length(lines), ==, 1 + 13 + 1); /* 6 + 1 + 3 + 3 calls */
  g_assert_true(g_str_has_prefix(lines[1], "0,0,0,off,naive,0,outbound,true,"));
  g_assert_true(g_str_has_prefix(lines[6], "0,2,2,off,naive,1,"));
  g_assert_true(g_str_has_prefix(lines[7], "1,0,1000,off,aware,0,"));
  g_assert_true(g_str_has_prefix(lines[8], "2,0,2000,linux,naive,0,"));
  g_assert_true(g_str_has_suffix(lines[8], ",ok,\"router \"\"rewrote\"\" Contact, port 5060\""));
  g_assert_true(g_str_has_prefix(lines[13], "3,2,3002,linux,aware,"));
}

static void
test_missing_run(Fixture *f, gconstpointer data)
{
  g_assert_cmpuint(f->missing, ==, 1);
  g_autofree char *cells = read_text(f->dir, "cells.csv");
  g_assert_nonnull(strstr(cells, "\n1,off,aware,2,"));
  g_autofree char *manifest = read_text(f->dir, "manifest.json");
  g_assert_nonnull(strstr(manifest, "\"complete\" : false"));
  g_assert_nonnull(strstr(manifest, "\"runs_total\" : 12"));
  g_assert_nonnull(strstr(manifest, "\"runs_present\" : 11"));
}

static void
test_failed_run(Fixture *f, gconstpointer data)
{
  g_autofree char *manifest = read_text(f->dir, "manifest.json");
  g_assert_nonnull(strstr(manifest, "\"runs_failed\" : 1"));
  g_autofree char *cells = read_text(f->dir, "cells.csv");
  g_assert_nonnull(strstr(cells, "\n1,off,aware,2,1,1,"));
}

static void
test_manifest_contents(Fixture *f, gconstpointer data)
{
  g_autofree char *path = g_build_filename(f->dir, "manifest.json", NULL);
  g_autoptr(JsonParser) p = json_parser_new();
  g_assert_true(json_parser_load_from_file(p, path, NULL));
  JsonObject *root = json_node_get_object(json_parser_get_root(p));
  g_assert_cmpstr(json_object_get_string_member(root, "format"), ==, "algsim-results/1");
  g_assert_cmpstr(json_object_get_string_member(root, "command"), ==, "algsim run x.ini");
  g_assert_cmpint(json_object_get_int_member(root, "jobs"), ==, 2);
  g_assert_true(json_object_get_null_member(root, "shard"));
  JsonObject *exp = json_object_get_object_member(root, "experiment");
  g_assert_cmpstr(json_object_get_string_member(exp, "seed"), ==, "18446744073709551614");
  JsonObject *grid = json_object_get_object_member(exp, "grid");
  g_assert_nonnull(grid);
  g_assert_true(json_object_has_member(grid, "factors"));
  JsonArray *cells = json_object_get_array_member(root, "cells");
  g_assert_cmpuint(json_array_get_length(cells), ==, 4);
  JsonObject *c1 = json_array_get_object_element(cells, 1);
  g_assert_cmpstr(json_object_get_string_member(c1, "label"), ==, "router.alg=off;pbx.profile=aware");
  g_assert_cmpint(json_object_get_int_member(c1, "runs"), ==, 2);
  g_assert_cmpfloat_with_epsilon(json_object_get_double_member(c1, "wall_s"), 0.75, 1e-9);
  g_assert_cmpfloat_with_epsilon(json_object_get_double_member(c1, "call_s"), 60.0, 1e-9);
  g_autofree char *config = read_text(f->dir, "config.ini");
  g_assert_cmpstr(config, ==, "call.duration_s = 60  # synthetic.ini:9\n");
}

static void
test_bad_grid_json(void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp("algsim-results-XXXXXX", NULL);
  g_autoptr(ResultsMeta) m = make_meta();
  g_free(m->grid_json);
  m->grid_json = g_strdup("{\"factors\": [");
  guint missing = 0;
  g_assert_false(results_write(m, dir, &test_info, &missing, &error));
  g_assert_error(error, RESULTS_ERROR, RESULTS_ERROR_FORMAT);
  g_autofree char *cells = g_build_filename(dir, "cells.csv", NULL);
  g_assert_false(g_file_test(cells, G_FILE_TEST_EXISTS));
  rm_rf(dir);
}

static void
test_shard_cell_without_runs(Fixture *f, gconstpointer data)
{
  /* A shard holding no run of cell 3: no row for it, three more missing. */
  for (guint r = 0; r < 3; r++) {
    g_autofree char *path = run_record_path(f->dir, 3, r);
    g_assert_cmpint(g_unlink(path), ==, 0);
  }
  g_autoptr(GError) error = NULL;
  guint missing = 0;
  g_assert_true(results_write(f->m, f->dir, &test_info, &missing, &error));
  g_assert_no_error(error);
  g_assert_cmpuint(missing, ==, 4);
  g_autofree char *cells = read_text(f->dir, "cells.csv");
  g_assert_null(strstr(cells, "\n3,"));
  /* The cause seen only in cell 3 is gone with it. */
  g_assert_null(strstr(cells, "cause_no-audio-out"));
}

static void
test_columns_must_agree(Fixture *f, gconstpointer data)
{
  const TestCall c[] = { OK_CALL("4.00", "4.00", "0.200") };
  RunRecord *r = make_record(2, 1, c, 1);
  g_free(g_ptr_array_index(r->columns, 1));
  g_ptr_array_index(r->columns, 1) = g_strdup("way");
  write_record(f->dir, r);
  g_autoptr(GError) error = NULL;
  guint missing = 0;
  g_assert_false(results_write(f->m, f->dir, &test_info, &missing, &error));
  g_assert_error(error, RESULTS_ERROR, RESULTS_ERROR_FORMAT);
  g_assert_nonnull(strstr(error->message, "c00002-r0001.json"));
}

/* ---- Run records ------------------------------------------------------------------------------ */

static void
test_record_path(void)
{
  g_autofree char *p = run_record_path("out", 3, 2);
  g_assert_cmpstr(p, ==, "out/runs/c00003-r0002.json");
}

static void
test_record_round_trip(void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp("algsim-results-XXXXXX", NULL);
  g_autofree char *path = run_record_path(dir, 7, 1);
  const TestCall c[] = { { "true", "0.100", "true", "0.200", "two-way", "false", "-1", "4.10", "4.20", "ok",
                           "a \"quoted\", comma\nand newline" } };
  g_autoptr(RunRecord) r = make_record(7, 1, c, 1);
  r->seed = G_MAXUINT64;
  r->wall_s = 0.1 + 0.2;
  r->call_s = 600.0;
  r->error = g_strdup("partial");

  g_assert_true(run_record_write(r, HASH, path, &error));
  g_assert_no_error(error);
  g_autoptr(RunRecord) back = run_record_read(path, HASH, &error);
  g_assert_no_error(error);
  g_assert_cmpuint(back->cell, ==, 7);
  g_assert_cmpuint(back->replica, ==, 1);
  g_assert_cmpuint(back->seed, ==, G_MAXUINT64);
  g_assert_true(back->ok);
  g_assert_cmpstr(back->error, ==, "partial");
  g_assert_cmpfloat(back->wall_s, ==, 0.1 + 0.2);
  g_assert_cmpfloat(back->call_s, ==, 600.0);
  g_assert_cmpuint(back->columns->len, ==, G_N_ELEMENTS(record_columns));
  g_assert_cmpuint(back->calls->len, ==, 1);
  g_assert_cmpstrv(g_ptr_array_index(back->calls, 0), g_ptr_array_index(r->calls, 0));
  g_autofree char *text = read_text(dir, "runs/c00007-r0001.json");
  g_assert_nonnull(strstr(text, "\"seed\":\"18446744073709551615\""));
  g_assert_nonnull(strstr(text, "\"format\":\"algsim-run/1\""));
  rm_rf(dir);
}

static void
test_other_hash_refused(Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *path = run_record_path(f->dir, 0, 0);
  g_assert_null(run_record_read(path, "another-hash", &error));
  g_assert_error(error, RESULTS_ERROR, RESULTS_ERROR_MISMATCH);
  g_assert_nonnull(strstr(error->message, path));
  g_assert_nonnull(strstr(error->message, HASH));
  g_assert_nonnull(strstr(error->message, "another-hash"));
  g_clear_error(&error);

  /* results_write() refuses a grid directory holding another experiment's runs. */
  g_free(f->m->hash);
  f->m->hash = g_strdup("another-hash");
  guint missing = 0;
  g_assert_false(results_write(f->m, f->dir, &test_info, &missing, &error));
  g_assert_error(error, RESULTS_ERROR, RESULTS_ERROR_MISMATCH);
}

static void
test_truncated_record(Fixture *f, gconstpointer data)
{
  g_autofree char *path = run_record_path(f->dir, 0, 1);
  g_autofree char *good = NULL;
  gsize len = 0;
  g_assert_true(g_file_get_contents(path, &good, &len, NULL));
  g_autofree char *bad = g_build_filename(f->dir, "bad.json", NULL);

  /* Every proper prefix of a good record is refused as FORMAT (the last byte is the newline). */
  for (gsize cut = 0; cut + 1 < len; cut++) {
    g_autoptr(GError) error = NULL;
    g_assert_true(g_file_set_contents(bad, good, (gssize)cut, NULL));
    g_autoptr(RunRecord) r = run_record_read(bad, HASH, &error);
    g_assert_null(r);
    g_assert_error(error, RESULTS_ERROR, RESULTS_ERROR_FORMAT);
    g_assert_nonnull(strstr(error->message, bad));
  }

  /* Well-formed JSON that is not a run record. */
  static const char *const garbage[] = {
    "null",
    "[1, 2]",
    "{\"format\": \"algsim-run/2\", \"experiment_hash\": \"" HASH "\"}",
    "{\"format\": \"algsim-run/1\", \"experiment_hash\": \"" HASH "\", \"cell\": -1, \"replica\": 0, "
    "\"seed\": \"1\", \"ok\": true, \"error\": null, \"wall_s\": 0, \"call_s\": 0, \"columns\": [], \"calls\": []}",
    "{\"format\": \"algsim-run/1\", \"experiment_hash\": \"" HASH "\", \"cell\": 0, \"replica\": 0, "
    "\"seed\": \"x1\", \"ok\": true, \"error\": null, \"wall_s\": 0, \"call_s\": 0, \"columns\": [], \"calls\": []}",
    "{\"format\": \"algsim-run/1\", \"experiment_hash\": \"" HASH "\", \"cell\": 0, \"replica\": 0, "
    "\"seed\": \"1\", \"ok\": \"yes\", \"error\": null, \"wall_s\": 0, \"call_s\": 0, \"columns\": [], \"calls\": []}",
    "{\"format\": \"algsim-run/1\", \"experiment_hash\": \"" HASH "\", \"cell\": 0, \"replica\": 0, "
    "\"seed\": \"1\", \"ok\": true, \"error\": null, \"wall_s\": 0, \"call_s\": 0, \"columns\": [\"a\", \"b\"], "
    "\"calls\": [[\"1\", \"2\"], [\"1\"]]}",
    "{\"format\": \"algsim-run/1\", \"experiment_hash\": \"" HASH "\", \"cell\": 0, \"replica\": 0, "
    "\"seed\": \"1\", \"ok\": true, \"error\": null, \"wall_s\": 0, \"call_s\": 0, \"columns\": [\"a\", 2], "
    "\"calls\": []}",
  };
  for (guint i = 0; i < G_N_ELEMENTS(garbage); i++) {
    g_autoptr(GError) error = NULL;
    g_assert_true(g_file_set_contents(bad, garbage[i], -1, NULL));
    g_autoptr(RunRecord) r = run_record_read(bad, HASH, &error);
    g_test_message("%s", error != NULL ? error->message : "(accepted)");
    g_assert_null(r);
    g_assert_error(error, RESULTS_ERROR, RESULTS_ERROR_FORMAT);
  }

  /* results_write() stops on a truncated record in the grid with the same error. */
  g_assert_true(g_file_set_contents(path, good, (gssize)(len / 2), NULL));
  g_autoptr(GError) error = NULL;
  guint missing = 0;
  g_assert_false(results_write(f->m, f->dir, &test_info, &missing, &error));
  g_assert_error(error, RESULTS_ERROR, RESULTS_ERROR_FORMAT);
  g_assert_nonnull(strstr(error->message, "c00000-r0001.json"));
}

static void
test_temporaries_cleaned(Fixture *f, gconstpointer data)
{
  static const char *const temps[] = { "c00000-r0000.json.AB12CD", "c00001-r0001.json.x9Y8z7" };
  for (guint i = 0; i < G_N_ELEMENTS(temps); i++) {
    g_autofree char *p = g_build_filename(f->dir, "runs", temps[i], NULL);
    g_assert_true(g_file_set_contents(p, "{\"form", -1, NULL));
  }
  g_assert_cmpuint(results_clean_temporaries(f->dir), ==, 2);
  g_assert_cmpuint(results_clean_temporaries(f->dir), ==, 0);
  for (guint i = 0; i < G_N_ELEMENTS(temps); i++) {
    g_autofree char *p = g_build_filename(f->dir, "runs", temps[i], NULL);
    g_assert_false(g_file_test(p, G_FILE_TEST_EXISTS));
  }
  /* The whole records stay. */
  g_autofree char *kept = run_record_path(f->dir, 0, 0);
  g_assert_true(g_file_test(kept, G_FILE_TEST_IS_REGULAR));
  g_assert_cmpuint(results_clean_temporaries("/nonexistent/algsim"), ==, 0);
}

/* ---- Manifest round trip ---------------------------------------------------------------------- */

static void
test_manifest_round_trip(Fixture *f, gconstpointer data)
{
  static const char *const files[] = { "calls.csv", "cells.csv", "config.ini" };
  g_autoptr(GError) error = NULL;
  g_autofree char *manifest = g_build_filename(f->dir, "manifest.json", NULL);
  char *before[G_N_ELEMENTS(files)];
  for (guint i = 0; i < G_N_ELEMENTS(files); i++)
    before[i] = read_text(f->dir, files[i]);

  g_autoptr(ResultsMeta) m = results_meta_from_manifest(manifest, &error);
  g_assert_no_error(error);
  g_assert_cmpstr(m->name, ==, f->m->name);
  g_assert_cmpstr(m->description, ==, f->m->description);
  g_assert_cmpstr(m->path, ==, f->m->path);
  g_assert_cmpstr(m->file_hash, ==, f->m->file_hash);
  g_assert_cmpstr(m->hash, ==, f->m->hash);
  g_assert_cmpuint(m->seed, ==, f->m->seed);
  g_assert_cmpuint(m->replicas, ==, f->m->replicas);
  g_assert_cmpstr(m->plot_x, ==, f->m->plot_x);
  g_assert_null(m->plot_y);
  g_assert_cmpstr(m->config, ==, f->m->config);
  g_assert_cmpuint(m->columns->len, ==, f->m->columns->len);
  for (guint i = 0; i < m->columns->len; i++)
    g_assert_cmpstr(g_ptr_array_index(m->columns, i), ==, g_ptr_array_index(f->m->columns, i));
  g_assert_cmpuint(m->cells->len, ==, f->m->cells->len);
  for (guint c = 0; c < m->cells->len; c++)
    g_assert_cmpstrv(g_ptr_array_index(m->cells, c), g_ptr_array_index(f->m->cells, c));
  g_autoptr(JsonNode) g1 = json_from_string(m->grid_json, NULL);
  g_autoptr(JsonNode) g2 = json_from_string(f->m->grid_json, NULL);
  g_assert_true(json_node_equal(g1, g2));

  guint missing = 0;
  g_assert_true(results_write(m, f->dir, &test_info, &missing, &error));
  g_assert_no_error(error);
  g_assert_cmpuint(missing, ==, f->missing);
  for (guint i = 0; i < G_N_ELEMENTS(files); i++) {
    g_autofree char *after = read_text(f->dir, files[i]);
    g_assert_cmpstr(after, ==, before[i]);
    g_free(before[i]);
  }
}

static void
test_manifest_garbage(void)
{
  g_autofree char *dir = g_dir_make_tmp("algsim-results-XXXXXX", NULL);
  g_autofree char *path = g_build_filename(dir, "manifest.json", NULL);
  static const char *const garbage[] = {
    "", "{", "{\"format\": \"algsim-results/1\"}",
    "{\"format\": \"algsim-results/1\", \"experiment\": {\"name\": 3}}",
    "{\"format\": \"algsim-results/1\", \"experiment\": {\"name\": null, \"description\": null, \"path\": null, "
    "\"file_sha256\": null, \"hash\": \"h\", \"plot_x\": null, \"plot_y\": null, \"config\": \"\", \"seed\": \"1\", "
    "\"replicas\": 1, \"columns\": [\"a\"], \"cells\": [[\"x\", \"y\"]], \"grid\": null}}",
  };
  for (guint i = 0; i < G_N_ELEMENTS(garbage); i++) {
    g_autoptr(GError) error = NULL;
    g_assert_true(g_file_set_contents(path, garbage[i], -1, NULL));
    g_autoptr(ResultsMeta) m = results_meta_from_manifest(path, &error);
    g_assert_null(m);
    g_assert_error(error, RESULTS_ERROR, RESULTS_ERROR_FORMAT);
    g_assert_nonnull(strstr(error->message, path));
  }
  g_autoptr(GError) error = NULL;
  g_assert_null(results_meta_from_manifest("/nonexistent/manifest.json", &error));
  g_assert_error(error, RESULTS_ERROR, RESULTS_ERROR_IO);
  rm_rf(dir);
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add_func("/results/cells/wilson-interval-matches-reference", test_wilson);
  g_test_add_func("/results/cells/percentiles-are-hyndman-fan-type-7", test_percentiles);
  g_test_add_func("/results/calls/csv-quotes-comma-quote-and-newline", test_csv_quoting);
#define FIXTURE_TEST(path, fn) g_test_add(path, Fixture, NULL, fixture_setup, fn, fixture_teardown)
  FIXTURE_TEST("/results/cells/success-rate-and-wilson", test_cells_rows);
  FIXTURE_TEST("/results/calls/header-and-one-row-per-call-in-run-order", test_calls_rows);
  FIXTURE_TEST("/results/runs/missing-run-counted", test_missing_run);
  FIXTURE_TEST("/results/runs/failed-run-counted", test_failed_run);
  FIXTURE_TEST("/results/manifest/totals-labels-and-timing", test_manifest_contents);
  g_test_add_func("/results/manifest/grid-that-is-not-json-refused", test_bad_grid_json);
  FIXTURE_TEST("/results/cells/shard-cell-without-runs-has-no-row", test_shard_cell_without_runs);
  FIXTURE_TEST("/results/calls/records-with-other-columns-refused", test_columns_must_agree);
  g_test_add_func("/results/runs/path-format", test_record_path);
  g_test_add_func("/results/runs/record-round-trip", test_record_round_trip);
  FIXTURE_TEST("/results/runs/other-experiment-hash-refused", test_other_hash_refused);
  FIXTURE_TEST("/results/runs/truncated-or-garbage-record-refused", test_truncated_record);
  FIXTURE_TEST("/results/runs/temporaries-cleaned", test_temporaries_cleaned);
  FIXTURE_TEST("/results/manifest/round-trip-gives-same-files", test_manifest_round_trip);
  g_test_add_func("/results/manifest/garbage-refused", test_manifest_garbage);
  return g_test_run();
}
