/* test-util.c — shared helpers for algsim's TAP tests. */
#include "test-util.h"

#include <glib/gstdio.h>
#include <sys/wait.h>

#include "models.h"

void
tu_world(guint64 seed)
{
  g_autoptr(GError) error = NULL;
  models_register_keys();
  if (sim_is_setup())
    sim_reset();
  SimWorldParams p = {.seed = seed, .cell = 0, .replica = 0};
  if (!sim_setup(&p, &error))
    g_error("sim_setup: %s", error->message);
}

Config *
tu_config(const char *first_assignment, ...)
{
  models_register_keys();
  Config *cfg = cfg_new();
  va_list ap;
  va_start(ap, first_assignment);
  for (const char *a = first_assignment; a; a = va_arg(ap, const char *)) {
    g_autoptr(GError) error = NULL;
    if (!cfg_set_arg(cfg, a, &error))
      g_error("tu_config: %s", error->message);
  }
  va_end(ap);
  return cfg;
}

char *
tu_data_path(const char *name)
{
  return g_test_build_filename(G_TEST_DIST, "data", name, NULL);
}

gboolean
tu_have_tshark(void)
{
  g_autofree char *path = g_find_program_in_path("tshark");
  return path != NULL;
}

char *
tu_tshark(const char *args)
{
  g_autofree char *cmd = g_strdup_printf("tshark -n %s", args);
  g_autofree char *home = g_dir_make_tmp("tsharkXXXXXX", NULL);
  g_autofree char *env_home = g_strdup_printf("HOME=%s", home);
  g_autofree char *env_path = g_strdup_printf("PATH=%s", g_getenv("PATH"));
  char *envp[] = {env_home, env_path, NULL};
  char *argv[] = {"/bin/sh", "-c", cmd, NULL};
  char *out = NULL;
  g_autofree char *err = NULL;
  int status = 0;
  g_autoptr(GError) error = NULL;
  g_assert_true(g_spawn_sync(NULL, argv, envp, G_SPAWN_DEFAULT, NULL, NULL, &out, &err, &status, &error));
  g_assert_no_error(error);
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
    g_error("%s failed: %s", cmd, err);
  g_rmdir(home);
  return out;
}
