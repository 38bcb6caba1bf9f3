/* results-run.c — run records: one JSON file per (cell, replica) in OUT/runs, written atomically by
 * the worker that ran it, read back by results_write(), --resume and merge (results/README.md,
 * "runs/").  Also the typed JSON lookups the manifest reader shares.
 *
 * A record is written with g_file_set_contents(), which writes "NAME.XXXXXX" and renames it over
 * NAME, so a reader sees the whole file or none; a writer killed in between leaves only the
 * temporary, which results_clean_temporaries() removes.  Reading never trusts the file: every
 * member is type-checked and every call row must have one value per column.
 */
#include "results-private.h"

#include <errno.h>
#include <glib/gstdio.h>
#include <string.h>

G_DEFINE_QUARK(algsim-results-error-quark, results_error)

RunRecord *
run_record_new(void)
{
  RunRecord *r = g_new0(RunRecord, 1);
  r->columns = g_ptr_array_new_with_free_func(g_free);
  r->calls = g_ptr_array_new_with_free_func((GDestroyNotify)g_strfreev);
  return r;
}

void
run_record_free(RunRecord *r)
{
  if (r == NULL)
    return;
  g_free(r->error);
  g_clear_pointer(&r->columns, g_ptr_array_unref);
  g_clear_pointer(&r->calls, g_ptr_array_unref);
  g_free(r);
}

char *
run_record_path(const char *out_dir, guint cell, guint replica)
{
  g_return_val_if_fail(out_dir != NULL, NULL);
  return g_strdup_printf("%s/runs/c%05u-r%04u.json", out_dir, cell, replica);
}

gboolean
results_write_file(const char *path, const char *contents, gsize len, GError **error)
{
  g_autoptr(GError) local = NULL;

  if (!g_file_set_contents(path, contents, (gssize)len, &local)) {
    g_set_error(error, RESULTS_ERROR, RESULTS_ERROR_IO, "%s: cannot write: %s", path, local->message);
    return FALSE;
  }
  return TRUE;
}

gboolean
run_record_write(const RunRecord *r, const char *exp_hash, const char *path, GError **error)
{
  g_return_val_if_fail(r != NULL && path != NULL, FALSE);

  g_autofree char *dir = g_path_get_dirname(path);
  if (g_mkdir_with_parents(dir, 0777) != 0) {
    int saved = errno;
    g_set_error(error, RESULTS_ERROR, RESULTS_ERROR_IO, "%s: cannot create directory: %s", dir,
                g_strerror(saved));
    return FALSE;
  }

  g_autoptr(JsonBuilder) b = json_builder_new();
  json_builder_begin_object(b);
  json_builder_set_member_name(b, "format");
  json_builder_add_string_value(b, RESULTS_RUN_FORMAT);
  json_builder_set_member_name(b, "experiment_hash");
  json_builder_add_string_value(b, exp_hash != NULL ? exp_hash : "");
  json_builder_set_member_name(b, "cell");
  json_builder_add_int_value(b, r->cell);
  json_builder_set_member_name(b, "replica");
  json_builder_add_int_value(b, r->replica);
  /* A string: JSON numbers lose 64-bit integers in many readers. */
  g_autofree char *seed = g_strdup_printf("%" G_GUINT64_FORMAT, r->seed);
  json_builder_set_member_name(b, "seed");
  json_builder_add_string_value(b, seed);
  json_builder_set_member_name(b, "ok");
  json_builder_add_boolean_value(b, r->ok);
  json_builder_set_member_name(b, "error");
  if (r->error != NULL)
    json_builder_add_string_value(b, r->error);
  else
    json_builder_add_null_value(b);
  json_builder_set_member_name(b, "wall_s");
  json_builder_add_double_value(b, r->wall_s);
  json_builder_set_member_name(b, "call_s");
  json_builder_add_double_value(b, r->call_s);
  json_builder_set_member_name(b, "columns");
  json_builder_begin_array(b);
  for (guint i = 0; r->columns != NULL && i < r->columns->len; i++)
    json_builder_add_string_value(b, g_ptr_array_index(r->columns, i));
  json_builder_end_array(b);
  json_builder_set_member_name(b, "calls");
  json_builder_begin_array(b);
  for (guint i = 0; r->calls != NULL && i < r->calls->len; i++) {
    char **row = g_ptr_array_index(r->calls, i);
    json_builder_begin_array(b);
    for (guint j = 0; row != NULL && row[j] != NULL; j++)
      json_builder_add_string_value(b, row[j]);
    json_builder_end_array(b);
  }
  json_builder_end_array(b);
  json_builder_end_object(b);

  g_autoptr(JsonNode) root = json_builder_get_root(b);
  g_autoptr(JsonGenerator) gen = json_generator_new();
  json_generator_set_root(gen, root);
  gsize len = 0;
  g_autofree char *text = json_generator_to_data(gen, &len);
  g_autoptr(GString) out = g_string_new_len(text, (gssize)len);
  g_string_append_c(out, '\n');
  return results_write_file(path, out->str, out->len, error);
}

