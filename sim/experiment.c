/* experiment.c — experiment files (experiment.h): parse [experiment] and [grid], expand the grid
 * with its exclusions, derive each run's seed, build each run's configuration, and validate all
 * of it before anything runs.  The grid is a full factorial design over the factors (zipped keys
 * count as one factor), as in OMNeT++ parameter studies ("${...}" iteration variables) and ns-3's
 * SEM `param_combinations`, minus the excluded combinations.
 */
#include "experiment.h"

#include <json-glib/json-glib.h>
#include <string.h>

/* One exclusion clause: a conjunction of (column, value). */
typedef struct {
  GPtrArray *cols;     /* char * column names */
  GPtrArray *vals;     /* char * values */
  GArray *where;       /* guint pairs per term: the factor's index and the column's key index */
} ExpClause;

struct Experiment {
  char *path;          /* the file as given */
  char *text;          /* its bytes */
  char *name;          /* [experiment] name */
  char *description;   /* [experiment] description */
  guint64 seed;        /* [experiment] seed */
  guint replicas;      /* [experiment] replicas */
  gboolean crn;        /* [experiment] common_random_numbers */
  char *plot_x;        /* heatmap factors (columns) */
  char *plot_y;
  GPtrArray *factors;  /* ExpFactor * */
  GPtrArray *columns;  /* char *: factor keys flattened */
  GPtrArray *excludes; /* ExpClause * */
  GArray *cells;       /* guint level index per factor, n_factors per cell */
  GStrv sets;          /* --set assignments */
  char *hash;          /* experiment hash (hex) */
  char *file_hash;     /* SHA-256 of text */
};

static const char *const exp_keys[] = {"name", "description", "seed", "replicas", "plot_x", "plot_y",
                                       "common_random_numbers", NULL};
static const char *const skip_groups[] = {"experiment", "grid", NULL};

static void
factor_free(gpointer p)
{
  ExpFactor *f = p;
  g_free(f->name);
  g_ptr_array_unref(f->keys);
  g_ptr_array_unref(f->levels);
  g_free(f);
}

static void
clause_free(gpointer p)
{
  ExpClause *c = p;
  g_ptr_array_unref(c->cols);
  g_ptr_array_unref(c->vals);
  g_array_unref(c->where);
  g_free(c);
}

void
experiment_free(Experiment *e)
{
  if (!e)
    return;
  g_free(e->path);
  g_free(e->text);
  g_free(e->name);
  g_free(e->description);
  g_free(e->plot_x);
  g_free(e->plot_y);
  g_ptr_array_unref(e->factors);
  g_ptr_array_unref(e->columns);
  g_ptr_array_unref(e->excludes);
  g_array_unref(e->cells);
  g_strfreev(e->sets);
  g_free(e->hash);
  g_free(e->file_hash);
  g_free(e);
}

static gboolean G_GNUC_PRINTF(4, 5)
fail(GError **error, const Experiment *e, int line, const char *fmt, ...)
{
  va_list ap;
  va_start(ap, fmt);
  g_autofree char *msg = g_strdup_vprintf(fmt, ap);
  va_end(ap);
  if (line > 0)
    g_set_error(error, CFG_ERROR, CFG_ERROR_BAD_VALUE, "%s:%d: %s", e->path, line, msg);
  else
    g_set_error(error, CFG_ERROR, CFG_ERROR_BAD_VALUE, "%s: %s", e->path, msg);
  return FALSE;
}

/* ---- [experiment] ------------------------------------------------------------------------------ */

static gboolean
parse_uint(const char *text, guint64 min, guint64 max, guint64 *out)
{
  char *end = NULL;
  g_autofree char *t = g_strstrip(g_strdup(text));
  if (!*t || *t == '-')
    return FALSE;
  guint64 v = g_ascii_strtoull(t, &end, 10);
  if (*end || v < min || v > max)
    return FALSE;
  *out = v;
  return TRUE;
}

