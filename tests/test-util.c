/* test-util.c — shared helpers for algsim's TAP tests. */
#include "test-util.h"

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
