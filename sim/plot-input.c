/* plot-input.c — reading a results directory for `algsim plot`: an RFC 4180 CSV reader (RFC 4180
 * §2: fields separated by commas, records by line breaks, double quotes around fields holding
 * commas, quotes or line breaks, a quote doubled inside them), whole tables with a header line
 * (calls.csv and cells.csv as results/README.md specifies them), the "experiment" object of
 * manifest.json (json-glib) and factors.  Bad bytes are errors naming the file and line, never a
 * crash.
 */
#include "plot-private.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <json-glib/json-glib.h>

/* ---- RFC 4180 CSV ------------------------------------------------------------------------------ */

void
plot_csv_init(PlotCsvReader *r, const char *name, const char *buf, gsize len)
{
  r->name = name;
  r->buf = buf;
  r->len = len;
  r->pos = 0;
  r->line = 1;
}

/* Consume a record terminator at r->pos (CRLF, LF or a lone CR); FALSE if there is none. */
static gboolean
csv_eol(PlotCsvReader *r)
{
  if (r->pos < r->len && r->buf[r->pos] == '\r') {
    r->pos++;
    if (r->pos < r->len && r->buf[r->pos] == '\n')
      r->pos++;
    r->line++;
    return TRUE;
  }
  if (r->pos < r->len && r->buf[r->pos] == '\n') {
    r->pos++;
    r->line++;
    return TRUE;
  }
  return FALSE;
}

/* One quoted field, r->pos just past its opening quote. */
static gboolean
csv_quoted(PlotCsvReader *r, GString *field, GError **error)
{
  guint start = r->line;

  for (;;) {
    char c;

    if (r->pos >= r->len) {
      g_set_error(error, PLOT_ERROR, PLOT_ERROR_INPUT,
                  "%s:%u: quoted field never closed (expected '\"')", r->name, start);
      return FALSE;
    }
    c = r->buf[r->pos++];
    if (c == '\0') {
      g_set_error(error, PLOT_ERROR, PLOT_ERROR_INPUT, "%s:%u: NUL byte in a field", r->name,
                  r->line);
      return FALSE;
    }
    if (c == '"') {
      if (r->pos < r->len && r->buf[r->pos] == '"') {
        g_string_append_c(field, '"');
        r->pos++;
        continue;
      }
      return TRUE;
    }
    if (c == '\n' || (c == '\r' && !(r->pos < r->len && r->buf[r->pos] == '\n')))
      r->line++;
    g_string_append_c(field, c);
  }
}

int
plot_csv_next(PlotCsvReader *r, GPtrArray *fields, guint *line, GError **error)
{
  g_autoptr(GString) field = g_string_new(NULL);

  g_ptr_array_set_size(fields, 0);
  if (r->pos >= r->len)
    return 0;
  if (line != NULL)
    *line = r->line;
  for (;;) {
    /* At the start of a field. */
    g_string_truncate(field, 0);
    if (r->pos < r->len && r->buf[r->pos] == '"') {
      r->pos++;
      if (!csv_quoted(r, field, error))
        return -1;
      if (r->pos < r->len && r->buf[r->pos] != ',' && r->buf[r->pos] != '\r' &&
          r->buf[r->pos] != '\n') {
        g_set_error(error, PLOT_ERROR, PLOT_ERROR_INPUT,
                    "%s:%u: '%c' after a closing quote (expected ',' or the end of the line)",
                    r->name, r->line, g_ascii_isprint(r->buf[r->pos]) ? r->buf[r->pos] : '?');
        return -1;
      }
    } else {
      while (r->pos < r->len) {
        char c = r->buf[r->pos];

        if (c == ',' || c == '\r' || c == '\n')
          break;
        if (c == '"' || c == '\0') {
          g_set_error(error, PLOT_ERROR, PLOT_ERROR_INPUT,
                      "%s:%u: %s inside an unquoted field (RFC 4180 §2: quote the field)",
                      r->name, r->line, c == '"' ? "'\"'" : "NUL byte");
          return -1;
        }
        g_string_append_c(field, c);
        r->pos++;
      }
    }
    g_ptr_array_add(fields, g_strndup(field->str, field->len));
    if (r->pos < r->len && r->buf[r->pos] == ',') {
      r->pos++;
      continue;
    }
    csv_eol(r); /* or the end of the bytes */
    return 1;
  }
}

/* ---- Tables ------------------------------------------------------------------------------------ */