static gboolean
load_header(Experiment *e, GKeyFile *kf, GError **error)
{
  if (!g_key_file_has_group(kf, "experiment"))
    return fail(error, e, 0, "no [experiment] group; expected one with at least 'description = ...'");
  int gline = cfg_ini_line(e->text, "experiment", NULL);
  g_auto(GStrv) keys = g_key_file_get_keys(kf, "experiment", NULL, NULL);
  for (int i = 0; keys && keys[i]; i++)
    if (!g_strv_contains(exp_keys, keys[i])) {
      g_autofree char *list = g_strjoinv(", ", (char **)exp_keys);
      return fail(error, e, cfg_ini_line(e->text, "experiment", keys[i]),
                  "[experiment] %s: unknown key; expected one of %s", keys[i], list);
    }
  g_autofree char *stem = g_path_get_basename(e->path);
  char *dot = strrchr(stem, '.');
  if (dot && dot != stem)
    *dot = 0;
  e->name = g_key_file_get_string(kf, "experiment", "name", NULL);
  if (!e->name)
    e->name = g_strdup(stem);
  g_strstrip(e->name);
  if (!*e->name || strpbrk(e->name, "/\\") || e->name[0] == '.')
    return fail(error, e, cfg_ini_line(e->text, "experiment", "name"),
                "[experiment] name: expected a non-empty name without '/' that does not start with '.' "
                "(it names the results directory), got '%s'", e->name);
  e->description = g_key_file_get_string(kf, "experiment", "description", NULL);
  if (!e->description || !*g_strstrip(e->description))
    return fail(error, e, gline, "[experiment] description: missing; say what the experiment should show");
  g_autofree char *seed = g_key_file_get_value(kf, "experiment", "seed", NULL);
  e->seed = 1;
  if (seed && !parse_uint(seed, 0, G_MAXINT64, &e->seed))
    return fail(error, e, cfg_ini_line(e->text, "experiment", "seed"),
                "[experiment] seed: expected an integer 0..%" G_GINT64_FORMAT ", got '%s'", G_MAXINT64, seed);
  g_autofree char *rep = g_key_file_get_value(kf, "experiment", "replicas", NULL);
  guint64 r = 1;
  if (rep && !parse_uint(rep, 1, 9999, &r))
    return fail(error, e, cfg_ini_line(e->text, "experiment", "replicas"),
                "[experiment] replicas: expected an integer 1..9999, got '%s'", rep);
  e->replicas = (guint)r;
  g_autofree char *crn = g_key_file_get_value(kf, "experiment", "common_random_numbers", NULL);
  if (crn) {
    g_autoptr(GError) local = NULL;
    const CfgKeyDef booldef = {"experiment.common_random_numbers", CFG_BOOL, "", "false", NULL, ""};
    if (!cfg_check_value(&booldef, crn, &local))
      return fail(error, e, cfg_ini_line(e->text, "experiment", "common_random_numbers"),
                  "[experiment] common_random_numbers: %s", local->message);
    g_autofree char *t = g_ascii_strdown(g_strstrip(crn), -1);
    e->crn = g_str_equal(t, "true") || g_str_equal(t, "yes") || g_str_equal(t, "on") || g_str_equal(t, "1");
  }
  e->plot_x = g_key_file_get_string(kf, "experiment", "plot_x", NULL);
  e->plot_y = g_key_file_get_string(kf, "experiment", "plot_y", NULL);
  return TRUE;
}

/* ---- [grid] ------------------------------------------------------------------------------------ */

static gint
column_index(const Experiment *e, const char *col)
{
  for (guint i = 0; i < e->columns->len; i++)
    if (g_str_equal(e->columns->pdata[i], col))
      return (gint)i;
  return -1;
}

/* The factor that varies column ci: its index in *fi and the column's place among its keys in *k. */
static ExpFactor *
factor_of_column(const Experiment *e, guint ci, guint *fi, guint *k)
{
  for (guint i = 0, base = 0; i < e->factors->len; i++) {
    ExpFactor *f = e->factors->pdata[i];
    if (ci < base + f->keys->len) {
      *fi = i;
      *k = ci - base;
      return f;
    }
    base += f->keys->len;
  }
  g_return_val_if_reached(NULL);
}

/* The value of a factor's level for its k-th key. */
static const char *
level_value(const ExpFactor *f, guint level, guint k)
{
  return ((char **)f->levels->pdata[level])[k];
}

