/* config.h — declared configuration keys, profiles (GKeyFile) and `--set group.key=value`.
 *
 * Every key is declared exactly once, in a table next to the model that reads it, with its type,
 * unit, default, allowed values and help text.  A Config holds one value per declared key, starting
 * at the defaults; files and --set assignments override them in the order they are applied.  Bad
 * input (unknown key, bad value, wrong unit) is a GError whose message names the file and line, or
 * the flag, and says what was expected.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define CFG_ERROR (cfg_error_quark())
GQuark cfg_error_quark(void);

typedef enum {
  CFG_ERROR_UNKNOWN_KEY,
  CFG_ERROR_BAD_VALUE,
  CFG_ERROR_FILE, /* unreadable, unparsable, or an include cycle */
} CfgError;

typedef enum {
  CFG_BOOL,   /* true/false (also yes/no, on/off, 1/0) */
  CFG_INT,    /* 64-bit integer; allowed = "min..max" (either side may be empty) */
  CFG_DOUBLE, /* allowed = "min..max" */
  CFG_ENUM,   /* allowed = "a|b|c" */
  CFG_STRING, /* any text; allowed unused */
  CFG_ADDR,   /* dotted-quad IPv4 address */
  CFG_PROFILE, /* a profile: allowed = its kind ("router", "phone", "pbx"); the value is a name found
                * as <kind>/<name>.ini on the profile path, or a path to an .ini file; "" = none.
                * Setting it applies the profile's keys at that point (see cfg_set). */
} CfgType;

typedef struct {
  const char *name;    /* "group.key", e.g. "nat.udp_timeout_s" */
  CfgType type;        /* value type */
  const char *unit;    /* unit for people ("s", "ms", "kbit/s", "packets"); "" if none */
  const char *def;     /* default, as text in the key's own syntax */
  const char *allowed; /* see CfgType; NULL for no restriction */
  const char *help;    /* one sentence; may cite a source */
} CfgKeyDef;

/* Register a table of keys, terminated by an entry with name == NULL.  The table must outlive the
 * process (static const).  A duplicate name is a programming error (g_error). */
void cfg_register(const CfgKeyDef *table);
/* All registered keys, sorted by name (caller frees the array, not the entries). */
GPtrArray *cfg_keys(void);
const CfgKeyDef *cfg_key_lookup(const char *name);

typedef struct Config Config;

Config *cfg_new(void);
Config *cfg_copy(const Config *cfg);
void cfg_free(Config *cfg);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(Config, cfg_free)

/* Apply a GKeyFile file: every [group] key = value becomes group.key.  A file may include others
 * with `[include] files = a.ini;b.ini` (paths relative to the including file); included files are
 * applied first, so the including file overrides them.  Cycles are errors. */
gboolean cfg_load_file(Config *cfg, const char *path, GError **error);
/* The same, leaving out the named groups of this file (not of its includes): an experiment file's
 * [experiment] and [grid] (skip is NULL-terminated). */
gboolean cfg_load_file_except(Config *cfg, const char *path, const char *const *skip, GError **error);
/* Line (1-based) of `key` in [group] of an ini text, of the group header if key is NULL; 0 if absent. */
int cfg_ini_line(const char *text, const char *group, const char *key);
/* Apply one value; origin names where it came from, for messages ("file.ini:12", "--set").  A
 * profile key also applies its profile file there and then, so keys set later win over it; within
 * one file, profile keys are applied before the file's other keys. */
gboolean cfg_set(Config *cfg, const char *key, const char *value, const char *origin,
                 GError **error);
/* Apply "group.key=value" from the command line. */
gboolean cfg_set_arg(Config *cfg, const char *assignment, GError **error);
/* Check a value against a key's declaration without applying it. */
gboolean cfg_check_value(const CfgKeyDef *def, const char *value, GError **error);

/* Where profiles are looked for: $ALGSIM_PROFILE_PATH (':'-separated directories), then the
 * source tree's experiments/profiles.  Returns the file for kind/name, or NULL with an error that
 * lists what exists. */
char *cfg_profile_resolve(const char *kind, const char *name, GError **error);

/* Typed getters.  Asking for an undeclared key or the wrong type is a programming error. */
gboolean cfg_bool(const Config *cfg, const char *key);
gint64 cfg_int(const Config *cfg, const char *key);
double cfg_double(const Config *cfg, const char *key);
const char *cfg_str(const Config *cfg, const char *key);  /* any type, as text */
int cfg_enum(const Config *cfg, const char *key);         /* index into the allowed list */
guint32 cfg_addr(const Config *cfg, const char *key);     /* host byte order */
const char *cfg_origin(const Config *cfg, const char *key); /* "default", "file.ini:12", "--set" */

/* Every key with its value and origin, "group.key = value  # origin", sorted (caller frees). */
char *cfg_dump(const Config *cfg, gboolean only_changed);

/* The key table as text (`algsim keys`) or as a Markdown table (`--markdown`). */
char *cfg_keys_table(gboolean markdown);

G_END_DECLS