void
plot_table_free(PlotTable *t)
{
  if (t == NULL)
    return;
  g_free(t->name);
  g_ptr_array_unref(t->columns);
  g_ptr_array_unref(t->rows);
  g_array_unref(t->lines);
  g_free(t);
}

PlotTable *
plot_table_parse(const char *name, const char *buf, gsize len, GError **error)
{
  g_autoptr(PlotTable) t = g_new0(PlotTable, 1);
  PlotCsvReader r;
  int got;
  guint line = 0;

  t->name = g_strdup(name);
  t->columns = g_ptr_array_new_with_free_func(g_free);
  t->rows = g_ptr_array_new_with_free_func((GDestroyNotify)g_ptr_array_unref);
  t->lines = g_array_new(FALSE, FALSE, sizeof(guint));
  plot_csv_init(&r, t->name, buf, len);

  got = plot_csv_next(&r, t->columns, NULL, error);
  if (got < 0)
    return NULL;
  if (got == 0 || (t->columns->len == 1 && *(char *)t->columns->pdata[0] == '\0')) {
    g_set_error(error, PLOT_ERROR, PLOT_ERROR_INPUT, "%s: empty (expected a header line)", name);
    return NULL;
  }
  for (guint i = 0; i < t->columns->len; i++)
    for (guint j = 0; j < i; j++)
      if (strcmp(t->columns->pdata[i], t->columns->pdata[j]) == 0) {
        g_set_error(error, PLOT_ERROR, PLOT_ERROR_INPUT, "%s:1: column '%s' appears twice",
                    name, (char *)t->columns->pdata[i]);
        return NULL;
      }

  for (;;) {
    g_autoptr(GPtrArray) fields = g_ptr_array_new_with_free_func(g_free);

    got = plot_csv_next(&r, fields, &line, error);
    if (got < 0)
      return NULL;
    if (got == 0)
      break;
    if (fields->len == 1 && *(char *)fields->pdata[0] == '\0' && t->columns->len > 1)
      continue; /* an empty line */
    if (fields->len != t->columns->len) {
      g_set_error(error, PLOT_ERROR, PLOT_ERROR_INPUT,
                  "%s:%u: %u fields, but the header has %u columns", name, line, fields->len,
                  t->columns->len);
      return NULL;
    }
    g_ptr_array_add(t->rows, g_steal_pointer(&fields));
    g_array_append_val(t->lines, line);
  }
  return g_steal_pointer(&t);
}

PlotTable *
plot_table_read(const char *path, GError **error)
{
  g_autofree char *buf = NULL;
  gsize len = 0;
  g_autoptr(GError) local = NULL;

  if (!g_file_get_contents(path, &buf, &len, &local)) {
    g_set_error(error, PLOT_ERROR, PLOT_ERROR_INPUT, "%s: cannot read (%s): not a results directory?",
                path, local->message);
    return NULL;
  }
  return plot_table_parse(path, buf, len, error);
}

int
plot_table_column(const PlotTable *t, const char *name)
{
  for (guint i = 0; i < t->columns->len; i++)
    if (strcmp(t->columns->pdata[i], name) == 0)
      return (int)i;
  return -1;
}

int
plot_table_require(const PlotTable *t, const char *name, GError **error)
{
  int col = plot_table_column(t, name);

  if (col < 0)
    g_set_error(error, PLOT_ERROR, PLOT_ERROR_INPUT, "%s: no column '%s' in the header line",
                t->name, name);
  return col;
}

const char *
plot_table_get(const PlotTable *t, guint row, int col)
{
  GPtrArray *fields;

  g_return_val_if_fail(row < t->rows->len, "");
  fields = t->rows->pdata[row];
  g_return_val_if_fail(col >= 0 && (guint)col < fields->len, "");
  return fields->pdata[col];
}

static guint
table_line(const PlotTable *t, guint row)
{
  return g_array_index(t->lines, guint, row);
}

gboolean
plot_table_uint(const PlotTable *t, guint row, int col, guint64 *out, GError **error)
{
  const char *s = plot_table_get(t, row, col);

  *out = 0;
  if (*s == '\0')
    return TRUE;
  if (!g_ascii_string_to_unsigned(s, 10, 0, G_MAXUINT32, out, NULL)) {
    g_set_error(error, PLOT_ERROR, PLOT_ERROR_INPUT,
                "%s:%u: column '%s': '%s' is not a count (expected a non-negative integer)",
                t->name, table_line(t, row), (char *)t->columns->pdata[col], s);
    return FALSE;
  }
  return TRUE;
}

