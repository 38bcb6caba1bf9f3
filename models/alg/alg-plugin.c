/* alg-plugin.c — vendor ALGs loaded from shared objects (include/algsim/alg-plugin.h, ALG ABI 1).
 *
 * alg_plugin_load() opens the file with GModule (dlopen with RTLD_LOCAL), finds the entry symbol
 * algsim_alg_plugin_v1, checks its ABI version and callbacks, and registers an AlgOps under the
 * plugin's name, so that router.alg = <name> selects it like a built-in ALG.  The adapter turns
 * each NatAlgPacket into the plugin's AlgsimPacket view and offers the NAT's ALG services (mangle,
 * expectations, per-binding state, timers) through the AlgsimHost table, the way the kernel hands
 * a helper its hooks (struct nf_nat_sip_hooks).  Loaded modules stay resident for the process.
 */
#include "alg.h"

#include <string.h>

#include "algsim/alg-plugin.h"
#include <gmodule.h>

G_DEFINE_QUARK(algsim-alg-plugin-error-quark, alg_plugin_error)

/* A loaded plugin.  ops must stay first: the registry hands out &ops. */
typedef struct {
  AlgOps ops;                    /* what the registry and the router see */
  const AlgsimAlgPlugin *plugin; /* the plugin's entry table */
  char *path;                    /* the file it came from */
  char *source;                  /* "plugin FILE: <plugin's source>" */
  GModule *module;               /* kept resident */
} PluginAlg;

/* Every plugin loaded so far (PluginAlg *, never freed). */
static GPtrArray *loaded;

/* One pinhole handed out to the plugin.  The NAT removes an expectation by itself when it
 * expires, matches once (single use) or its owner binding goes; the record tells which, so that
 * expect_remove() never touches a freed NatExpect. */
typedef struct {
  NatExpect *e;        /* the NAT's expectation */
  SimTime expires;     /* when the NAT drops it */
  gboolean single_use; /* gone after its first match */
  gboolean matched;    /* it admitted a flow */
  guint64 owner;       /* id of the owner binding */
} PluginExpect;

/* One router's instance: the AlgsimRouter of the public header. */
struct AlgsimRouter {
  const PluginAlg *pa;   /* the plugin */
  Nat *nat;              /* the NAT it serves */
  void *state;           /* the plugin's state from create() */
  char *error;           /* set_error() during create() */
  GHashTable *expects;   /* handle (guint64 *) -> PluginExpect * */
  guint64 next_handle;   /* last handle given out */
  GPtrArray *timers;     /* pending PluginTimer * (freed when fired or with the router) */
  SimTime now;           /* time of the packet or timer being handled */
};

/* The packet view with its NAT packet behind it. */
typedef struct {
  AlgsimPacket pub;  /* what the plugin sees (first: the plugin's pointer is ours) */
  NatAlgPacket *p;   /* the NAT's packet */
} HostPacket;

typedef struct {
  AlgsimRouter *r;   /* instance */
  AlgsimTimerFn fn;  /* plugin callback */
  void *data;        /* its argument */
} PluginTimer;

static NatAlgPacket *
nat_packet(AlgsimPacket *p)
{
  return ((HostPacket *)p)->p;
}

static void
sync_payload(AlgsimPacket *pub)
{
  NatAlgPacket *p = nat_packet(pub);
  pub->payload = p->pkt->data + p->payload_off;
  pub->payload_len = p->payload_len;
}

/* ---- The host table --------------------------------------------------------------------------- */

static int
host_mangle(AlgsimPacket *pub, size_t off, size_t del, const uint8_t *rep, size_t rep_len)
{
  gboolean ok = nat_alg_mangle(nat_packet(pub), off, del, rep, rep_len);
  sync_payload(pub);
  return ok ? 0 : -1;
}

static void
host_fix_packet(AlgsimPacket *pub)
{
  nat_alg_fix_packet(nat_packet(pub));
}

static void
expect_matched(void *ctx, Nat *nat, NatBinding *child, const NatExpect *e)
{
  ((PluginExpect *)ctx)->matched = TRUE;
}

