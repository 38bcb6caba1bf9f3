/* alg-registry.c — the list of ALGs (one line each), lookup by name, and attaching the ALG named
 * by router.alg to a router's NAT.
 */
#include "alg.h"

#include <string.h>

extern const AlgOps alg_off_ops;
extern const AlgOps alg_linux_ops;
extern const AlgOps alg_ideal_ops;
extern const AlgOps alg_wrong_media_port_ops;
extern const AlgOps alg_contact_reset_ops;
extern const AlgOps alg_mid_dialog_blocker_ops;
extern const AlgOps alg_register_mangler_ops;
extern const AlgOps alg_proxy_style_ops;
extern const AlgOps alg_register_rewriter_ops;
extern const AlgOps alg_tls_blind_ops;
extern const AlgOps alg_tls_corruptor_ops;
extern const AlgOps alg_tls_blocker_ops;
extern const AlgOps alg_tls_reporter_ops;
extern const AlgOps alg_hold_releaser_ops;
extern const AlgOps alg_media_inactivity_closer_ops;
extern const AlgOps alg_call_length_killer_ops;
extern const AlgOps alg_stateful_intermittent_ops;
extern const AlgOps alg_fragment_dropper_ops;

/* One line per ALG. */
static const AlgOps *const registry[] = {
  &alg_off_ops,
  &alg_linux_ops,
  &alg_ideal_ops,
  &alg_wrong_media_port_ops,
  &alg_contact_reset_ops,
  &alg_mid_dialog_blocker_ops,
  &alg_register_mangler_ops,
  &alg_proxy_style_ops,
  &alg_register_rewriter_ops,
  &alg_tls_blind_ops,
  &alg_tls_corruptor_ops,
  &alg_tls_blocker_ops,
  &alg_tls_reporter_ops,
  &alg_hold_releaser_ops,
  &alg_media_inactivity_closer_ops,
  &alg_call_length_killer_ops,
  &alg_stateful_intermittent_ops,
  &alg_fragment_dropper_ops,
  NULL,
};

const CfgKeyDef alg_keys[] = {
  { "router.alg", CFG_STRING, "", "off", NULL,
    "The router's SIP ALG, by name (algsim alg list): off (none), linux (nf_conntrack_sip + "
    "nf_nat_sip as measured on Linux 6.18) or ideal (a correct ALG, the control)." },
  { "router.alg_locked", CFG_BOOL, "", "false", NULL,
    "The router offers no switch for its SIP ALG (eero, per the seed guide): router.alg = off is "
    "refused; only bridge mode (topology.mode=bypass, no home router) avoids the ALG." },
  { NULL },
};

struct Alg {
  const AlgOps *ops; /* the variant */
  gpointer state;    /* its per-router state */
  Nat *nat;          /* the NAT whose hook it holds */
};

/* The built-in ALGs followed by those added by alg_register() (plugins), NULL-terminated;
 * NULL until the first alg_register(). */
static GPtrArray *all;

void
alg_register(const AlgOps *ops)
{
  g_return_if_fail(ops && ops->name);
  if (!all) {
    all = g_ptr_array_new();
    for (gsize i = 0; registry[i]; i++)
      g_ptr_array_add(all, (gpointer)registry[i]);
    g_ptr_array_add(all, NULL);
  }
  g_ptr_array_insert(all, (gint)all->len - 1, (gpointer)ops);
}

const AlgOps *const *
alg_list(void)
{
  return all ? (const AlgOps *const *)all->pdata : registry;
}

const AlgOps *
alg_lookup(const char *name)
{
  g_return_val_if_fail(name, NULL);
  const AlgOps *const *l = alg_list();
  for (gsize i = 0; l[i]; i++)
    if (strcmp(l[i]->name, name) == 0)
      return l[i];
  return NULL;
}

char *
alg_names(void)
{
  GString *s = g_string_new(NULL);
  const AlgOps *const *l = alg_list();
  for (gsize i = 0; l[i]; i++)
    g_string_append_printf(s, "%s%s", i ? "|" : "", l[i]->name);
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
  if (cfg_bool(cfg, "router.alg_locked") && strcmp(name, "off") == 0) {
    g_set_error(error, CFG_ERROR, CFG_ERROR_BAD_VALUE,
                "[router] alg_locked: this router's SIP ALG cannot be switched off (router.alg = off "
                "refused); use bridge mode (topology.mode=bypass) or router.alg_locked=false");
    return NULL;
  }
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
