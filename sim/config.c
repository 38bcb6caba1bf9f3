/* config.c — declared keys, their values, and the files and flags that set them.
 *
 * Keys are declared by the models in static tables (config.h) and registered once at start-up.
 * A Config maps every declared key to its current text value and where that value came from.
 * Values are validated against the declaration when set, so a getter never sees a bad value.
 * GKeyFile reads the files; since it does not report line numbers, a small scan of the file's text
 * finds the line of a group or key for error messages.
 */
#include "config.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "sim.h"

G_DEFINE_QUARK(algsim-config-error-quark, cfg_error)

/* ---- The key registry ------------------------------------------------------------------------ */

static GHashTable *registry; /* name -> const CfgKeyDef*, borrowed from static tables */

void
cfg_register(const CfgKeyDef *table)
{
  if (!registry)
    registry = g_hash_table_new(g_str_hash, g_str_equal);
  for (const CfgKeyDef *d = table; d->name; d++) {
    g_autoptr(GError) error = NULL;
    if (g_hash_table_contains(registry, d->name))
      g_error("configuration key %s declared twice", d->name);
    if (!strchr(d->name, '.'))
      g_error("configuration key %s has no group", d->name);
    if (!cfg_check_value(d, d->def, &error))
      g_error("default of %s is invalid: %s", d->name, error->message);
    g_hash_table_insert(registry, (gpointer)d->name, (gpointer)d);
  }
}

static gint
compare_defs(gconstpointer a, gconstpointer b)
{
  const CfgKeyDef *da = *(const CfgKeyDef *const *)a;
  const CfgKeyDef *db = *(const CfgKeyDef *const *)b;
  return strcmp(da->name, db->name);
}

GPtrArray *
cfg_keys(void)
{
  GPtrArray *keys = g_ptr_array_new();
  if (registry) {
    GHashTableIter it;
    gpointer value;
    g_hash_table_iter_init(&it, registry);
    while (g_hash_table_iter_next(&it, NULL, &value))
      g_ptr_array_add(keys, value);
  }
  g_ptr_array_sort(keys, compare_defs);
  return keys;
}

const CfgKeyDef *
cfg_key_lookup(const char *name)
{
  return registry ? g_hash_table_lookup(registry, name) : NULL;
}

/* The registered key closest to `name` by edit distance, for "did you mean" hints. */
static const char *
closest_key(const char *name)
{
  g_autoptr(GPtrArray) keys = cfg_keys();
  const char *best = NULL;
  gsize best_d = G_MAXSIZE;
  gsize n = strlen(name);
  for (guint i = 0; i < keys->len; i++) {
    const CfgKeyDef *d = keys->pdata[i];
    gsize m = strlen(d->name);
    /* Levenshtein distance with one rolling row. */
    g_autofree gsize *row = g_new(gsize, m + 1);
    for (gsize j = 0; j <= m; j++)
      row[j] = j;
    for (gsize a = 1; a <= n; a++) {
      gsize diag = row[0];
      row[0] = a;
      for (gsize j = 1; j <= m; j++) {
        gsize up = row[j];
        gsize cost = name[a - 1] == d->name[j - 1] ? 0 : 1;
        row[j] = MIN(MIN(row[j] + 1, row[j - 1] + 1), diag + cost);
        diag = up;
      }
    }
    if (row[m] < best_d) {
      best_d = row[m];
      best = d->name;
    }
  }
  return best_d <= MAX(2, n / 4) ? best : NULL;
}

/* ---- Checking values --------------------------------------------------------------------------- */

static const char *
type_name(CfgType t)
{
  switch (t) {
  case CFG_BOOL: return "bool";
  case CFG_INT: return "int";
  case CFG_DOUBLE: return "number";
  case CFG_ENUM: return "enum";
  case CFG_STRING: return "string";
  case CFG_ADDR: return "ipv4";
  case CFG_PROFILE: return "profile";
  }
  return "?";
}

