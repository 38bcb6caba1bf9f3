/* test-config.c — declared keys, values, units, files, includes and error messages. */
#include <glib/gstdio.h>
#include <string.h>

#include "test-util.h"

static const CfgKeyDef test_keys[] = {
  {"t.timeout_s", CFG_INT, "s", "30", "1..86400", "A timeout."},
  {"t.rate_kbps", CFG_DOUBLE, "kbit/s", "64", "0..", "A rate."},
  {"t.mode", CFG_ENUM, "", "eim", "eim|adm|apdm", "A mode."},
  {"t.on", CFG_BOOL, "", "false", NULL, "A switch."},
  {"t.name", CFG_STRING, "", "", NULL, "A name."},
  {"t.addr", CFG_ADDR, "", "192.0.2.1", NULL, "An address."},
  {"t.profile", CFG_PROFILE, "", "", "tkind", "A profile."},
  {NULL},
};

static void
setup_keys(void)
{
  static gsize once = 0;
  if (g_once_init_enter(&once)) {
    cfg_register(test_keys);
    g_once_init_leave(&once, 1);
  }
}

static void
test_defaults(void)
{
  setup_keys();
  g_autoptr(Config) cfg = cfg_new();
  g_assert_cmpint(cfg_int(cfg, "t.timeout_s"), ==, 30);
  g_assert_cmpfloat(cfg_double(cfg, "t.rate_kbps"), ==, 64.0);
  g_assert_cmpint(cfg_enum(cfg, "t.mode"), ==, 0);
  g_assert_false(cfg_bool(cfg, "t.on"));
  g_assert_cmpstr(cfg_str(cfg, "t.name"), ==, "");
  g_assert_cmpuint(cfg_addr(cfg, "t.addr"), ==, 0xc0000201u);
  g_assert_cmpstr(cfg_origin(cfg, "t.mode"), ==, "default");
}

typedef struct {
  const char *key;
  const char *value;
  gboolean ok;
  const char *error_part; /* substring the error must contain */
} ValueCase;

static const ValueCase value_cases[] = {
  {"t.timeout_s", "120", TRUE, NULL},
  {"t.timeout_s", "120 s", TRUE, NULL},   /* the key's own unit may be written */
  {"t.timeout_s", "120s", TRUE, NULL},
  {"t.timeout_s", "120ms", FALSE, "in s"}, /* another unit is an error */
  {"t.timeout_s", "0", FALSE, "1..86400"},
  {"t.timeout_s", "abc", FALSE, "expected an integer"},
  {"t.timeout_s", "", FALSE, "expected"},
  {"t.timeout_s", "1.5", FALSE, "integer"},
  {"t.rate_kbps", "1.5", TRUE, NULL},
  {"t.rate_kbps", "-1", FALSE, "0.."},
  {"t.rate_kbps", "nan", FALSE, "number"},
  {"t.rate_kbps", "12 kbit/s", TRUE, NULL},
  {"t.mode", "apdm", TRUE, NULL},
  {"t.mode", "full-cone", FALSE, "one of eim,adm,apdm"},
  {"t.on", "yes", TRUE, NULL},
  {"t.on", "On", TRUE, NULL},
  {"t.on", "maybe", FALSE, "true or false"},
  {"t.addr", "203.0.113.2", TRUE, NULL},
  {"t.addr", "203.0.113", FALSE, "IPv4"},
  {"t.addr", "203.0.113.256", FALSE, "IPv4"},
  {"t.nonexistent", "1", FALSE, "unknown key"},
};

static void
test_values(void)
{
  setup_keys();
  for (gsize i = 0; i < G_N_ELEMENTS(value_cases); i++) {
    const ValueCase *c = &value_cases[i];
    g_autoptr(Config) cfg = cfg_new();
    g_autoptr(GError) error = NULL;
    gboolean ok = cfg_set(cfg, c->key, c->value, "case", &error);
    g_test_message("%s = '%s': %s", c->key, c->value, error ? error->message : "ok");
    g_assert_cmpint(ok, ==, c->ok);
    if (!ok) {
      g_assert_nonnull(strstr(error->message, c->error_part));
      g_assert_nonnull(strstr(error->message, "case: [t]"));
    }
  }
}

static void
test_unit_stripped(void)
{
  setup_keys();
  g_autoptr(Config) cfg = cfg_new();
  g_assert_true(cfg_set(cfg, "t.timeout_s", "45 s", "x", NULL));
  g_assert_cmpint(cfg_int(cfg, "t.timeout_s"), ==, 45);
  g_assert_true(cfg_set(cfg, "t.on", "on", "x", NULL));
  g_assert_true(cfg_bool(cfg, "t.on"));
}