/* The first level of f whose k-th value is v, or -1. */
static gint
level_with_value(const ExpFactor *f, guint k, const char *v)
{
  for (guint l = 0; l < f->levels->len; l++)
    if (g_str_equal(level_value(f, l, k), v))
      return (gint)l;
  return -1;
}

/* Split "a;b;c" into stripped, non-empty parts (a trailing ';' is allowed). */
static GPtrArray *
split_list(const char *text, const char *sep)
{
  GPtrArray *out = g_ptr_array_new_with_free_func(g_free);
  g_auto(GStrv) parts = g_strsplit(text, sep, -1);
  for (int i = 0; parts[i]; i++) {
    char *p = g_strstrip(parts[i]);
    if (*p || parts[i + 1])
      g_ptr_array_add(out, g_strdup(p));
  }
  return out;
}

static gboolean
load_factor(Experiment *e, GKeyFile *kf, const char *name, GError **error)
{
  int line = cfg_ini_line(e->text, "grid", name);
  ExpFactor *f = g_new0(ExpFactor, 1);
  f->name = g_strdup(name);
  f->line = line;
  f->keys = split_list(name, "+");
  f->levels = g_ptr_array_new_with_free_func((GDestroyNotify)g_strfreev);
  g_ptr_array_add(e->factors, f);
  for (guint k = 0; k < f->keys->len; k++) {
    const char *key = f->keys->pdata[k];
    const CfgKeyDef *def = cfg_key_lookup(key);
    if (!*key || !def) {
      /* cfg_set words the unknown-key message with its "did you mean". */
      g_autoptr(Config) scratch = cfg_new();
      g_autoptr(GError) local = NULL;
      cfg_set(scratch, key, "", "x", &local);
      const char *hint = local ? strstr(local->message, " (did you mean") : NULL;
      return fail(error, e, line, "[grid] %s: '%s' is not a configuration key%s", name, key,
                  hint ? hint : "; see 'algsim keys'");
    }
    if (column_index(e, key) >= 0)
      return fail(error, e, line, "[grid] %s: key %s is already varied by another factor", name, key);
    g_ptr_array_add(e->columns, g_strdup(key));
    g_autofree char *group = g_strndup(key, strchr(key, '.') - key);
    if (g_key_file_has_key(kf, group, strchr(key, '.') + 1, NULL))
      return fail(error, e, line, "[grid] %s: %s is also fixed at line %d ([%s] %s); a key is either a factor or "
                  "fixed", name, key, cfg_ini_line(e->text, group, strchr(key, '.') + 1), group,
                  strchr(key, '.') + 1);
  }
  g_autofree char *value = g_key_file_get_value(kf, "grid", name, NULL);
  g_autoptr(GPtrArray) levels = split_list(value ? value : "", ";");
  if (levels->len == 0)
    return fail(error, e, line, "[grid] %s: no levels; expected values separated by ';'", name);
  for (guint l = 0; l < levels->len; l++) {
    g_autoptr(GPtrArray) vals = split_list(levels->pdata[l], "+");
    if (vals->len != f->keys->len)
      return fail(error, e, line, "[grid] %s: level '%s' has %u value(s); expected %u joined by '+'", name,
                  (char *)levels->pdata[l], vals->len, f->keys->len);
    for (guint k = 0; k < vals->len; k++) {
      g_autoptr(GError) local = NULL;
      if (!cfg_check_value(cfg_key_lookup(f->keys->pdata[k]), vals->pdata[k], &local))
        return fail(error, e, line, "[grid] %s: level '%s': %s: %s", name, (char *)levels->pdata[l],
                    (char *)f->keys->pdata[k], local->message);
    }
    g_ptr_array_add(vals, NULL);
    for (guint o = 0; o < f->levels->len; o++) {
      g_autofree char *prev = g_strjoinv("+", f->levels->pdata[o]);
      g_autofree char *cur = g_strjoinv("+", (char **)vals->pdata);
      if (g_str_equal(prev, cur))
        return fail(error, e, line, "[grid] %s: level '%s' is listed twice", name, cur);
    }
    g_ptr_array_add(f->levels, g_ptr_array_steal(vals, NULL));
  }
  return TRUE;
}