/* Strip an optional unit suffix that matches the key's own unit ("30 s" or "30s" for unit s).
 * Returns a newly allocated, trimmed string. */
static char *
strip_unit(const CfgKeyDef *def, const char *value)
{
  char *v = g_strstrip(g_strdup(value));
  if (def->unit && *def->unit && g_str_has_suffix(v, def->unit) && strlen(v) > strlen(def->unit)) {
    gsize cut = strlen(v) - strlen(def->unit);
    char prev = v[cut - 1];
    if (g_ascii_isdigit(prev) || prev == ' ' || prev == '.') {
      v[cut] = '\0';
      g_strchomp(v);
    }
  }
  return v;
}

static gboolean
parse_bool(const char *v, gboolean *out)
{
  static const char *const yes[] = {"true", "yes", "on", "1", NULL};
  static const char *const no[] = {"false", "no", "off", "0", NULL};
  for (int i = 0; yes[i]; i++) {
    if (g_ascii_strcasecmp(v, yes[i]) == 0) {
      *out = TRUE;
      return TRUE;
    }
    if (g_ascii_strcasecmp(v, no[i]) == 0) {
      *out = FALSE;
      return TRUE;
    }
  }
  return FALSE;
}

static gboolean
parse_double(const char *v, double *out)
{
  char *end = NULL;
  if (!*v)
    return FALSE;
  double d = g_ascii_strtod(v, &end);
  if (*end != '\0' || !isfinite(d))
    return FALSE;
  *out = d;
  return TRUE;
}

/* Range "min..max" with either side optional. */
static void
parse_range(const char *allowed, double *lo, double *hi)
{
  *lo = -INFINITY;
  *hi = INFINITY;
  if (!allowed)
    return;
  const char *dots = strstr(allowed, "..");
  if (!dots)
    return;
  g_autofree char *a = g_strndup(allowed, dots - allowed);
  if (*a)
    *lo = g_ascii_strtod(a, NULL);
  if (dots[2])
    *hi = g_ascii_strtod(dots + 2, NULL);
}

static int
enum_index(const char *allowed, const char *v)
{
  g_auto(GStrv) names = g_strsplit(allowed ? allowed : "", "|", -1);
  for (int i = 0; names[i]; i++)
    if (strcmp(names[i], v) == 0)
      return i;
  return -1;
}

/* What a key expects, in words, for error messages. */
static char *
expectation(const CfgKeyDef *def)
{
  const char *unit = def->unit && *def->unit ? def->unit : NULL;
  switch (def->type) {
  case CFG_BOOL:
    return g_strdup("true or false");
  case CFG_INT:
  case CFG_DOUBLE: {
    GString *s = g_string_new(def->type == CFG_INT ? "an integer" : "a number");
    if (unit)
      g_string_append_printf(s, " in %s", unit);
    if (def->allowed)
      g_string_append_printf(s, " within %s", def->allowed);
    return g_string_free(s, FALSE);
  }
  case CFG_ENUM: {
    g_autofree char *list = g_strdup(def->allowed);
    g_strdelimit(list, "|", ',');
    return g_strdup_printf("one of %s", list);
  }
  case CFG_STRING:
    return g_strdup("text");
  case CFG_ADDR:
    return g_strdup("an IPv4 address such as 192.0.2.1");
  case CFG_PROFILE:
    return g_strdup_printf("a %s profile name or .ini path", def->allowed);
  }
  return g_strdup("?");
}