static void
test_set_arg(void)
{
  setup_keys();
  g_autoptr(Config) cfg = cfg_new();
  g_autoptr(GError) error = NULL;
  g_assert_true(cfg_set_arg(cfg, "t.mode=adm", &error));
  g_assert_cmpint(cfg_enum(cfg, "t.mode"), ==, 1);
  g_assert_cmpstr(cfg_origin(cfg, "t.mode"), ==, "--set t.mode");
  g_assert_false(cfg_set_arg(cfg, "t.mode", &error));
  g_assert_nonnull(strstr(error->message, "expected group.key=value"));
  g_clear_error(&error);
  g_assert_false(cfg_set_arg(cfg, "t.mdoe=adm", &error));
  g_assert_nonnull(strstr(error->message, "did you mean t.mode?"));
}

static char *
write_file(const char *dir, const char *name, const char *text)
{
  char *path = g_build_filename(dir, name, NULL);
  g_assert_true(g_file_set_contents(path, text, -1, NULL));
  return path;
}

static void
test_file_lines(void)
{
  setup_keys();
  g_autofree char *dir = g_dir_make_tmp("cfgXXXXXX", NULL);
  g_autofree char *path = write_file(dir, "a.ini",
                                     "# a profile\n"
                                     "[t]\n"
                                     "mode = apdm\n"
                                     "\n"
                                     "timeout_s = soon\n");
  g_autoptr(Config) cfg = cfg_new();
  g_autoptr(GError) error = NULL;
  g_assert_false(cfg_load_file(cfg, path, &error));
  g_autofree char *want = g_strdup_printf("%s:5: [t] timeout_s: expected an integer", path);
  g_assert_nonnull(strstr(error->message, want));

  g_autofree char *p2 = write_file(dir, "b.ini", "[t]\nmode = apdm\n[u]\nx = 1\n");
  g_clear_error(&error);
  g_assert_false(cfg_load_file(cfg, p2, &error));
  g_autofree char *want2 = g_strdup_printf("%s:4: [u] x: unknown key", p2);
  g_assert_nonnull(strstr(error->message, want2));

  g_autofree char *p3 = write_file(dir, "c.ini", "t.mode = apdm\n");
  g_clear_error(&error);
  g_assert_false(cfg_load_file(cfg, p3, &error));
  g_assert_nonnull(strstr(error->message, "not a valid key file"));

  g_clear_error(&error);
  g_assert_false(cfg_load_file(cfg, "/nonexistent/x.ini", &error));
  g_assert_nonnull(strstr(error->message, "/nonexistent/x.ini: cannot read"));
}

static void
test_includes(void)
{
  setup_keys();
  g_autofree char *dir = g_dir_make_tmp("cfgXXXXXX", NULL);
  g_autofree char *base = write_file(dir, "base.ini", "[t]\nmode = adm\ntimeout_s = 60\n");
  g_autofree char *top = write_file(dir, "top.ini", "[include]\nfiles = base.ini\n[t]\ntimeout_s = 90\n");
  g_autoptr(Config) cfg = cfg_new();
  g_autoptr(GError) error = NULL;
  g_assert_true(cfg_load_file(cfg, top, &error));
  g_assert_no_error(error);
  g_assert_cmpint(cfg_enum(cfg, "t.mode"), ==, 1);        /* from the included file */
  g_assert_cmpint(cfg_int(cfg, "t.timeout_s"), ==, 90);   /* the including file wins */
  g_autofree char *origin = g_strdup_printf("%s:4", top);
  g_assert_cmpstr(cfg_origin(cfg, "t.timeout_s"), ==, origin);
  /* --set applied afterwards wins over both. */
  g_assert_true(cfg_set_arg(cfg, "t.timeout_s=5", NULL));
  g_assert_cmpint(cfg_int(cfg, "t.timeout_s"), ==, 5);

  g_autofree char *c1 = write_file(dir, "c1.ini", "[include]\nfiles = c2.ini\n");
  g_autofree char *c2 = write_file(dir, "c2.ini", "[include]\nfiles = c1.ini\n");
  g_assert_false(cfg_load_file(cfg, c1, &error));
  g_assert_nonnull(strstr(error->message, "include cycle"));

  g_autofree char *m = write_file(dir, "m.ini", "[include]\nfiles = missing.ini\n");
  g_clear_error(&error);
  g_assert_false(cfg_load_file(cfg, m, &error));
  g_autofree char *want = g_strdup_printf("%s:2: [include] files: cannot read", m);
  g_assert_nonnull(strstr(error->message, want));
}

