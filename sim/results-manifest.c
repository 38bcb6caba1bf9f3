/* results-manifest.c — manifest.json and config.ini of a results directory (results/README.md),
 * and the way back: results_meta_from_manifest() rebuilds the experiment as the results need it
 * from a manifest, so `algsim merge` works from shard directories alone.
 *
 * The manifest is the only results file with wall-clock times.  It is pretty-printed JSON written
 * with json-glib and renamed into place like every other results file.  The experiment's seed is a
 * decimal string, as in run records, so 64-bit seeds survive readers that hold numbers as doubles.
 */
#include "results-private.h"

#include <string.h>

static void
add_string_or_null(JsonBuilder *b, const char *member, const char *value)
{
  json_builder_set_member_name(b, member);
  if (value != NULL)
    json_builder_add_string_value(b, value);
  else
    json_builder_add_null_value(b);
}

static gboolean
add_experiment(JsonBuilder *b, const ResultsMeta *m, const char *manifest_path, GError **error)
{
  /* Parse the grid first: a grid that is not JSON is a bug upstream, caught before writing. */
  g_autoptr(JsonNode) grid = NULL;
  if (m->grid_json != NULL) {
    g_autoptr(GError) local = NULL;
    grid = json_from_string(m->grid_json, &local);
    if (grid == NULL) {
      g_set_error(error, RESULTS_ERROR, RESULTS_ERROR_FORMAT, "%s: the experiment's grid is not JSON: %s",
                  manifest_path, local != NULL ? local->message : "empty");
      return FALSE;
    }
  }

  json_builder_set_member_name(b, "experiment");
  json_builder_begin_object(b);
  add_string_or_null(b, "name", m->name);
  add_string_or_null(b, "description", m->description);
  add_string_or_null(b, "path", m->path);
  add_string_or_null(b, "file_sha256", m->file_hash);
  add_string_or_null(b, "hash", m->hash);
  g_autofree char *seed = g_strdup_printf("%" G_GUINT64_FORMAT, m->seed);
  add_string_or_null(b, "seed", seed);
  json_builder_set_member_name(b, "replicas");
  json_builder_add_int_value(b, m->replicas);
  add_string_or_null(b, "plot_x", m->plot_x);
  add_string_or_null(b, "plot_y", m->plot_y);
  json_builder_set_member_name(b, "columns");
  json_builder_begin_array(b);
  for (guint i = 0; i < m->columns->len; i++)
    json_builder_add_string_value(b, g_ptr_array_index(m->columns, i));
  json_builder_end_array(b);
  json_builder_set_member_name(b, "cells");
  json_builder_begin_array(b);
  for (guint c = 0; c < m->cells->len; c++) {
    char **values = g_ptr_array_index(m->cells, c);
    json_builder_begin_array(b);
    for (guint i = 0; values != NULL && values[i] != NULL; i++)
      json_builder_add_string_value(b, values[i]);
    json_builder_end_array(b);
  }
  json_builder_end_array(b);
  json_builder_set_member_name(b, "grid");
  if (grid != NULL)
    json_builder_add_value(b, g_steal_pointer(&grid));
  else
    json_builder_add_null_value(b);
  add_string_or_null(b, "config", m->config);
  json_builder_end_object(b);
  return TRUE;
}

gboolean
results_write_manifest(const ResultsMeta *m, const char *out_dir, const ResultsRunInfo *info,
                       const ResultsCellTiming *timing, const ResultsRunCounts *counts, GError **error)
{
  g_autofree char *path = g_build_filename(out_dir, "manifest.json", NULL);
  g_autoptr(JsonBuilder) b = json_builder_new();

  json_builder_begin_object(b);
  add_string_or_null(b, "format", RESULTS_MANIFEST_FORMAT);
  add_string_or_null(b, "algsim_version", ALGSIM_VERSION);
  if (!add_experiment(b, m, path, error))
    return FALSE;
  add_string_or_null(b, "command", info->command);
  add_string_or_null(b, "started", info->started);
  json_builder_set_member_name(b, "wall_s");
  json_builder_add_double_value(b, info->wall_s);
  json_builder_set_member_name(b, "jobs");
  json_builder_add_int_value(b, info->jobs);
  add_string_or_null(b, "shard", info->shard);
  json_builder_set_member_name(b, "worker_max_rss_kb");
  json_builder_add_int_value(b, (gint64)info->worker_max_rss_kb);
  json_builder_set_member_name(b, "runs_total");
  json_builder_add_int_value(b, (gint64)m->cells->len * m->replicas);
  json_builder_set_member_name(b, "runs_present");
  json_builder_add_int_value(b, counts->present);
  json_builder_set_member_name(b, "runs_failed");
  json_builder_add_int_value(b, counts->failed);
  json_builder_set_member_name(b, "complete");
  json_builder_add_boolean_value(b, counts->missing == 0);
  json_builder_set_member_name(b, "cells");
  json_builder_begin_array(b);
  for (guint c = 0; c < m->cells->len; c++) {
    g_autofree char *label = results_cell_label(m, c);
    json_builder_begin_object(b);
    json_builder_set_member_name(b, "cell");
    json_builder_add_int_value(b, c);
    add_string_or_null(b, "label", label);
    json_builder_set_member_name(b, "runs");
    json_builder_add_int_value(b, timing[c].runs);
    json_builder_set_member_name(b, "wall_s");
    json_builder_add_double_value(b, timing[c].wall_s);
    json_builder_set_member_name(b, "call_s");
    json_builder_add_double_value(b, timing[c].call_s);
    json_builder_end_object(b);
  }
  json_builder_end_array(b);
  json_builder_end_object(b);

  g_autoptr(JsonNode) root = json_builder_get_root(b);
  g_autoptr(JsonGenerator) gen = json_generator_new();
  json_generator_set_root(gen, root);
  json_generator_set_pretty(gen, TRUE);
  json_generator_set_indent(gen, 2);
  gsize len = 0;
  g_autofree char *text = json_generator_to_data(gen, &len);
  g_autoptr(GString) out = g_string_new_len(text, (gssize)len);
  g_string_append_c(out, '\n');
  return results_write_file(path, out->str, out->len, error);
}

