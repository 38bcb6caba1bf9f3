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

char *
tu_read_file(const char *dir, const char *name)
{
  g_autofree char *path = g_build_filename(dir, name, NULL);
  char *text = NULL;
  gsize len = 0;
  g_assert_true(g_file_get_contents(path, &text, &len, NULL));
  for (gsize i = 0; i < len; i++)
    if (text[i] == '\0')
      text[i] = ' ';
  return text;
}

void
tu_rm_dir(const char *dir)
{
  g_autoptr(GDir) d = g_dir_open(dir, 0, NULL);
  for (const char *n; d && (n = g_dir_read_name(d));) {
    g_autofree char *p = g_build_filename(dir, n, NULL);
    g_remove(p);
  }
  g_rmdir(dir);
}

char *
tu_captured_sdp(const char *dir, const char *pcap, const char *start, const char *cseq)
{
  g_autofree char *bytes = tu_read_file(dir, pcap);
  g_autofree char *want = g_strdup_printf("\r\nCSeq: %s\r\n", cseq);
  for (const char *s = bytes; (s = strstr(s, start)); s++) {
    const char *end = strstr(s, "\r\n\r\n");
    const char *cl = strstr(s, "\r\nContent-Length: ");
    const char *cs = strstr(s, want);
    if (end == NULL || cl == NULL || cl > end || cs == NULL || cs > end)
      continue;
    gsize n = strtoul(cl + 18, NULL, 10);
    if (n > 0)
      return g_strndup(end + 4, n);
  }
  return NULL;
}
