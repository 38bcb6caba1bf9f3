/* alg.h — application layer gateways (ALGs) of a home router, as swappable ops tables.
 *
 * An ALG sits on the router's NAT hook (models/nat/nat.h): it sees every UDP and TCP packet that
 * a NAT binding carries, in both directions, after address translation, with the binding (its
 * internal, external and remote endpoints).  It may pass the packet, rewrite its payload with
 * nat_alg_mangle() (which fixes lengths, checksums and TCP sequence numbers), drop it, open or
 * close expectations (pinholes), keep per-binding state and set binding timers.  Fixing a SIP
 * Content-Length is the ALG's own job: a buggy ALG may skip it.
 *
 * Each variant is one file ending in `const AlgOps alg_<name>_ops`, listed by one line in
 * alg-registry.c, the way the kernel joins nf_conntrack_sip and nf_nat_sip through one ops table
 * (struct nf_nat_sip_hooks).  A router picks its ALG by name with the key router.alg.
 */
#pragma once

#include "config.h"
#include "nat/nat.h"

G_BEGIN_DECLS

typedef struct {
  const char *name;    /* registry name, the value of router.alg: "linux", "off" */
  const char *summary; /* one line for `algsim alg list` */
  const char *source;  /* where the behaviour comes from (kernel files, corpus, RFC) */
  const CfgKeyDef *keys; /* its alg.<name>_* key table (registered in models/registry.c), or NULL */
  /* Make the ALG's per-router state from the configuration (its alg.<name>_* keys); NULL and a
   * GError naming the key on bad values.  `nat` is the NAT it serves. */
  gpointer (*create)(const Config *cfg, Nat *nat, GError **error);
  void (*destroy)(gpointer state);
  /* One packet crossing the router (NatAlgPacket documents what it sees). */
  NatAlgVerdict (*packet)(gpointer state, NatAlgPacket *p);
} AlgOps;

/* The registered ALGs, in registry order (NULL-terminated). */
const AlgOps *const *alg_list(void);
/* The ALG called `name`, or NULL. */
const AlgOps *alg_lookup(const char *name);
/* "off|linux|..." for messages. */
char *alg_names(void);

/* A running ALG attached to one NAT. */
typedef struct Alg Alg;

/* Create the ALG named by router.alg and install it as the NAT's hook ("off" installs none).
 * NULL with a GError naming the key on bad configuration. */
Alg *alg_attach(const Config *cfg, Nat *nat, GError **error);
/* Free the ALG state (NULL is fine).  Call it after nat_free() of its NAT (freeing the NAT
 * destroys the bindings and with them the ALG's per-binding state), or after removing the hook
 * with nat_set_alg_hook(nat, NULL, NULL) and flushing the NAT. */
void alg_free(Alg *alg);
const AlgOps *alg_ops(const Alg *alg);

/* Add an ALG at run time, after the built-in ones (ops must live for the process). */
void alg_register(const AlgOps *ops);

/* ---- Vendor plugins (alg-plugin.c; include/algsim/alg-plugin.h is the plugin side) ---- */

#define ALG_PLUGIN_ERROR (alg_plugin_error_quark())
GQuark alg_plugin_error_quark(void);
typedef enum {
  ALG_PLUGIN_ERROR_NOT_FOUND,  /* no such file */
  ALG_PLUGIN_ERROR_NOT_MODULE, /* not a loadable shared object */
  ALG_PLUGIN_ERROR_NO_SYMBOL,  /* no algsim_alg_plugin_v1 */
  ALG_PLUGIN_ERROR_ABI,        /* built for another ALG ABI version */
  ALG_PLUGIN_ERROR_INVALID,    /* bad name, missing callback, name taken */
} AlgPluginError;

/* Load the ALG plugin in `path` and register it under its own name (router.alg = <name> then
 * selects it); loading the same path again is a no-op.  Its name (owned by the plugin), or NULL
 * and an ALG_PLUGIN_ERROR whose message starts with the path. */
const char *alg_plugin_load(const char *path, GError **error);

G_END_DECLS