static gboolean
load_excludes(Experiment *e, const char *text, GError **error)
{
  int line = cfg_ini_line(e->text, "grid", "exclude");
  g_autoptr(GPtrArray) clauses = split_list(text, ";");
  for (guint i = 0; i < clauses->len; i++) {
    ExpClause *c = g_new0(ExpClause, 1);
    c->cols = g_ptr_array_new_with_free_func(g_free);
    c->vals = g_ptr_array_new_with_free_func(g_free);
    c->where = g_array_new(FALSE, FALSE, sizeof(guint));
    g_ptr_array_add(e->excludes, c);
    g_autoptr(GPtrArray) terms = split_list(clauses->pdata[i], "&");
    if (terms->len == 0)
      return fail(error, e, line, "[grid] exclude: empty clause; expected key=value & key=value; ...");
    for (guint t = 0; t < terms->len; t++) {
      const char *term = terms->pdata[t];
      const char *eq = strchr(term, '=');
      if (!eq)
        return fail(error, e, line, "[grid] exclude: '%s': expected key=value", term);
      g_autofree char *col = g_strstrip(g_strndup(term, eq - term));
      g_autofree char *val = g_strstrip(g_strdup(eq + 1));
      gint ci = column_index(e, col);
      if (ci < 0)
        return fail(error, e, line, "[grid] exclude: '%s' is not a factor of [grid]", col);
      /* The value must be one of the column's levels. */
      guint fi, k;
      ExpFactor *f = factor_of_column(e, (guint)ci, &fi, &k);
      if (level_with_value(f, k, val) < 0)
        return fail(error, e, line, "[grid] exclude: %s=%s matches no level of %s", col, val, f->name);
      g_array_append_val(c->where, fi);
      g_array_append_val(c->where, k);
      g_ptr_array_add(c->cols, g_steal_pointer(&col));
      g_ptr_array_add(c->vals, g_steal_pointer(&val));
    }
  }
  return TRUE;
}

static gboolean
excluded(const Experiment *e, const guint *levels)
{
  for (guint i = 0; i < e->excludes->len; i++) {
    const ExpClause *c = e->excludes->pdata[i];
    gboolean all = TRUE;
    for (guint t = 0; t < c->cols->len && all; t++) {
      guint fi = g_array_index(c->where, guint, 2 * t), k = g_array_index(c->where, guint, 2 * t + 1);
      all = g_str_equal(level_value(e->factors->pdata[fi], levels[fi], k), c->vals->pdata[t]);
    }
    if (all)
      return TRUE;
  }
  return FALSE;
}

static void
expand(Experiment *e)
{
  guint n = e->factors->len;
  g_autofree guint *lv = g_new0(guint, n + 1);
  for (;;) {
    if (!excluded(e, lv))
      g_array_append_vals(e->cells, lv, n);
    /* Odometer: the last factor varies fastest. */
    gint i = (gint)n - 1;
    for (; i >= 0; i--) {
      ExpFactor *f = e->factors->pdata[i];
      if (++lv[i] < f->levels->len)
        break;
      lv[i] = 0;
    }
    if (i < 0)
      break;
  }
}

/* ---- Cells, seeds and configurations ------------------------------------------------------------ */

guint
experiment_n_cells(const Experiment *e)
{
  return e->factors->len ? e->cells->len / e->factors->len : 1;
}

guint
experiment_n_runs(const Experiment *e)
{
  return experiment_n_cells(e) * e->replicas;
}

const guint *
experiment_cell_levels(const Experiment *e, guint cell)
{
  g_return_val_if_fail(cell < experiment_n_cells(e), NULL);
  return e->factors->len ? &g_array_index(e->cells, guint, cell * e->factors->len) : NULL;
}

const char *
experiment_cell_value(const Experiment *e, guint cell, guint column)
{
  const guint *lv = experiment_cell_levels(e, cell);
  guint fi, k;
  const ExpFactor *f = factor_of_column(e, column, &fi, &k);
  return f ? level_value(f, lv[fi], k) : NULL;
}

char *
experiment_cell_label(const Experiment *e, guint cell)
{
  if (e->columns->len == 0)
    return g_strdup("-");
  GString *s = g_string_new(NULL);
  for (guint c = 0; c < e->columns->len; c++)
    g_string_append_printf(s, "%s%s=%s", c ? ";" : "", (char *)e->columns->pdata[c],
                           experiment_cell_value(e, cell, c));
  return g_string_free(s, FALSE);
}