/* ---- Typed JSON lookups ----------------------------------------------------------------------- */

JsonParser *
results_json_load(const char *path, JsonObject **root, GError **error)
{
  g_autofree char *text = NULL;
  gsize len = 0;
  g_autoptr(GError) local = NULL;

  if (!g_file_get_contents(path, &text, &len, &local)) {
    g_set_error(error, RESULTS_ERROR, RESULTS_ERROR_IO, "%s: cannot read: %s", path, local->message);
    return NULL;
  }
  g_autoptr(JsonParser) parser = json_parser_new();
  if (!json_parser_load_from_data(parser, text, (gssize)len, &local)) {
    g_set_error(error, RESULTS_ERROR, RESULTS_ERROR_FORMAT, "%s: not valid JSON (truncated?): %s", path,
                local->message);
    return NULL;
  }
  JsonNode *node = json_parser_get_root(parser);
  if (node == NULL || !JSON_NODE_HOLDS_OBJECT(node)) {
    g_set_error(error, RESULTS_ERROR, RESULTS_ERROR_FORMAT, "%s: expected a JSON object", path);
    return NULL;
  }
  *root = json_node_get_object(node);
  return g_steal_pointer(&parser);
}

static gboolean
bad_member(const char *path, const char *prefix, const char *member, const char *expected, GError **error)
{
  g_set_error(error, RESULTS_ERROR, RESULTS_ERROR_FORMAT, "%s: %s%s: expected %s", path, prefix, member, expected);
  return FALSE;
}

/* The member's value node if it is a plain value of the given GType (or int for double). */
static JsonNode *
value_member(JsonObject *o, const char *member)
{
  JsonNode *n = json_object_get_member(o, member);
  return n != NULL && JSON_NODE_HOLDS_VALUE(n) ? n : NULL;
}

gboolean
results_json_string(const char *path, JsonObject *o, const char *prefix, const char *member, gboolean nullable,
                    const char **out, GError **error)
{
  JsonNode *n = json_object_get_member(o, member);
  if (nullable && n != NULL && JSON_NODE_HOLDS_NULL(n)) {
    *out = NULL;
    return TRUE;
  }
  if (n == NULL || !JSON_NODE_HOLDS_VALUE(n) || json_node_get_value_type(n) != G_TYPE_STRING)
    return bad_member(path, prefix, member, nullable ? "a string or null" : "a string", error);
  *out = json_node_get_string(n);
  return TRUE;
}

gboolean
results_json_uint(const char *path, JsonObject *o, const char *prefix, const char *member, guint *out,
                  GError **error)
{
  JsonNode *n = value_member(o, member);
  if (n == NULL || json_node_get_value_type(n) != G_TYPE_INT64 || json_node_get_int(n) < 0 ||
      json_node_get_int(n) > G_MAXUINT)
    return bad_member(path, prefix, member, "a non-negative integer", error);
  *out = (guint)json_node_get_int(n);
  return TRUE;
}