gboolean
cfg_check_value(const CfgKeyDef *def, const char *value, GError **error)
{
  g_autofree char *v = strip_unit(def, value);
  gboolean ok = TRUE;
  switch (def->type) {
  case CFG_BOOL: {
    gboolean b;
    ok = parse_bool(v, &b);
    break;
  }
  case CFG_INT: {
    gint64 i;
    double lo, hi;
    ok = g_ascii_string_to_signed(v, 10, G_MININT64, G_MAXINT64, &i, NULL);
    parse_range(def->allowed, &lo, &hi);
    ok = ok && (double)i >= lo && (double)i <= hi;
    break;
  }
  case CFG_DOUBLE: {
    double d, lo, hi;
    ok = parse_double(v, &d);
    parse_range(def->allowed, &lo, &hi);
    ok = ok && d >= lo && d <= hi;
    break;
  }
  case CFG_ENUM:
    ok = enum_index(def->allowed, v) >= 0;
    break;
  case CFG_STRING:
    ok = TRUE;
    break;
  case CFG_ADDR: {
    guint32 a;
    ok = sim_addr_parse(v, &a);
    break;
  }
  case CFG_PROFILE: {
    if (!*v)
      return TRUE;
    g_autofree char *path = cfg_profile_resolve(def->allowed, v, error);
    return path != NULL;
  }
  }
  if (!ok) {
    g_autofree char *want = expectation(def);
    g_set_error(error, CFG_ERROR, CFG_ERROR_BAD_VALUE, "expected %s, got '%s'", want, value);
  }
  return ok;
}

/* ---- Profiles ---------------------------------------------------------------------------------- */

#ifndef ALGSIM_PROFILE_DIR
#define ALGSIM_PROFILE_DIR "experiments/profiles"
#endif

static GPtrArray *
profile_dirs(void)
{
  GPtrArray *dirs = g_ptr_array_new_with_free_func(g_free);
  const char *env = g_getenv("ALGSIM_PROFILE_PATH");
  if (env && *env) {
    g_auto(GStrv) parts = g_strsplit(env, ":", -1);
    for (int i = 0; parts[i]; i++)
      if (*parts[i])
        g_ptr_array_add(dirs, g_strdup(parts[i]));
  }
  g_ptr_array_add(dirs, g_strdup(ALGSIM_PROFILE_DIR));
  return dirs;
}

static gint
compare_strings(gconstpointer a, gconstpointer b)
{
  return strcmp(*(char *const *)a, *(char *const *)b);
}

char *
cfg_profile_resolve(const char *kind, const char *name, GError **error)
{
  if (g_str_has_suffix(name, ".ini") || strchr(name, '/')) {
    if (g_file_test(name, G_FILE_TEST_IS_REGULAR))
      return g_strdup(name);
    g_set_error(error, CFG_ERROR, CFG_ERROR_BAD_VALUE, "expected a %s profile, but '%s' is not a file", kind, name);
    return NULL;
  }
  for (const char *c = name; *c; c++) {
    if (!g_ascii_isalnum(*c) && *c != '-' && *c != '_' && *c != '.') {
      g_set_error(error, CFG_ERROR, CFG_ERROR_BAD_VALUE, "expected a %s profile name, got '%s'", kind, name);
      return NULL;
    }
  }
  g_autoptr(GPtrArray) dirs = profile_dirs();
  g_autoptr(GPtrArray) known = g_ptr_array_new_with_free_func(g_free);
  for (guint i = 0; i < dirs->len; i++) {
    g_autofree char *file = g_strdup_printf("%s.ini", name);
    char *path = g_build_filename(dirs->pdata[i], kind, file, NULL);
    if (g_file_test(path, G_FILE_TEST_IS_REGULAR))
      return path;
    g_free(path);
    g_autofree char *kdir = g_build_filename(dirs->pdata[i], kind, NULL);
    g_autoptr(GDir) d = g_dir_open(kdir, 0, NULL);
    for (const char *e; d && (e = g_dir_read_name(d));)
      if (g_str_has_suffix(e, ".ini"))
        g_ptr_array_add(known, g_strndup(e, strlen(e) - 4));
  }
  g_ptr_array_sort(known, compare_strings);
  g_ptr_array_add(known, NULL);
  g_autofree char *list = g_strjoinv(", ", (char **)known->pdata);
  g_set_error(error, CFG_ERROR, CFG_ERROR_BAD_VALUE, "no %s profile '%s' (known: %s)", kind, name,
              *list ? list : "none");
  return NULL;
}