guint64
experiment_run_seed(const Experiment *e, guint cell, guint replica)
{
  g_autofree char *label = e->crn ? g_strdup("*") : experiment_cell_label(e, cell);
  g_autofree char *text = g_strdup_printf("algsim-run-seed/1\n%" G_GUINT64_FORMAT "\n%s\n%u", e->seed, label,
                                          replica);
  guint8 digest[32];
  gsize len = sizeof digest;
  GChecksum *ck = g_checksum_new(G_CHECKSUM_SHA256);
  g_checksum_update(ck, (const guchar *)text, -1);
  g_checksum_get_digest(ck, digest, &len);
  g_checksum_free(ck);
  guint64 v = 0;
  for (int i = 0; i < 8; i++)
    v = (v << 8) | digest[i];
  return v & G_GUINT64_CONSTANT(0x7fffffffffffffff);
}

/* The configuration of a cell; seed >= 0 also sets sim.seed. */
static Config *
build_config(const Experiment *e, guint cell, gint64 seed, GError **error)
{
  g_autoptr(Config) cfg = cfg_new();
  for (int pass = 0; pass < 3; pass++) {
    if (pass == 1) {
      if (!cfg_load_file_except(cfg, e->path, skip_groups, error))
        return NULL;
      continue;
    }
    for (guint c = 0; c < e->columns->len; c++) {
      const char *key = e->columns->pdata[c];
      gboolean profile = cfg_key_lookup(key)->type == CFG_PROFILE;
      if (profile != (pass == 0))
        continue;
      int line = 0;
      for (guint fi = 0; fi < e->factors->len && !line; fi++) {
        ExpFactor *f = e->factors->pdata[fi];
        for (guint k = 0; k < f->keys->len; k++)
          if (g_str_equal(f->keys->pdata[k], key))
            line = f->line;
      }
      g_autofree char *origin = g_strdup_printf("%s:%d [grid]", e->path, line);
      if (!cfg_set(cfg, key, experiment_cell_value(e, cell, c), origin, error))
        return NULL;
    }
  }
  for (int i = 0; e->sets && e->sets[i]; i++)
    if (!cfg_set_arg(cfg, e->sets[i], error))
      return NULL;
  if (seed >= 0) {
    g_autofree char *s = g_strdup_printf("%" G_GINT64_FORMAT, seed);
    if (!cfg_set(cfg, "sim.seed", s, "experiment seed", error))
      return NULL;
  }
  return g_steal_pointer(&cfg);
}

Config *
experiment_run_config(const Experiment *e, guint cell, guint replica, GError **error)
{
  g_return_val_if_fail(cell < experiment_n_cells(e) && replica < e->replicas, NULL);
  return build_config(e, cell, (gint64)experiment_run_seed(e, cell, replica), error);
}

/* cfg_dump's lines without their "  # origin" comments. */
static void
hash_config(GChecksum *ck, const Config *cfg)
{
  g_autofree char *dump = cfg_dump(cfg, TRUE);
  g_auto(GStrv) lines = g_strsplit(dump, "\n", -1);
  for (int i = 0; lines[i]; i++) {
    char *hash = g_strrstr(lines[i], "  # ");
    if (hash)
      *hash = 0;
    g_checksum_update(ck, (const guchar *)lines[i], -1);
    g_checksum_update(ck, (const guchar *)"\n", 1);
  }
}