gboolean
results_json_uint64(const char *path, JsonObject *o, const char *prefix, const char *member, guint64 *out,
                    GError **error)
{
  JsonNode *n = value_member(o, member);
  if (n != NULL && json_node_get_value_type(n) == G_TYPE_STRING &&
      g_ascii_string_to_unsigned(json_node_get_string(n), 10, 0, G_MAXUINT64, out, NULL))
    return TRUE;
  if (n != NULL && json_node_get_value_type(n) == G_TYPE_INT64 && json_node_get_int(n) >= 0) {
    *out = (guint64)json_node_get_int(n);
    return TRUE;
  }
  return bad_member(path, prefix, member, "an unsigned decimal integer (as a string)", error);
}

gboolean
results_json_double(const char *path, JsonObject *o, const char *prefix, const char *member, double *out,
                    GError **error)
{
  JsonNode *n = value_member(o, member);
  /* json-glib writes an integral double without a point ("600"), which reads back as an int. */
  if (n != NULL && json_node_get_value_type(n) == G_TYPE_DOUBLE) {
    *out = json_node_get_double(n);
    return TRUE;
  }
  if (n != NULL && json_node_get_value_type(n) == G_TYPE_INT64) {
    *out = (double)json_node_get_int(n);
    return TRUE;
  }
  return bad_member(path, prefix, member, "a number", error);
}

gboolean
results_json_bool(const char *path, JsonObject *o, const char *prefix, const char *member, gboolean *out,
                  GError **error)
{
  JsonNode *n = value_member(o, member);
  if (n == NULL || json_node_get_value_type(n) != G_TYPE_BOOLEAN)
    return bad_member(path, prefix, member, "true or false", error);
  *out = json_node_get_boolean(n);
  return TRUE;
}

GStrv
results_json_strv(const char *path, JsonNode *node, const char *what, GError **error)
{
  if (node == NULL || !JSON_NODE_HOLDS_ARRAY(node)) {
    g_set_error(error, RESULTS_ERROR, RESULTS_ERROR_FORMAT, "%s: %s: expected an array of strings", path, what);
    return NULL;
  }
  JsonArray *a = json_node_get_array(node);
  guint n = json_array_get_length(a);
  g_auto(GStrv) v = g_new0(char *, n + 1);
  for (guint i = 0; i < n; i++) {
    JsonNode *e = json_array_get_element(a, i);
    if (!JSON_NODE_HOLDS_VALUE(e) || json_node_get_value_type(e) != G_TYPE_STRING) {
      g_set_error(error, RESULTS_ERROR, RESULTS_ERROR_FORMAT, "%s: %s[%u]: expected a string", path, what, i);
      return NULL;
    }
    v[i] = g_strdup(json_node_get_string(e));
  }
  return g_steal_pointer(&v);
}

/* ---- Reading a record ------------------------------------------------------------------------- */

static gboolean
read_calls(const char *path, JsonObject *root, RunRecord *r, GError **error)
{
  g_auto(GStrv) columns = results_json_strv(path, json_object_get_member(root, "columns"), "columns", error);
  if (columns == NULL)
    return FALSE;
  guint n_columns = g_strv_length(columns);
  for (guint i = 0; i < n_columns; i++)
    g_ptr_array_add(r->columns, g_strdup(columns[i]));

  JsonNode *calls = json_object_get_member(root, "calls");
  if (calls == NULL || !JSON_NODE_HOLDS_ARRAY(calls)) {
    g_set_error(error, RESULTS_ERROR, RESULTS_ERROR_FORMAT, "%s: calls: expected an array of rows", path);
    return FALSE;
  }
  JsonArray *a = json_node_get_array(calls);
  for (guint i = 0; i < json_array_get_length(a); i++) {
    g_autofree char *what = g_strdup_printf("calls[%u]", i);
    GStrv row = results_json_strv(path, json_array_get_element(a, i), what, error);
    if (row == NULL)
      return FALSE;
    if (g_strv_length(row) != n_columns) {
      g_set_error(error, RESULTS_ERROR, RESULTS_ERROR_FORMAT, "%s: %s: %u values for %u columns", path, what,
                  g_strv_length(row), n_columns);
      g_strfreev(row);
      return FALSE;
    }
    g_ptr_array_add(r->calls, row);
  }
  return TRUE;
}