/* ---- Config values ----------------------------------------------------------------------------- */

typedef struct {
  char *value;  /* validated text value, unit suffix stripped */
  char *origin; /* "default", "file.ini:12", "--set" */
} CfgValue;

struct Config {
  GHashTable *values; /* key name -> CfgValue*; keys present only when set away from default */
  GPtrArray *loading; /* files being loaded (include and profile cycle detection); NULL when idle */
};

static gboolean load_file(Config *cfg, const char *path, GPtrArray *stack, const char *const *skip,
                          GError **error);

static void
cfg_value_free(gpointer p)
{
  CfgValue *v = p;
  g_free(v->value);
  g_free(v->origin);
  g_free(v);
}

Config *
cfg_new(void)
{
  Config *cfg = g_new0(Config, 1);
  cfg->values = g_hash_table_new_full(g_str_hash, g_str_equal, NULL, cfg_value_free);
  return cfg;
}

Config *
cfg_copy(const Config *cfg)
{
  Config *c = cfg_new();
  GHashTableIter it;
  gpointer k, v;
  g_hash_table_iter_init(&it, cfg->values);
  while (g_hash_table_iter_next(&it, &k, &v)) {
    const CfgValue *src = v;
    CfgValue *dst = g_new0(CfgValue, 1);
    dst->value = g_strdup(src->value);
    dst->origin = g_strdup(src->origin);
    g_hash_table_insert(c->values, k, dst);
  }
  return c;
}

void
cfg_free(Config *cfg)
{
  if (!cfg)
    return;
  g_hash_table_destroy(cfg->values);
  g_free(cfg);
}

/* Split "group.key" into its parts for messages: "[group] key". */
static char *
describe_key(const char *key)
{
  const char *dot = strchr(key, '.');
  if (!dot)
    return g_strdup(key);
  return g_strdup_printf("[%.*s] %s", (int)(dot - key), key, dot + 1);
}

gboolean
cfg_set(Config *cfg, const char *key, const char *value, const char *origin, GError **error)
{
  const CfgKeyDef *def = cfg_key_lookup(key);
  g_autofree char *where = describe_key(key);
  if (!def) {
    const char *hint = closest_key(key);
    g_set_error(error, CFG_ERROR, CFG_ERROR_UNKNOWN_KEY, "%s: %s: unknown key%s%s%s", origin, where,
                hint ? " (did you mean " : "", hint ? hint : "", hint ? "?)" : "; see 'algsim keys'");
    return FALSE;
  }
  g_autoptr(GError) local = NULL;
  if (!cfg_check_value(def, value, &local)) {
    g_set_error(error, CFG_ERROR, CFG_ERROR_BAD_VALUE, "%s: %s: %s", origin, where, local->message);
    return FALSE;
  }
  CfgValue *v = g_new0(CfgValue, 1);
  v->value = strip_unit(def, value);
  v->origin = g_strdup(origin);
  g_hash_table_replace(cfg->values, (gpointer)def->name, v);
  if (def->type == CFG_PROFILE && *v->value) {
    g_autofree char *path = cfg_profile_resolve(def->allowed, v->value, NULL);
    gboolean own = cfg->loading == NULL;
    if (own)
      cfg->loading = g_ptr_array_new_with_free_func(g_free);
    gboolean ok = load_file(cfg, path, cfg->loading, NULL, error);
    if (own)
      g_clear_pointer(&cfg->loading, g_ptr_array_unref);
    if (!ok) {
      g_prefix_error(error, "%s: %s: ", origin, where);
      return FALSE;
    }
  }
  return TRUE;
}

gboolean
cfg_set_arg(Config *cfg, const char *assignment, GError **error)
{
  const char *eq = strchr(assignment, '=');
  if (!eq || eq == assignment) {
    g_set_error(error, CFG_ERROR, CFG_ERROR_BAD_VALUE,
                "--set %s: expected group.key=value (see 'algsim keys')", assignment);
    return FALSE;
  }
  g_autofree char *key = g_strstrip(g_strndup(assignment, eq - assignment));
  g_autofree char *origin = g_strdup_printf("--set %s", key);
  return cfg_set(cfg, key, eq + 1, origin, error);
}