/* Build every cell's configuration (the validation) and hash them. */
static gboolean
validate_cells(Experiment *e, GError **error)
{
  GChecksum *ck = g_checksum_new(G_CHECKSUM_SHA256);
  g_autofree char *head = g_strdup_printf("algsim %s\nseed %" G_GUINT64_FORMAT "\nreplicas %u\ncrn %d\n",
                                          ALGSIM_VERSION, e->seed, e->replicas, e->crn);
  g_checksum_update(ck, (const guchar *)head, -1);
  /* The fixed part first, so that its errors do not name a cell. */
  g_autoptr(Config) base = cfg_new();
  gboolean ok = cfg_load_file_except(base, e->path, skip_groups, error);
  for (int i = 0; ok && e->sets && e->sets[i]; i++)
    ok = cfg_set_arg(base, e->sets[i], error);
  if (!ok) {
    g_checksum_free(ck);
    return FALSE;
  }
  guint n = experiment_n_cells(e);
  for (guint c = 0; c < n; c++) {
    g_autoptr(GError) local = NULL;
    g_autoptr(Config) cfg = build_config(e, c, -1, &local);
    g_autofree char *label = experiment_cell_label(e, c);
    if (!cfg) {
      g_set_error(error, CFG_ERROR, local->code, "%s: cell %u (%s): %s", e->path, c, label, local->message);
      g_checksum_free(ck);
      return FALSE;
    }
    g_checksum_update(ck, (const guchar *)label, -1);
    g_checksum_update(ck, (const guchar *)"\n", 1);
    hash_config(ck, cfg);
  }
  e->hash = g_strdup(g_checksum_get_string(ck));
  g_checksum_free(ck);
  return TRUE;
}

static gboolean
check_plot_factor(Experiment *e, char **which, const char *key, guint fallback, GError **error)
{
  if (*which) {
    g_strstrip(*which);
    gboolean zipped = FALSE; /* a zipped factor by its name: the plot joins its values with '+' */
    for (guint i = 0; i < e->factors->len && !zipped; i++)
      zipped = g_str_equal(((ExpFactor *)e->factors->pdata[i])->name, *which);
    if (column_index(e, *which) < 0 && !zipped)
      return fail(error, e, cfg_ini_line(e->text, "experiment", key),
                  "[experiment] %s: '%s' is not a factor key of [grid]", key, *which);
    return TRUE;
  }
  if (fallback < e->factors->len)
    *which = g_strdup(((ExpFactor *)e->factors->pdata[fallback])->keys->pdata[0]);
  return TRUE;
}

/* add_levels of experiment_load_ex(): a level more, or a fixed value. */
static gboolean
add_level(Experiment *e, const char *assignment, GPtrArray *sets, GError **error)
{
  const char *eq = strchr(assignment, '=');
  g_return_val_if_fail(eq, FALSE);
  g_autofree char *key = g_strstrip(g_strndup(assignment, eq - assignment));
  for (guint fi = 0; fi < e->factors->len; fi++) {
    ExpFactor *f = e->factors->pdata[fi];
    if (f->keys->len != 1 || !g_str_equal(f->keys->pdata[0], key))
      continue;
    for (guint l = 0; l < f->levels->len; l++)
      if (g_str_equal(((char **)f->levels->pdata[l])[0], eq + 1))
        return TRUE;
    g_autoptr(GError) local = NULL;
    if (!cfg_check_value(cfg_key_lookup(key), eq + 1, &local))
      return fail(error, e, f->line, "[grid] %s: added level '%s': %s", f->name, eq + 1, local->message);
    char **lv = g_new0(char *, 2);
    lv[0] = g_strdup(eq + 1);
    g_ptr_array_add(f->levels, lv);
    return TRUE;
  }
  if (column_index(e, key) >= 0)
    return fail(error, e, 0, "%s: cannot add a level to a zipped factor", key);
  g_ptr_array_add(sets, g_strdup(assignment));
  return TRUE;
}

/* --only key=v1,v2: keep those levels of key's factor. */
static gboolean
keep_only(Experiment *e, const char *spec, GError **error)
{
  const char *eq = strchr(spec, '=');
  g_autofree char *key = eq ? g_strstrip(g_strndup(spec, eq - spec)) : g_strdup(spec);
  gint ci = eq ? column_index(e, key) : -1;
  if (ci < 0)
    return fail(error, e, 0, "--only %s: expected KEY=V1,V2 with KEY a factor of [grid]", spec);
  g_autoptr(GPtrArray) want = split_list(eq + 1, ",");
  guint fi, k;
  ExpFactor *f = factor_of_column(e, (guint)ci, &fi, &k);
  for (guint w = 0; w < want->len; w++)
    if (level_with_value(f, k, want->pdata[w]) < 0)
      return fail(error, e, f->line, "--only %s: '%s' is not a level of %s", spec, (char *)want->pdata[w], f->name);
  for (guint l = f->levels->len; l-- > 0;)
    if (!g_ptr_array_find_with_equal_func(want, level_value(f, l, k), g_str_equal, NULL))
      g_ptr_array_remove_index(f->levels, l);
  return TRUE;
}

