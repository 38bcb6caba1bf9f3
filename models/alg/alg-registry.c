/* alg-registry.c — the list of ALGs (one line each), lookup by name, and attaching the ALG named
 * by router.alg to a router's NAT.
 */
#include "alg.h"

#include <string.h>

extern const AlgOps alg_off_ops;
extern const AlgOps alg_linux_ops;
extern const AlgOps alg_ideal_ops;

/* One line per ALG. */
static const AlgOps *const registry[] = {
  &alg_off_ops,
  &alg_linux_ops,
  &alg_ideal_ops,
  NULL,
};

const CfgKeyDef alg_keys[] = {
  { "router.alg", CFG_STRING, "", "off", NULL,
    "The router's SIP ALG, by name (algsim alg list): off (none), linux (nf_conntrack_sip + "
    "nf_nat_sip as measured on Linux 6.18) or ideal (a correct ALG, the control)." },
  { NULL },
};

struct Alg {
  const AlgOps *ops; /* the variant */
  gpointer state;    /* its per-router state */
  Nat *nat;          /* the NAT whose hook it holds */
};

const AlgOps *const *
alg_list(void)
{
  return registry;
}

const AlgOps *
alg_lookup(const char *name)
{
  g_return_val_if_fail(name, NULL);
  for (gsize i = 0; registry[i]; i++)
    if (strcmp(registry[i]->name, name) == 0)
      return registry[i];
  return NULL;
}

char *
alg_names(void)
{
  GString *s = g_string_new(NULL);
  for (gsize i = 0; registry[i]; i++)
    g_string_append_printf(s, "%s%s", i ? "|" : "", registry[i]->name);
  return g_string_free(s, FALSE);
}

static NatAlgVerdict
alg_hook(void *ctx, NatAlgPacket *p)
{
  Alg *alg = ctx;
  return alg->ops->packet(alg->state, p);
}

Alg *
alg_attach(const Config *cfg, Nat *nat, GError **error)
{
  g_return_val_if_fail(cfg && nat, NULL);
  const char *name = cfg_str(cfg, "router.alg");
  const AlgOps *ops = alg_lookup(name);
  if (!ops) {
    g_autofree char *names = alg_names();
    g_set_error(error, CFG_ERROR, CFG_ERROR_BAD_VALUE, "[router] alg: unknown ALG '%s' (expected %s)",
                name, names);
    return NULL;
  }
  Alg *alg = g_new0(Alg, 1);
  alg->ops = ops;
  alg->nat = nat;
  if (ops->create) {
    alg->state = ops->create(cfg, nat, error);
    if (!alg->state) {
      g_free(alg);
      return NULL;
    }
  }
  if (ops->packet)
    nat_set_alg_hook(nat, alg_hook, alg);
  return alg;
}

void
alg_free(Alg *alg)
{
  if (!alg)
    return;
  if (alg->ops->destroy)
    alg->ops->destroy(alg->state);
  g_free(alg);
}

const AlgOps *
alg_ops(const Alg *alg)
{
  return alg->ops;
}