int
plot_table_double(const PlotTable *t, guint row, int col, double *out, GError **error)
{
  const char *s = plot_table_get(t, row, col);
  char *end = NULL;

  *out = 0;
  if (*s == '\0')
    return 0;
  errno = 0;
  *out = g_ascii_strtod(s, &end);
  if (errno != 0 || end == s || *end != '\0' || !isfinite(*out)) {
    g_set_error(error, PLOT_ERROR, PLOT_ERROR_INPUT,
                "%s:%u: column '%s': '%s' is not a number", t->name, table_line(t, row),
                (char *)t->columns->pdata[col], s);
    return -1;
  }
  return 1;
}

gboolean
plot_table_bool(const PlotTable *t, guint row, int col, gboolean *out, GError **error)
{
  const char *s = plot_table_get(t, row, col);

  *out = strcmp(s, "true") == 0;
  if (*out || strcmp(s, "false") == 0)
    return TRUE;
  g_set_error(error, PLOT_ERROR, PLOT_ERROR_INPUT,
              "%s:%u: column '%s': '%s' (expected true or false)", t->name, table_line(t, row),
              (char *)t->columns->pdata[col], s);
  return FALSE;
}

/* ---- The manifest ------------------------------------------------------------------------------ */

void
plot_manifest_free(PlotManifest *m)
{
  if (m == NULL)
    return;
  g_free(m->name);
  g_free(m->description);
  g_free(m->plot_x);
  g_free(m->plot_y);
  if (m->columns != NULL)
    g_ptr_array_unref(m->columns);
  g_free(m);
}

/* A member that may be absent or null (*out = NULL), else must be a string. */
static gboolean
manifest_string(const char *path, JsonObject *o, const char *member, char **out, GError **error)
{
  JsonNode *n = json_object_get_member(o, member);

  *out = NULL;
  if (n == NULL || JSON_NODE_HOLDS_NULL(n))
    return TRUE;
  if (!JSON_NODE_HOLDS_VALUE(n) || json_node_get_value_type(n) != G_TYPE_STRING) {
    g_set_error(error, PLOT_ERROR, PLOT_ERROR_INPUT,
                "%s: experiment.%s is not a string", path, member);
    return FALSE;
  }
  *out = g_strdup(json_node_get_string(n));
  return TRUE;
}

PlotManifest *
plot_manifest_read(const char *path, GError **error)
{
  g_autoptr(JsonParser) parser = json_parser_new();
  g_autoptr(GError) local = NULL;
  g_autoptr(PlotManifest) m = g_new0(PlotManifest, 1);
  g_autofree char *text = NULL;
  gsize len = 0;
  JsonNode *root, *exp, *cols;
  JsonObject *o;

  if (!g_file_get_contents(path, &text, &len, &local)) {
    g_set_error(error, PLOT_ERROR, PLOT_ERROR_INPUT, "%s: cannot read (%s): not a results directory?",
                path, local->message);
    return NULL;
  }
  if (!json_parser_load_from_data(parser, text, (gssize)len, &local)) {
    g_set_error(error, PLOT_ERROR, PLOT_ERROR_INPUT, "%s: not JSON (%s)", path, local->message);
    return NULL;
  }
  root = json_parser_get_root(parser);
  if (root == NULL || !JSON_NODE_HOLDS_OBJECT(root) ||
      (exp = json_object_get_member(json_node_get_object(root), "experiment")) == NULL ||
      !JSON_NODE_HOLDS_OBJECT(exp)) {
    g_set_error(error, PLOT_ERROR, PLOT_ERROR_INPUT,
                "%s: expected an object with an \"experiment\" object", path);
    return NULL;
  }
  o = json_node_get_object(exp);
  if (!manifest_string(path, o, "name", &m->name, error) ||
      !manifest_string(path, o, "description", &m->description, error) ||
      !manifest_string(path, o, "plot_x", &m->plot_x, error) ||
      !manifest_string(path, o, "plot_y", &m->plot_y, error))
    return NULL;
  if (m->name == NULL || *m->name == '\0') {
    g_autofree char *dir = g_path_get_dirname(path);

    g_free(m->name);
    m->name = g_path_get_basename(dir);
  }
  cols = json_object_get_member(o, "columns");
  if (cols != NULL && !JSON_NODE_HOLDS_NULL(cols)) {
    JsonArray *a;

    if (!JSON_NODE_HOLDS_ARRAY(cols)) {
      g_set_error(error, PLOT_ERROR, PLOT_ERROR_INPUT, "%s: experiment.columns is not an array",
                  path);
      return NULL;
    }
    a = json_node_get_array(cols);
    m->columns = g_ptr_array_new_with_free_func(g_free);
    for (guint i = 0; i < json_array_get_length(a); i++) {
      JsonNode *n = json_array_get_element(a, i);

      if (!JSON_NODE_HOLDS_VALUE(n) || json_node_get_value_type(n) != G_TYPE_STRING) {
        g_set_error(error, PLOT_ERROR, PLOT_ERROR_INPUT,
                    "%s: experiment.columns[%u] is not a string", path, i);
        return NULL;
      }
      g_ptr_array_add(m->columns, g_strdup(json_node_get_string(n)));
    }
  }
  return g_steal_pointer(&m);
}