Experiment *
experiment_load(const char *path, const char *const *set_args, GError **error)
{
  ExperimentLoadOptions o = {.set_args = set_args};
  return experiment_load_opts(path, &o, error);
}

Experiment *
experiment_load_opts(const char *path, const ExperimentLoadOptions *opts, GError **error)
{
  const char *const *set_args = opts->set_args, *const *add_levels = opts->add_levels;
  g_autoptr(Experiment) e = g_new0(Experiment, 1);
  e->path = g_strdup(path);
  e->factors = g_ptr_array_new_with_free_func(factor_free);
  e->columns = g_ptr_array_new_with_free_func(g_free);
  e->excludes = g_ptr_array_new_with_free_func(clause_free);
  e->cells = g_array_new(FALSE, FALSE, sizeof(guint));
  e->sets = g_strdupv((char **)set_args);
  g_autoptr(GError) local = NULL;
  gsize len = 0;
  if (!g_file_get_contents(path, &e->text, &len, &local)) {
    g_set_error(error, CFG_ERROR, CFG_ERROR_FILE, "%s: cannot read: %s", path, local->message);
    return NULL;
  }
  e->file_hash = g_compute_checksum_for_data(G_CHECKSUM_SHA256, (const guchar *)e->text, len);
  g_autoptr(GKeyFile) kf = g_key_file_new();
  if (!g_key_file_load_from_data(kf, e->text, len, G_KEY_FILE_NONE, &local)) {
    g_set_error(error, CFG_ERROR, CFG_ERROR_FILE, "%s: not a valid key file: %s", path, local->message);
    return NULL;
  }
  if (!load_header(e, kf, error))
    return NULL;
  g_auto(GStrv) keys = g_key_file_has_group(kf, "grid") ? g_key_file_get_keys(kf, "grid", NULL, NULL) : NULL;
  for (int i = 0; keys && keys[i]; i++)
    if (!g_str_equal(keys[i], "exclude") && !load_factor(e, kf, keys[i], error))
      return NULL;
  g_autofree char *ex = keys ? g_key_file_get_value(kf, "grid", "exclude", NULL) : NULL;
  if (ex && !load_excludes(e, ex, error))
    return NULL;
  for (int i = 0; e->sets && e->sets[i]; i++) {
    const char *eq = strchr(e->sets[i], '=');
    g_autofree char *k = eq ? g_strstrip(g_strndup(e->sets[i], eq - e->sets[i])) : NULL;
    if (k && column_index(e, k) >= 0) {
      fail(error, e, cfg_ini_line(e->text, "grid", NULL),
           "--set %s: %s is a factor of [grid]; vary it there or fix it, not both", k, k);
      return NULL;
    }
  }
  if (add_levels) {
    g_autoptr(GPtrArray) sets = g_ptr_array_new_with_free_func(g_free);
    for (int i = 0; e->sets && e->sets[i]; i++)
      g_ptr_array_add(sets, g_strdup(e->sets[i]));
    for (int i = 0; add_levels[i]; i++)
      if (!add_level(e, add_levels[i], sets, error))
        return NULL;
    g_ptr_array_add(sets, NULL);
    g_strfreev(e->sets);
    e->sets = (GStrv)g_ptr_array_steal(sets, NULL);
  }
  for (int i = 0; opts->only && opts->only[i]; i++)
    if (!keep_only(e, opts->only[i], error))
      return NULL;
  if (opts->replicas)
    e->replicas = opts->replicas;
  if (!check_plot_factor(e, &e->plot_x, "plot_x", 0, error) ||
      !check_plot_factor(e, &e->plot_y, "plot_y", 1, error))
    return NULL;
  expand(e);
  if (e->factors->len && e->cells->len == 0) {
    fail(error, e, cfg_ini_line(e->text, "grid", "exclude"), "[grid] exclude: every cell is excluded");
    return NULL;
  }
  if (!validate_cells(e, error))
    return NULL;
  return g_steal_pointer(&e);
}