gboolean
results_write_config(const ResultsMeta *m, const char *out_dir, GError **error)
{
  g_autofree char *path = g_build_filename(out_dir, "config.ini", NULL);
  g_autoptr(GString) s = g_string_new(m->config);
  if (s->len > 0 && s->str[s->len - 1] != '\n')
    g_string_append_c(s, '\n');
  return results_write_file(path, s->str, s->len, error);
}

/* ---- Reading a manifest back ------------------------------------------------------------------ */

static gboolean
read_cells(const char *path, JsonObject *exp, ResultsMeta *m, GError **error)
{
  JsonNode *node = json_object_get_member(exp, "cells");
  if (node == NULL || !JSON_NODE_HOLDS_ARRAY(node)) {
    g_set_error(error, RESULTS_ERROR, RESULTS_ERROR_FORMAT, "%s: experiment.cells: expected an array of cells",
                path);
    return FALSE;
  }
  JsonArray *a = json_node_get_array(node);
  for (guint c = 0; c < json_array_get_length(a); c++) {
    g_autofree char *what = g_strdup_printf("experiment.cells[%u]", c);
    GStrv values = results_json_strv(path, json_array_get_element(a, c), what, error);
    if (values == NULL)
      return FALSE;
    g_ptr_array_add(m->cells, values);
    if (g_strv_length(values) != m->columns->len) {
      g_set_error(error, RESULTS_ERROR, RESULTS_ERROR_FORMAT, "%s: %s: %u values for %u columns", path, what,
                  g_strv_length(values), m->columns->len);
      return FALSE;
    }
  }
  return TRUE;
}

ResultsMeta *
results_meta_from_manifest(const char *manifest_path, GError **error)
{
  g_return_val_if_fail(manifest_path != NULL, NULL);
  const char *path = manifest_path;

  JsonObject *root = NULL;
  g_autoptr(JsonParser) parser = results_json_load(path, &root, error);
  if (parser == NULL)
    return NULL;
  const char *format = NULL;
  if (!results_json_string(path, root, "", "format", FALSE, &format, NULL) ||
      strcmp(format, RESULTS_MANIFEST_FORMAT) != 0) {
    g_set_error(error, RESULTS_ERROR, RESULTS_ERROR_FORMAT, "%s: not an algsim manifest (expected format \"%s\")",
                path, RESULTS_MANIFEST_FORMAT);
    return NULL;
  }
  JsonNode *node = json_object_get_member(root, "experiment");
  if (node == NULL || !JSON_NODE_HOLDS_OBJECT(node)) {
    g_set_error(error, RESULTS_ERROR, RESULTS_ERROR_FORMAT, "%s: experiment: expected an object", path);
    return NULL;
  }
  JsonObject *exp = json_node_get_object(node);

  g_autoptr(ResultsMeta) m = g_new0(ResultsMeta, 1);
  m->columns = g_ptr_array_new_with_free_func(g_free);
  m->cells = g_ptr_array_new_with_free_func((GDestroyNotify)g_strfreev);

  /* The nullable text members, in manifest order. */
  struct {
    const char *member; /* name in "experiment" */
    char **field;       /* where it goes */
  } texts[] = {
    { "name", &m->name },     { "description", &m->description }, { "path", &m->path },
    { "file_sha256", &m->file_hash }, { "hash", &m->hash },       { "plot_x", &m->plot_x },
    { "plot_y", &m->plot_y }, { "config", &m->config },
  };
  for (guint i = 0; i < G_N_ELEMENTS(texts); i++) {
    const char *v = NULL;
    if (!results_json_string(path, exp, "experiment.", texts[i].member, TRUE, &v, error))
      return NULL;
    *texts[i].field = g_strdup(v);
  }
  if (!results_json_uint64(path, exp, "experiment.", "seed", &m->seed, error) ||
      !results_json_uint(path, exp, "experiment.", "replicas", &m->replicas, error))
    return NULL;

  g_auto(GStrv) columns = results_json_strv(path, json_object_get_member(exp, "columns"), "experiment.columns", error);
  if (columns == NULL)
    return NULL;
  for (guint i = 0; columns[i] != NULL; i++)
    g_ptr_array_add(m->columns, g_strdup(columns[i]));
  if (!read_cells(path, exp, m, error))
    return NULL;

  JsonNode *grid = json_object_get_member(exp, "grid");
  if (grid == NULL) {
    g_set_error(error, RESULTS_ERROR, RESULTS_ERROR_FORMAT, "%s: experiment.grid: expected an object or null", path);
    return NULL;
  }
  if (!JSON_NODE_HOLDS_NULL(grid))
    m->grid_json = json_to_string(grid, TRUE);
  return g_steal_pointer(&m);
}