/* ---- Files ------------------------------------------------------------------------------------- */

/* Line (1-based) of `key` in `group` of an ini text, or of the group header when key is NULL; 0 if
 * not found.  Mirrors GKeyFile's syntax: "[group]" headers, "key = value" lines, '#' comments. */
static int
find_line(const char *text, const char *group, const char *key)
{
  g_auto(GStrv) lines = g_strsplit(text, "\n", -1);
  gboolean in_group = FALSE;
  for (int i = 0; lines[i]; i++) {
    char *l = g_strstrip(lines[i]);
    if (*l == '[') {
      char *close = strchr(l, ']');
      in_group = close && (gsize)(close - l - 1) == strlen(group) && strncmp(l + 1, group, close - l - 1) == 0;
      if (in_group && !key)
        return i + 1;
      continue;
    }
    if (!in_group || !key || *l == '#' || !*l)
      continue;
    char *eq = strchr(l, '=');
    if (!eq)
      continue;
    g_autofree char *name = g_strstrip(g_strndup(l, eq - l));
    if (strcmp(name, key) == 0)
      return i + 1;
  }
  return 0;
}

static gboolean
load_includes(Config *cfg, GKeyFile *kf, const char *path, const char *text, GPtrArray *stack,
              GError **error)
{
  if (!g_key_file_has_group(kf, "include"))
    return TRUE;
  g_auto(GStrv) keys = g_key_file_get_keys(kf, "include", NULL, NULL);
  for (int i = 0; keys && keys[i]; i++) {
    if (strcmp(keys[i], "files") != 0) {
      g_set_error(error, CFG_ERROR, CFG_ERROR_UNKNOWN_KEY, "%s:%d: [include] %s: unknown key; expected 'files'",
                  path, find_line(text, "include", keys[i]), keys[i]);
      return FALSE;
    }
  }
  g_auto(GStrv) files = g_key_file_get_string_list(kf, "include", "files", NULL, NULL);
  g_autofree char *dir = g_path_get_dirname(path);
  for (int i = 0; files && files[i]; i++) {
    char *name = g_strstrip(files[i]);
    if (!*name)
      continue;
    g_autofree char *inc = g_path_is_absolute(name) ? g_strdup(name) : g_build_filename(dir, name, NULL);
    g_autoptr(GError) local = NULL;
    if (!load_file(cfg, inc, stack, NULL, &local)) {
      if (local->domain == CFG_ERROR && local->code == CFG_ERROR_FILE && !g_file_test(inc, G_FILE_TEST_EXISTS))
        g_set_error(error, CFG_ERROR, CFG_ERROR_FILE, "%s:%d: [include] files: cannot read '%s': no such file",
                    path, find_line(text, "include", "files"), inc);
      else
        g_propagate_error(error, g_steal_pointer(&local));
      return FALSE;
    }
  }
  return TRUE;
}