/* Is the NAT still holding this expectation? */
static gboolean
expect_alive(AlgsimRouter *r, const PluginExpect *x, SimTime now)
{
  return now < x->expires && !(x->single_use && x->matched) && nat_binding_find(r->nat, x->owner);
}

static uint64_t
host_expect_add(AlgsimPacket *pub, const AlgsimExpectParams *ap, uint16_t *ext_port)
{
  AlgsimRouter *r = pub->router;
  NatAlgPacket *p = nat_packet(pub);
  GHashTableIter it;
  gpointer v;
  g_hash_table_iter_init(&it, r->expects); /* forget the ones the NAT dropped by itself */
  while (g_hash_table_iter_next(&it, NULL, &v))
    if (!expect_alive(r, v, p->now))
      g_hash_table_iter_remove(&it);
  if (!ap || ap->lifetime_ns <= 0 || (ap->proto != ALGSIM_PROTO_UDP && ap->proto != ALGSIM_PROTO_TCP))
    return 0;
  PluginExpect *x = g_new0(PluginExpect, 1);
  NatExpectParams ep = {
    .proto = ap->proto,
    .remote = { ap->remote.addr, ap->remote.port },
    .ext_port = ap->ext_port,
    .target = { ap->target.addr, ap->target.port },
    .lifetime = ap->lifetime_ns,
    .single_use = ap->single_use != 0,
    .owner = p->binding,
    .tag = ap->tag ? ap->tag : r->pa->ops.name,
    .on_match = expect_matched,
    .ctx = x,
  };
  x->e = nat_expect_add(r->nat, &ep, p->now, NULL);
  if (!x->e) {
    g_free(x);
    return 0;
  }
  x->expires = p->now + ap->lifetime_ns;
  x->single_use = ep.single_use;
  x->owner = nat_binding_id(p->binding);
  if (ext_port)
    *ext_port = nat_expect_ext_port(x->e);
  guint64 *key = g_new(guint64, 1);
  *key = ++r->next_handle;
  g_hash_table_insert(r->expects, key, x);
  return *key;
}

static int
host_expect_remove(AlgsimRouter *r, uint64_t handle)
{
  guint64 key = handle;
  PluginExpect *x = g_hash_table_lookup(r->expects, &key);
  if (!x)
    return 0;
  gboolean alive = expect_alive(r, x, MAX(r->now, sim_now()));
  if (alive)
    nat_expect_remove(r->nat, x->e);
  g_hash_table_remove(r->expects, &key);
  return alive ? 1 : 0;
}

static void
host_set_binding_state(AlgsimPacket *pub, void *data, void (*destroy)(void *data))
{
  nat_binding_set_alg_data(nat_packet(pub)->binding, data, destroy);
}

static void *
host_get_binding_state(AlgsimPacket *pub)
{
  return nat_binding_get_alg_data(nat_packet(pub)->binding);
}

static void
host_set_binding_timeout(AlgsimPacket *pub, int64_t timeout_ns)
{
  NatAlgPacket *p = nat_packet(pub);
  nat_binding_set_timeout(p->binding, timeout_ns > 0 ? timeout_ns : 0, p->now);
}

static void
timer_fired(Nat *nat, NatBinding *b, gpointer data)
{
  PluginTimer *t = data;
  AlgsimRouter *r = t->r;
  PluginTimer copy = *t;
  g_ptr_array_remove_fast(r->timers, t); /* frees t */
  r->now = MAX(r->now, sim_now());
  copy.fn(r->state, r, nat_binding_id(b), copy.data);
}

static int
host_add_timer(AlgsimPacket *pub, int64_t delay_ns, AlgsimTimerFn fn, void *data)
{
  if (delay_ns < 0 || !fn)
    return -1;
  PluginTimer *t = g_new(PluginTimer, 1);
  *t = (PluginTimer){ pub->router, fn, data };
  g_ptr_array_add(pub->router->timers, t);
  nat_binding_add_timer(nat_packet(pub)->binding, delay_ns, timer_fired, t);
  return 0;
}

static uint32_t
host_public_addr(AlgsimRouter *r)
{
  return nat_public_addr(r->nat);
}

static void
host_trace(AlgsimRouter *r, const char *text)
{
  sim_trace("alg", "%s %s", r->pa->ops.name, text ? text : "");
}