RunRecord *
run_record_read(const char *path, const char *exp_hash, GError **error)
{
  g_return_val_if_fail(path != NULL, NULL);

  JsonObject *root = NULL;
  g_autoptr(JsonParser) parser = results_json_load(path, &root, error);
  if (parser == NULL)
    return NULL;

  const char *format = NULL, *hash = NULL, *err = NULL;
  if (!results_json_string(path, root, "", "format", FALSE, &format, NULL) || strcmp(format, RESULTS_RUN_FORMAT) != 0) {
    g_set_error(error, RESULTS_ERROR, RESULTS_ERROR_FORMAT, "%s: not an algsim run record (expected format \"%s\")",
                path, RESULTS_RUN_FORMAT);
    return NULL;
  }
  if (!results_json_string(path, root, "", "experiment_hash", FALSE, &hash, error))
    return NULL;
  if (exp_hash != NULL && strcmp(hash, exp_hash) != 0) {
    g_set_error(error, RESULTS_ERROR, RESULTS_ERROR_MISMATCH,
                "%s: a run of another experiment (hash %s, expected %s); remove it or use another --out", path,
                hash, exp_hash);
    return NULL;
  }

  g_autoptr(RunRecord) r = run_record_new();
  if (!results_json_uint(path, root, "", "cell", &r->cell, error) ||
      !results_json_uint(path, root, "", "replica", &r->replica, error) ||
      !results_json_uint64(path, root, "", "seed", &r->seed, error) ||
      !results_json_bool(path, root, "", "ok", &r->ok, error) ||
      !results_json_string(path, root, "", "error", TRUE, &err, error) ||
      !results_json_double(path, root, "", "wall_s", &r->wall_s, error) ||
      !results_json_double(path, root, "", "call_s", &r->call_s, error) || !read_calls(path, root, r, error))
    return NULL;
  r->error = g_strdup(err);
  return g_steal_pointer(&r);
}

guint
results_clean_temporaries(const char *out_dir)
{
  g_return_val_if_fail(out_dir != NULL, 0);

  g_autofree char *runs = g_build_filename(out_dir, "runs", NULL);
  g_autoptr(GDir) dir = g_dir_open(runs, 0, NULL);
  if (dir == NULL)
    return 0;
  /* Collect first: removing entries while reading the directory may skip some. */
  g_autoptr(GPtrArray) doomed = g_ptr_array_new_with_free_func(g_free);
  const char *name;
  while ((name = g_dir_read_name(dir)) != NULL) {
    if (strstr(name, ".json.") == NULL)
      continue;
    char *file = g_build_filename(runs, name, NULL);
    if (g_file_test(file, G_FILE_TEST_IS_REGULAR))
      g_ptr_array_add(doomed, file);
    else
      g_free(file);
  }
  guint removed = 0;
  for (guint i = 0; i < doomed->len; i++)
    if (g_unlink(g_ptr_array_index(doomed, i)) == 0)
      removed++;
  return removed;
}

GPtrArray *
results_run_files(const char *out_dir, GError **error)
{
  g_autofree char *runs = g_build_filename(out_dir, "runs", NULL);
  GPtrArray *names = g_ptr_array_new_with_free_func(g_free);
  if (!g_file_test(runs, G_FILE_TEST_IS_DIR))
    return names;
  g_autoptr(GDir) dir = g_dir_open(runs, 0, error);
  if (!dir) {
    g_ptr_array_unref(names);
    return NULL;
  }
  for (const char *n; (n = g_dir_read_name(dir));)
    if (g_str_has_suffix(n, ".json"))
      g_ptr_array_add(names, g_strdup(n));
  g_ptr_array_sort(names, (GCompareFunc)g_strcmp0);
  return names;
}