/* ---- Accessors and descriptions ----------------------------------------------------------------- */

const char *experiment_path(const Experiment *e) { return e->path; }
const char *experiment_name(const Experiment *e) { return e->name; }
const char *experiment_description(const Experiment *e) { return e->description; }
guint64 experiment_seed(const Experiment *e) { return e->seed; }
guint experiment_replicas(const Experiment *e) { return e->replicas; }
const char *experiment_hash(const Experiment *e) { return e->hash; }
const char *experiment_file_hash(const Experiment *e) { return e->file_hash; }
const char *experiment_plot_x(const Experiment *e) { return e->plot_x; }
const char *experiment_plot_y(const Experiment *e) { return e->plot_y; }
const GPtrArray *experiment_factors(const Experiment *e) { return e->factors; }
const GPtrArray *experiment_columns(const Experiment *e) { return e->columns; }

char *
experiment_config_dump(const Experiment *e)
{
  g_autoptr(Config) cfg = cfg_new();
  GString *s = g_string_new(NULL);
  g_string_append_printf(s, "# %s: the fixed configuration (every key it changes from the defaults), without the\n"
                            "# [grid] factors, which calls.csv and cells.csv name per cell.\n", e->path);
  g_autoptr(GError) local = NULL;
  gboolean ok = cfg_load_file_except(cfg, e->path, skip_groups, &local);
  for (int i = 0; ok && e->sets && e->sets[i]; i++)
    ok = cfg_set_arg(cfg, e->sets[i], &local);
  if (!ok) {
    g_string_append_printf(s, "# not available: %s\n", local->message);
    return g_string_free(s, FALSE);
  }
  g_autofree char *dump = cfg_dump(cfg, TRUE);
  g_string_append(s, dump);
  if (s->len && s->str[s->len - 1] != '\n')
    g_string_append_c(s, '\n');
  return g_string_free(s, FALSE);
}

char *
experiment_grid_json(const Experiment *e)
{
  g_autoptr(JsonBuilder) b = json_builder_new();
  json_builder_begin_object(b);
  json_builder_set_member_name(b, "factors");
  json_builder_begin_array(b);
  for (guint i = 0; i < e->factors->len; i++) {
    ExpFactor *f = e->factors->pdata[i];
    json_builder_begin_object(b);
    json_builder_set_member_name(b, "name");
    json_builder_add_string_value(b, f->name);
    json_builder_set_member_name(b, "keys");
    json_builder_begin_array(b);
    for (guint k = 0; k < f->keys->len; k++)
      json_builder_add_string_value(b, f->keys->pdata[k]);
    json_builder_end_array(b);
    json_builder_set_member_name(b, "levels");
    json_builder_begin_array(b);
    for (guint l = 0; l < f->levels->len; l++) {
      g_autofree char *lv = g_strjoinv("+", f->levels->pdata[l]);
      json_builder_add_string_value(b, lv);
    }
    json_builder_end_array(b);
    json_builder_end_object(b);
  }
  json_builder_end_array(b);
  json_builder_set_member_name(b, "exclude");
  json_builder_begin_array(b);
  for (guint i = 0; i < e->excludes->len; i++) {
    ExpClause *c = e->excludes->pdata[i];
    GString *s = g_string_new(NULL);
    for (guint t = 0; t < c->cols->len; t++)
      g_string_append_printf(s, "%s%s=%s", t ? " & " : "", (char *)c->cols->pdata[t], (char *)c->vals->pdata[t]);
    json_builder_add_string_value(b, s->str);
    g_string_free(s, TRUE);
  }
  json_builder_end_array(b);
  json_builder_set_member_name(b, "common_random_numbers");
  json_builder_add_boolean_value(b, e->crn);
  json_builder_set_member_name(b, "set");
  json_builder_begin_array(b);
  for (int i = 0; e->sets && e->sets[i]; i++)
    json_builder_add_string_value(b, e->sets[i]);
  json_builder_end_array(b);
  json_builder_end_object(b);
  g_autoptr(JsonGenerator) gen = json_generator_new();
  g_autoptr(JsonNode) root = json_builder_get_root(b);
  json_generator_set_root(gen, root);
  return json_generator_to_data(gen, NULL);
}