static void
host_log(AlgsimRouter *r, const char *text)
{
  g_log("algsim-alg", G_LOG_LEVEL_DEBUG, "%s: %s", r->pa->ops.name, text ? text : "");
}

static void
host_set_error(AlgsimRouter *r, const char *message)
{
  g_free(r->error);
  r->error = g_strdup(message ? message : "");
}

static const AlgsimHost host = {
  .abi_version = ALGSIM_ALG_ABI_VERSION,
  .size = sizeof(AlgsimHost),
  .mangle = host_mangle,
  .fix_packet = host_fix_packet,
  .expect_add = host_expect_add,
  .expect_remove = host_expect_remove,
  .set_binding_state = host_set_binding_state,
  .get_binding_state = host_get_binding_state,
  .set_binding_timeout = host_set_binding_timeout,
  .add_timer = host_add_timer,
  .public_addr = host_public_addr,
  .trace = host_trace,
  .log = host_log,
  .set_error = host_set_error,
};

/* ---- The AlgOps every plugin is wrapped in ---------------------------------------------------- */

static const PluginAlg *
find_loaded(const char *name)
{
  for (guint i = 0; loaded && i < loaded->len; i++) {
    const PluginAlg *pa = loaded->pdata[i];
    if (strcmp(pa->ops.name, name) == 0)
      return pa;
  }
  return NULL;
}

static void
router_free(AlgsimRouter *r)
{
  g_hash_table_unref(r->expects);
  g_ptr_array_unref(r->timers);
  g_free(r->error);
  g_free(r);
}

/* AlgOps.create has no context argument: alg_attach() called it because router.alg names this
 * plugin, so the key says which one. */
static gpointer
plugin_create(const Config *cfg, Nat *nat, GError **error)
{
  const PluginAlg *pa = find_loaded(cfg_str(cfg, "router.alg"));
  g_assert(pa);
  AlgsimRouter *r = g_new0(AlgsimRouter, 1);
  r->pa = pa;
  r->nat = nat;
  r->expects = g_hash_table_new_full(g_int64_hash, g_int64_equal, g_free, g_free);
  r->timers = g_ptr_array_new_with_free_func(g_free);
  if (pa->plugin->create && pa->plugin->create(&host, r, &r->state) != 0) {
    g_set_error(error, CFG_ERROR, CFG_ERROR_BAD_VALUE, "[router] alg: plugin '%s' (%s) failed to start: %s",
                pa->ops.name, pa->path, r->error ? r->error : "no reason given");
    router_free(r);
    return NULL;
  }
  return r;
}

static void
plugin_destroy(gpointer state)
{
  AlgsimRouter *r = state;
  if (r->pa->plugin->destroy)
    r->pa->plugin->destroy(r->state);
  router_free(r);
}

static NatAlgVerdict
plugin_packet(gpointer state, NatAlgPacket *p)
{
  AlgsimRouter *r = state;
  const NatTuple *t = nat_binding_tuple(p->binding);
  HostPacket hp = {
    .pub = {
      .host = &host,
      .router = r,
      .dir = p->dir == NAT_DIR_OUT ? ALGSIM_DIR_OUT : ALGSIM_DIR_IN,
      .hairpin = p->hairpin,
      .proto = p->proto,
      .binding_id = nat_binding_id(p->binding),
      .internal = { t->internal.addr, t->internal.port },
      .external = { t->external.addr, t->external.port },
      .remote = { t->remote.addr, t->remote.port },
      .tcp_seq = p->tcp_seq,
      .now_ns = p->now,
    },
    .p = p,
  };
  sync_payload(&hp.pub);
  r->now = p->now;
  return r->pa->plugin->packet(r->state, &hp.pub) == ALGSIM_DROP ? NAT_ALG_DROP : NAT_ALG_PASS;
}

/* ---- Loading ---------------------------------------------------------------------------------- */

static gboolean
valid_name(const char *name)
{
  if (!name || !*name || strlen(name) > 32)
    return FALSE;
  for (const char *c = name; *c; c++)
    if (!g_ascii_islower(*c) && !g_ascii_isdigit(*c) && *c != '_' && *c != '-')
      return FALSE;
  return TRUE;
}

