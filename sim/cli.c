/* cli.c — helpers shared by the algsim subcommands: configuration from flags and error output. */
#include "cli.h"

#include <stdio.h>

#include "models.h"

void
cli_error(const char *fmt, ...)
{
  va_list ap;
  va_start(ap, fmt);
  g_autofree char *msg = g_strdup_vprintf(fmt, ap);
  va_end(ap);
  fprintf(stderr, "algsim: %s\n", msg);
}

GOptionEntry *
cli_config_option_entries(CliConfigArgs *args)
{
  GOptionEntry entries[] = {
    {"profile", 'p', 0, G_OPTION_ARG_FILENAME_ARRAY, &args->profiles,
     "Apply a profile or configuration file (repeatable; later ones win)", "FILE"},
    {"set", 's', 0, G_OPTION_ARG_STRING_ARRAY, &args->sets,
     "Set one key, e.g. --set nat.udp_timeout_s=30 (repeatable; applied last)", "GROUP.KEY=VALUE"},
    G_OPTION_ENTRY_NULL,
  };
  return g_memdup2(entries, sizeof entries);
}

Config *
cli_config_load(const CliConfigArgs *args)
{
  models_register_keys();
  g_autoptr(Config) cfg = cfg_new();
  g_autoptr(GError) error = NULL;
  for (char **p = args->profiles; p && *p; p++) {
    if (!cfg_load_file(cfg, *p, &error)) {
      cli_error("%s", error->message);
      return NULL;
    }
  }
  for (char **s = args->sets; s && *s; s++) {
    if (!cfg_set_arg(cfg, *s, &error)) {
      cli_error("%s", error->message);
      return NULL;
    }
  }
  return g_steal_pointer(&cfg);
}

void
cli_config_args_clear(CliConfigArgs *args)
{
  g_clear_pointer(&args->profiles, g_strfreev);
  g_clear_pointer(&args->sets, g_strfreev);
}

gboolean
cli_parse(GOptionContext *ctx, int *argc, char ***argv)
{
  g_autoptr(GError) error = NULL;
  if (!g_option_context_parse(ctx, argc, argv, &error)) {
    cli_error("%s (try --help)", error->message);
    return FALSE;
  }
  return TRUE;
}
