/* registry.c — the one place that lists every model's configuration keys.  Adding a model adds
 * one line here and touches nothing else. */
#include "models.h"

extern const CfgKeyDef topology_keys[];

void
models_register_keys(void)
{
  static gsize once = 0;
  if (!g_once_init_enter(&once))
    return;
  /* One line per model table. */
  cfg_register(topology_keys);
  g_once_init_leave(&once, 1);
}