static gboolean
plugin_fail(GError **error, AlgPluginError code, const char *path, const char *fmt, ...) G_GNUC_PRINTF(4, 5);

static gboolean
plugin_fail(GError **error, AlgPluginError code, const char *path, const char *fmt, ...)
{
  va_list ap;
  va_start(ap, fmt);
  g_autofree char *msg = g_strdup_vprintf(fmt, ap);
  va_end(ap);
  g_set_error(error, ALG_PLUGIN_ERROR, code, "%s: %s", path, msg);
  return FALSE;
}

/* Check the entry table before anything of it is used. */
static gboolean
check_plugin(const char *path, const AlgsimAlgPlugin *pl, GError **error)
{
  if (pl->abi_version != ALGSIM_ALG_ABI_VERSION)
    return plugin_fail(error, ALG_PLUGIN_ERROR_ABI, path, "built for ALG ABI %u, this algsim speaks %d",
                       pl->abi_version, ALGSIM_ALG_ABI_VERSION);
  if (!valid_name(pl->name))
    return plugin_fail(error, ALG_PLUGIN_ERROR_INVALID, path,
                       "invalid ALG plugin: name must be 1-32 characters of [a-z0-9_-]");
  if (!pl->packet)
    return plugin_fail(error, ALG_PLUGIN_ERROR_INVALID, path,
                       "invalid ALG plugin '%s': required callback 'packet' is missing", pl->name);
  return TRUE;
}

const char *
alg_plugin_load(const char *path, GError **error)
{
  g_return_val_if_fail(path, NULL);
  for (guint i = 0; loaded && i < loaded->len; i++) { /* loading a file twice is harmless */
    const PluginAlg *pa = loaded->pdata[i];
    if (strcmp(pa->path, path) == 0)
      return pa->ops.name;
  }
  if (!g_file_test(path, G_FILE_TEST_IS_REGULAR))
    return plugin_fail(error, ALG_PLUGIN_ERROR_NOT_FOUND, path, "no such file"), NULL;
  /* A path without a directory would be searched for in the library path: pin it here. */
  g_autofree char *open_path = g_path_is_absolute(path) || strchr(path, '/') ? g_strdup(path)
                                                                              : g_build_filename(".", path, NULL);
  GModule *module = g_module_open_full(open_path, G_MODULE_BIND_LOCAL, NULL);
  if (!module)
    return plugin_fail(error, ALG_PLUGIN_ERROR_NOT_MODULE, path, "not a loadable shared object: %s",
                       g_module_error()), NULL;
  gpointer sym = NULL;
  if (!g_module_symbol(module, ALGSIM_ALG_PLUGIN_SYMBOL, &sym) || !sym) {
    g_module_close(module);
    return plugin_fail(error, ALG_PLUGIN_ERROR_NO_SYMBOL, path,
                       "not an algsim ALG plugin: symbol " ALGSIM_ALG_PLUGIN_SYMBOL " not found"), NULL;
  }
  const AlgsimAlgPlugin *pl = sym;
  if (!check_plugin(path, pl, error)) {
    g_module_close(module);
    return NULL;
  }
  if (alg_lookup(pl->name)) {
    plugin_fail(error, ALG_PLUGIN_ERROR_INVALID, path, "ALG name '%s' is already taken", pl->name);
    g_module_close(module); /* pl is gone from here on */
    return NULL;
  }
  g_module_make_resident(module);
  PluginAlg *pa = g_new0(PluginAlg, 1);
  pa->plugin = pl;
  pa->path = g_strdup(path);
  pa->module = module;
  pa->source = g_strdup_printf("plugin %s: %s", path, pl->source ? pl->source : "(no source given)");
  pa->ops = (AlgOps){
    .name = pl->name,
    .summary = pl->summary ? pl->summary : "(vendor ALG plugin)",
    .source = pa->source,
    .keys = NULL,
    .create = plugin_create,
    .destroy = plugin_destroy,
    .packet = plugin_packet,
  };
  if (!loaded)
    loaded = g_ptr_array_new();
  g_ptr_array_add(loaded, pa);
  alg_register(&pa->ops);
  return pa->ops.name;
}