static void
test_profiles(void)
{
  setup_keys();
  g_autofree char *dir = g_dir_make_tmp("profXXXXXX", NULL);
  g_autofree char *kind = g_build_filename(dir, "tkind", NULL);
  g_assert_cmpint(g_mkdir(kind, 0755), ==, 0);
  g_autofree char *p1 = write_file(kind, "p1.ini", "[t]\nmode = adm\ntimeout_s = 60\n");
  g_autofree char *loop = write_file(kind, "loop.ini", "[t]\nprofile = loop\n");
  g_setenv("ALGSIM_PROFILE_PATH", dir, TRUE);

  /* Within a file the profile applies first, whatever the line order, so the file's keys win. */
  g_autofree char *top = write_file(dir, "top.ini", "[t]\ntimeout_s = 90\nprofile = p1\n");
  g_autoptr(Config) cfg = cfg_new();
  g_autoptr(GError) error = NULL;
  g_assert_true(cfg_load_file(cfg, top, &error));
  g_assert_no_error(error);
  g_assert_cmpint(cfg_enum(cfg, "t.mode"), ==, 1);
  g_assert_cmpint(cfg_int(cfg, "t.timeout_s"), ==, 90);
  g_autofree char *origin = g_strdup_printf("%s:2", p1);
  g_assert_cmpstr(cfg_origin(cfg, "t.mode"), ==, origin);
  /* Set later, a profile wins over what came before it. */
  g_assert_true(cfg_set_arg(cfg, "t.profile=p1", &error));
  g_assert_cmpint(cfg_int(cfg, "t.timeout_s"), ==, 60);
  /* A path works as well as a name. */
  g_autofree char *by_path = g_strdup_printf("t.profile=%s", p1);
  g_assert_true(cfg_set_arg(cfg, by_path, &error));

  g_assert_false(cfg_set_arg(cfg, "t.profile=p2", &error));
  g_test_message("%s", error->message);
  g_assert_nonnull(strstr(error->message, "--set t.profile: [t] profile: no tkind profile 'p2' (known: loop, p1)"));
  g_clear_error(&error);
  g_assert_false(cfg_set_arg(cfg, "t.profile=../p1", &error));
  g_clear_error(&error);
  g_assert_false(cfg_set_arg(cfg, "t.profile=loop", &error));
  g_assert_nonnull(strstr(error->message, "cycle"));
  g_unsetenv("ALGSIM_PROFILE_PATH");
}

static void
test_keys_table(void)
{
  setup_keys();
  g_autofree char *text = cfg_keys_table(FALSE);
  g_assert_nonnull(strstr(text, "[t]"));
  g_assert_nonnull(strstr(text, "timeout_s"));
  g_autofree char *md = cfg_keys_table(TRUE);
  g_assert_nonnull(strstr(md, "| `t.mode` | enum |  | eim | eim\\|adm\\|apdm | A mode. |"));
  g_autoptr(Config) cfg = cfg_new();
  g_assert_true(cfg_set_arg(cfg, "t.on=true", NULL));
  g_autofree char *dump = cfg_dump(cfg, TRUE);
  g_assert_cmpstr(dump, ==, "t.on = true  # --set t.on\n");
}

static void
test_model_keys_valid(void)
{
  /* Every model's declared default passes its own check (cfg_register aborts otherwise), and every
   * key has a group, a help text and a unit field. */
  g_autoptr(Config) cfg = tu_config("topology.phones=1", NULL);
  g_autoptr(GPtrArray) keys = cfg_keys();
  g_assert_cmpuint(keys->len, >, G_N_ELEMENTS(test_keys));
  for (guint i = 0; i < keys->len; i++) {
    const CfgKeyDef *d = keys->pdata[i];
    g_assert_nonnull(d->help);
    g_assert_cmpuint(strlen(d->help), >, 5);
    g_assert_nonnull(d->unit);
  }
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);
  g_test_add_func("/config/defaults", test_defaults);
  g_test_add_func("/config/values-checked-against-declaration", test_values);
  g_test_add_func("/config/own-unit-suffix-accepted", test_unit_stripped);
  g_test_add_func("/config/set-flag", test_set_arg);
  g_test_add_func("/config/file-errors-name-file-and-line", test_file_lines);
  g_test_add_func("/config/includes-and-override-order", test_includes);
  g_test_add_func("/config/profile-keys-apply-profiles-in-order", test_profiles);
  g_test_add_func("/config/keys-table", test_keys_table);
  g_test_add_func("/config/model-keys-valid", test_model_keys_valid);
  return g_test_run();
}