static gboolean
load_file(Config *cfg, const char *path, GPtrArray *stack, const char *const *skip, GError **error)
{
  g_autofree char *text = NULL;
  g_autoptr(GError) local = NULL;
  if (!g_file_get_contents(path, &text, NULL, &local)) {
    g_set_error(error, CFG_ERROR, CFG_ERROR_FILE, "%s: cannot read: %s", path, local->message);
    return FALSE;
  }
  char *canon = realpath(path, NULL);
  g_autofree char *key = g_strdup(canon ? canon : path);
  free(canon);
  for (guint i = 0; i < stack->len; i++) {
    if (strcmp(stack->pdata[i], key) == 0) {
      g_set_error(error, CFG_ERROR, CFG_ERROR_FILE, "%s: include cycle (the file includes itself)", path);
      return FALSE;
    }
  }
  g_autoptr(GKeyFile) kf = g_key_file_new();
  if (!g_key_file_load_from_data(kf, text, (gsize)-1, G_KEY_FILE_NONE, &local)) {
    g_set_error(error, CFG_ERROR, CFG_ERROR_FILE, "%s: not a valid key file: %s", path, local->message);
    return FALSE;
  }
  g_ptr_array_add(stack, g_strdup(key));
  gboolean ok = load_includes(cfg, kf, path, text, stack, error);
  g_free(g_ptr_array_steal_index(stack, stack->len - 1));
  if (!ok)
    return FALSE;

  /* Profile keys first, so that the file's own keys win over the profiles it names. */
  gsize n_groups = 0;
  g_auto(GStrv) groups = g_key_file_get_groups(kf, &n_groups);
  g_ptr_array_add(stack, g_strdup(key));
  ok = TRUE;
  for (int pass = 0; pass < 2 && ok; pass++) {
    for (gsize g = 0; g < n_groups && ok; g++) {
      if (strcmp(groups[g], "include") == 0 || (skip && g_strv_contains(skip, groups[g])))
        continue;
      g_auto(GStrv) keys = g_key_file_get_keys(kf, groups[g], NULL, NULL);
      for (int k = 0; ok && keys && keys[k]; k++) {
        g_autofree char *name = g_strdup_printf("%s.%s", groups[g], keys[k]);
        const CfgKeyDef *def = cfg_key_lookup(name);
        if ((def && def->type == CFG_PROFILE) != (pass == 0))
          continue;
        g_autofree char *value = g_key_file_get_value(kf, groups[g], keys[k], NULL);
        g_autofree char *origin = g_strdup_printf("%s:%d", path, find_line(text, groups[g], keys[k]));
        ok = cfg_set(cfg, name, value ? value : "", origin, error);
      }
    }
  }
  g_free(g_ptr_array_steal_index(stack, stack->len - 1));
  return ok;
}

gboolean
cfg_load_file(Config *cfg, const char *path, GError **error)
{
  return cfg_load_file_except(cfg, path, NULL, error);
}

int
cfg_ini_line(const char *text, const char *group, const char *key)
{
  return find_line(text, group, key);
}

gboolean
cfg_load_file_except(Config *cfg, const char *path, const char *const *skip, GError **error)
{
  gboolean own = cfg->loading == NULL;
  if (own)
    cfg->loading = g_ptr_array_new_with_free_func(g_free);
  gboolean ok = load_file(cfg, path, cfg->loading, skip, error);
  if (own)
    g_clear_pointer(&cfg->loading, g_ptr_array_unref);
  return ok;
}

/* ---- Getters ----------------------------------------------------------------------------------- */

static const CfgKeyDef *
must_def(const char *key, CfgType type)
{
  const CfgKeyDef *def = cfg_key_lookup(key);
  if (!def)
    g_error("configuration key %s is not declared", key);
  if (def->type != type)
    g_error("configuration key %s is a %s, not a %s", key, type_name(def->type), type_name(type));
  return def;
}

static const char *
raw_value(const Config *cfg, const CfgKeyDef *def)
{
  const CfgValue *v = cfg ? g_hash_table_lookup(cfg->values, def->name) : NULL;
  return v ? v->value : def->def;
}

gboolean
cfg_bool(const Config *cfg, const char *key)
{
  gboolean b = FALSE;
  g_autofree char *v = strip_unit(must_def(key, CFG_BOOL), raw_value(cfg, cfg_key_lookup(key)));
  parse_bool(v, &b);
  return b;
}

gint64
cfg_int(const Config *cfg, const char *key)
{
  const CfgKeyDef *def = must_def(key, CFG_INT);
  g_autofree char *v = strip_unit(def, raw_value(cfg, def));
  return g_ascii_strtoll(v, NULL, 10);
}

double
cfg_double(const Config *cfg, const char *key)
{
  const CfgKeyDef *def = must_def(key, CFG_DOUBLE);
  g_autofree char *v = strip_unit(def, raw_value(cfg, def));
  return g_ascii_strtod(v, NULL);
}