/* ---- Factors ----------------------------------------------------------------------------------- */

void
plot_factor_free(PlotFactor *f)
{
  if (f == NULL)
    return;
  g_free(f->name);
  g_ptr_array_unref(f->keys);
  g_ptr_array_unref(f->levels);
  g_hash_table_unref(f->index);
  g_free(f);
}

static gboolean
is_factor_col(const GPtrArray *factor_cols, const char *name)
{
  for (guint i = 0; i < factor_cols->len; i++)
    if (strcmp(factor_cols->pdata[i], name) == 0)
      return TRUE;
  return FALSE;
}

PlotFactor *
plot_factor_new(const char *name, const PlotTable *cells, const GPtrArray *factor_cols,
                GError **error)
{
  g_autoptr(PlotFactor) f = g_new0(PlotFactor, 1);

  f->name = g_strdup(name);
  f->keys = g_ptr_array_new_with_free_func(g_free);
  f->levels = g_ptr_array_new_with_free_func(g_free);
  f->index = g_hash_table_new(g_str_hash, g_str_equal);
  if (is_factor_col(factor_cols, name)) {
    g_ptr_array_add(f->keys, g_strdup(name));
  } else {
    g_auto(GStrv) parts = g_strsplit(name, "+", -1);

    for (guint i = 0; parts[i] != NULL; i++)
      if (parts[1] != NULL && is_factor_col(factor_cols, parts[i]))
        g_ptr_array_add(f->keys, g_strdup(parts[i]));
    if (f->keys->len == 0 || f->keys->len != g_strv_length(parts)) {
      g_autoptr(GString) list = g_string_new(NULL);

      for (guint i = 0; i < factor_cols->len; i++)
        g_string_append_printf(list, "%s%s", i ? ", " : "", (char *)factor_cols->pdata[i]);
      g_set_error(error, PLOT_ERROR, PLOT_ERROR_FACTOR,
                  "factor '%s' is not a column of %s (its factor columns: %s)", name, cells->name,
                  list->len ? list->str : "none, the grid has no factors");
      return NULL;
    }
  }
  for (guint row = 0; row < cells->rows->len; row++) {
    g_autofree char *v = plot_factor_value(f, cells, row, error);

    if (v == NULL)
      return NULL;
    plot_factor_level(f, v);
  }
  return g_steal_pointer(&f);
}

char *
plot_factor_value(const PlotFactor *f, const PlotTable *t, guint row, GError **error)
{
  g_autoptr(GString) v = g_string_new(NULL);

  for (guint i = 0; i < f->keys->len; i++) {
    int col = plot_table_require(t, f->keys->pdata[i], error);

    if (col < 0)
      return NULL;
    if (i > 0)
      g_string_append_c(v, '+');
    g_string_append(v, plot_table_get(t, row, col));
  }
  return g_string_free(g_steal_pointer(&v), FALSE);
}

guint
plot_factor_level(PlotFactor *f, const char *value)
{
  guint pos = GPOINTER_TO_UINT(g_hash_table_lookup(f->index, value));

  if (pos == 0) {
    char *copy = g_strdup(value);

    g_ptr_array_add(f->levels, copy);
    pos = f->levels->len;
    g_hash_table_insert(f->index, copy, GUINT_TO_POINTER(pos));
  }
  return pos - 1;
}