const char *
cfg_str(const Config *cfg, const char *key)
{
  const CfgKeyDef *def = cfg_key_lookup(key);
  if (!def)
    g_error("configuration key %s is not declared", key);
  return raw_value(cfg, def);
}

int
cfg_enum(const Config *cfg, const char *key)
{
  const CfgKeyDef *def = must_def(key, CFG_ENUM);
  g_autofree char *v = strip_unit(def, raw_value(cfg, def));
  return enum_index(def->allowed, v);
}

guint32
cfg_addr(const Config *cfg, const char *key)
{
  const CfgKeyDef *def = must_def(key, CFG_ADDR);
  guint32 a = 0;
  g_autofree char *v = strip_unit(def, raw_value(cfg, def));
  sim_addr_parse(v, &a);
  return a;
}

const char *
cfg_origin(const Config *cfg, const char *key)
{
  const CfgValue *v = g_hash_table_lookup(cfg->values, key);
  return v ? v->origin : "default";
}

char *
cfg_dump(const Config *cfg, gboolean only_changed)
{
  g_autoptr(GPtrArray) keys = cfg_keys();
  GString *s = g_string_new(NULL);
  for (guint i = 0; i < keys->len; i++) {
    const CfgKeyDef *d = keys->pdata[i];
    const CfgValue *v = g_hash_table_lookup(cfg->values, d->name);
    if (only_changed && !v)
      continue;
    g_string_append_printf(s, "%s = %s  # %s\n", d->name, v ? v->value : d->def,
                           v ? v->origin : "default");
  }
  return g_string_free(s, FALSE);
}

/* ---- The key table ----------------------------------------------------------------------------- */

static void
append_md_cell(GString *s, const char *text)
{
  g_string_append(s, " ");
  for (const char *p = text ? text : ""; *p; p++) {
    if (*p == '|')
      g_string_append(s, "\\|");
    else
      g_string_append_c(s, *p);
  }
  g_string_append(s, " |");
}

char *
cfg_keys_table(gboolean markdown)
{
  g_autoptr(GPtrArray) keys = cfg_keys();
  GString *s = g_string_new(NULL);
  if (markdown) {
    g_string_append(s, "| key | type | unit | default | allowed | meaning |\n");
    g_string_append(s, "|---|---|---|---|---|---|\n");
    for (guint i = 0; i < keys->len; i++) {
      const CfgKeyDef *d = keys->pdata[i];
      g_autofree char *name = g_strdup_printf("`%s`", d->name);
      g_string_append(s, "|");
      append_md_cell(s, name);
      append_md_cell(s, type_name(d->type));
      append_md_cell(s, d->unit);
      append_md_cell(s, d->def);
      append_md_cell(s, d->allowed);
      append_md_cell(s, d->help);
      g_string_append(s, "\n");
    }
    return g_string_free(s, FALSE);
  }
  const char *group = "";
  for (guint i = 0; i < keys->len; i++) {
    const CfgKeyDef *d = keys->pdata[i];
    const char *dot = strchr(d->name, '.');
    if (strncmp(group, d->name, dot - d->name + 1) != 0) {
      g_string_append_printf(s, "%s[%.*s]\n", i ? "\n" : "", (int)(dot - d->name), d->name);
      group = d->name;
    }
    g_autofree char *type = d->type == CFG_ENUM ? g_strdup(d->allowed)
                                                : g_strdup_printf("%s%s%s", type_name(d->type),
                                                                  d->allowed ? " " : "", d->allowed ? d->allowed : "");
    g_string_append_printf(s, "  %-28s %-8s default %-10s %s\n", dot + 1, d->unit && *d->unit ? d->unit : "-",
                           *d->def ? d->def : "\"\"", type);
    g_string_append_printf(s, "      %s\n", d->help);
  }
  return g_string_free(s, FALSE);
}
