/* alg-replay.c — `algsim alg replay`: one case of the Linux ALG corpus, replayed through the
 * simulated router, mirroring shared/tools/real-alg-testbed.sh step by step: the same topology
 * and addresses, the same socket choices (a pbx2phone step goes to the public port the pbx last
 * saw the phone use), one second per step, TCP split sends 0.3 s apart, and the --rtp-probe
 * datagrams (one per rtp/rtcp port of the phone's latest SDP as the pbx saw it, from
 * --probe-src; a "before" probe to the public address before the first step).  --no-nat builds
 * the router route-only (router.h), as the testbed drops its masquerade rule and routes the LAN
 * from the pbx: fixtures in tests/data/alg-nonat.
 */
#include "alg-replay.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "alg.h"
#include "models.h"
#include "router.h"
#include "sim.h"

#define PHONE_IP "192.168.1.50"
#define WAN_IP "203.0.113.2"
#define STEP_TIME SIM_S(1)      /* the testbed's receive timeout per step */
#define PROBE_TIME SIM_MS(500)  /* and per probe */

enum { SIDE_PHONE, SIDE_PBX };

typedef struct Replay Replay;

/* A bound UDP socket on one side. */
typedef struct {
  Replay *rp;    /* owner */
  int side;      /* SIDE_PHONE or SIDE_PBX */
  SimAddr local; /* bound address and port */
  SimSock sock;  /* the socket */
} RSock;

/* A datagram received by one side. */
typedef struct {
  GBytes *data;  /* payload */
  SimAddr from;  /* source as the receiver saw it */
  SimAddr local; /* receiving socket */
} RDgram;

struct Replay {
  const AlgReplayOpts *o;  /* options */
  SimNode host[2];         /* phone and pbx hosts */
  Router *router;          /* the router under test */
  GPtrArray *socks;        /* RSock * */
  GPtrArray *rx[2];        /* RDgram * received per side since the last clear */
  SimSock tcp_listen;      /* pbx listener, -1 */
  SimAddr tcp_listen_at;   /* its address */
  SimSock tcp[2];          /* phone connection, accepted pbx connection; -1 */
  SimAddr tcp_peer;        /* the phone as the pbx saw it */
  GByteArray *tcp_rx[2];   /* stream bytes received per side */
  GHashTable *last_public; /* pbx port -> SimAddr of the phone as the pbx last saw it */
  GBytes *sdp_sent;        /* the phone's latest SDP message as sent, or NULL */
  GBytes *sdp_seen;        /* as the pbx received it, or NULL */
  GString *rep;            /* report */
};

static void
rdgram_free(gpointer p)
{
  RDgram *d = p;
  g_bytes_unref(d->data);
  g_free(d);
}

static char *
fmt_ep(SimAddr a)
{
  char b[16];
  return g_strdup_printf("%s:%u", sim_addr_format(a.addr, b), a.port);
}

static guint32
ip(const char *s)
{
  guint32 a = 0;
  sim_addr_parse(s, &a);
  return a;
}

/* ---- Sockets ----------------------------------------------------------------------------------- */

static void
udp_recv(void *ctx, SimSock sock, const guint8 *data, gsize len, SimAddr from)
{
  (void)sock;
  RSock *s = ctx;
  RDgram *d = g_new0(RDgram, 1);
  d->data = g_bytes_new(data, len);
  d->from = from;
  d->local = s->local;
  g_ptr_array_add(s->rp->rx[s->side], d);
}

static const SimSockOps udp_ops = { .recv = udp_recv };

static RSock *
usock(Replay *rp, int side, guint32 addr, guint16 port, GError **error)
{
  for (guint i = 0; port && i < rp->socks->len; i++) {
    RSock *s = rp->socks->pdata[i];
    if (s->side == side && s->local.addr == addr && s->local.port == port)
      return s;
  }
  RSock *s = g_new0(RSock, 1);
  s->rp = rp;
  s->side = side;
  s->sock = sim_udp_open(rp->host[side], (SimAddr){ addr, port }, &udp_ops, s, error);
  if (s->sock < 0) {
    g_free(s);
    return NULL;
  }
  s->local = sim_sock_local(s->sock);
  s->local.addr = addr;
  g_ptr_array_add(rp->socks, s);
  return s;
}

static void
tcp_recv(void *ctx, SimSock sock, const guint8 *data, gsize len, SimAddr from)
{
  (void)from;
  Replay *rp = ctx;
  int side = sock == rp->tcp[SIDE_PHONE] ? SIDE_PHONE : SIDE_PBX;
  g_byte_array_append(rp->tcp_rx[side], data, (guint)len);
}

static void
tcp_accepted(void *ctx, SimSock listener, SimSock conn, SimAddr peer)
{
  (void)listener;
  Replay *rp = ctx;
  if (rp->tcp[SIDE_PBX] < 0) {
    rp->tcp[SIDE_PBX] = conn;
    rp->tcp_peer = peer;
  }
}

static const SimSockOps tcp_ops = { .recv = tcp_recv, .accepted = tcp_accepted };

/* ---- Sending from inside the simulation ------------------------------------------------------- */

typedef struct {
  SimSock sock;  /* from */
  gboolean tcp;  /* stream send */
  SimAddr to;    /* UDP destination */
  GBytes *data;  /* bytes */
} SendOp;

static void
send_fire(void *data)
{
  SendOp *op = data;
  gsize len;
  const guint8 *b = g_bytes_get_data(op->data, &len);
  if (op->tcp)
    sim_tcp_send(op->sock, b, len);
  else
    sim_udp_send(op->sock, op->to, b, len);
  g_bytes_unref(op->data);
  g_free(op);
}

static void
send_now(SimSock sock, gboolean tcp, SimAddr to, const guint8 *data, gsize len)
{
  SendOp *op = g_new0(SendOp, 1);
  op->sock = sock;
  op->tcp = tcp;
  op->to = to;
  op->data = g_bytes_new(data, len);
  sim_schedule(0, send_fire, op);
}

static void
run_for(SimTime t)
{
  sim_run(sim_now() + t);
}

/* ---- SDP as the testbed reads it (sdp_media) ------------------------------------------------- */

typedef struct {
  char addr[64]; /* c= address ("" = none) */
  guint port;    /* m= port */
} Media;

static GArray *
sdp_media(GBytes *msg)
{
  GArray *res = g_array_new(FALSE, TRUE, sizeof(Media));
  if (!msg)
    return res;
  gsize len;
  const char *d = g_bytes_get_data(msg, &len);
  g_autofree char *text = g_strndup(d, len);
  const char *v = strstr(text, "\nv=");
  if (!v)
    return res;
  g_auto(GStrv) lines = g_regex_split_simple("\r?\n", v + 1, 0, 0);
  char sess[64] = "";
  Media cur = { "", 0 };
  gboolean in_media = FALSE;
  for (guint i = 0; lines[i]; i++) {
    const char *l = lines[i];
    if (g_str_has_prefix(l, "c=IN IP4 ")) {
      g_autofree char *a = g_strdup(l + 9);
      char *slash = strchr(a, '/');
      if (slash)
        *slash = '\0';
      g_strstrip(a);
      g_strlcpy(in_media ? cur.addr : sess, a, sizeof sess);
    } else if (g_str_has_prefix(l, "m=")) {
      if (in_media)
        g_array_append_val(res, cur);
      g_auto(GStrv) parts = g_strsplit_set(l + 2, " \t", -1);
      guint port = 0;
      if (parts[0] && parts[1]) {
        char *end;
        long p = strtol(parts[1], &end, 10);
        port = (end != parts[1] && (*end == '\0' || *end == '/') && p > 0) ? (guint)p : 0;
      }
      memset(&cur, 0, sizeof cur);
      g_strlcpy(cur.addr, sess, sizeof cur.addr);
      cur.port = port;
      in_media = TRUE;
    }
  }
  if (in_media)
    g_array_append_val(res, cur);
  for (guint i = res->len; i-- > 0;)
    if (!g_array_index(res, Media, i).port)
      g_array_remove_index(res, i);
  return res;
}

static void
probe(Replay *rp, const char *label, gint sport, GError **error)
{
  if (!rp->sdp_sent)
    return;
  const AlgReplayOpts *o = rp->o;
  g_autoptr(GArray) sent = sdp_media(rp->sdp_sent);
  g_autoptr(GArray) seen = rp->sdp_seen ? sdp_media(rp->sdp_seen) : NULL;
  if (!seen) {
    seen = g_array_new(FALSE, TRUE, sizeof(Media));
    for (guint i = 0; i < sent->len; i++) {
      Media m = { WAN_IP, g_array_index(sent, Media, i).port };
      g_array_append_val(seen, m);
    }
  }
  for (guint i = 0; i < sent->len; i++)
    for (guint off = 0; off < 2; off++)
      usock(rp, SIDE_PHONE, ip(PHONE_IP), (guint16)(g_array_index(sent, Media, i).port + off), NULL);
  g_string_append_printf(rp->rep, "  rtp probe [%s] from %s:\n", label, o->probe_src);
  for (guint i = 0; i < MIN(sent->len, seen->len); i++) {
    const Media *pm = &g_array_index(sent, Media, i), *tm = &g_array_index(seen, Media, i);
    for (guint off = 0; off < 2; off++) {
      const char *kind = off ? "rtcp" : "rtp";
      guint tp = tm->port + off;
      guint16 sp = (guint16)(sport + 2 * (gint)i + (gint)off);
      if (!tm->addr[0]) {
        g_string_append_printf(rp->rep, "    %s: no c= address, nothing to probe\n", kind);
        continue;
      }
      if (!(g_str_has_prefix(tm->addr, "203.0.113.") || g_str_equal(tm->addr, PHONE_IP))) {
        g_string_append_printf(rp->rep,
                               "    %-4s -> %s:%u : not probed (address is not inside the testbed)\n",
                               kind, tm->addr, tp);
        continue;
      }
      if (g_str_equal(tm->addr, PHONE_IP) && !o->no_nat) {
        /* The pbx has no route to the LAN. */
        g_string_append_printf(rp->rep,
                               "    %-4s -> %s:%u : not sent from the WAN side (Network is unreachable)\n",
                               kind, tm->addr, tp);
        continue;
      }
      RSock *tx = usock(rp, SIDE_PBX, ip(o->probe_src), sp, error);
      if (!tx)
        return;
      g_autofree char *payload = g_strdup_printf("PROBE %s %s:%u", label, tm->addr, tp);
      g_ptr_array_set_size(rp->rx[SIDE_PHONE], 0);
      send_now(tx->sock, FALSE, (SimAddr){ ip(tm->addr), (guint16)tp }, (const guint8 *)payload,
               strlen(payload));
      run_for(PROBE_TIME);
      RDgram *got = NULL;
      for (guint k = 0; k < rp->rx[SIDE_PHONE]->len && !got; k++) {
        RDgram *d = rp->rx[SIDE_PHONE]->pdata[k];
        gsize n;
        const char *b = g_bytes_get_data(d->data, &n);
        if (n >= 5 && memcmp(b, "PROBE", 5) == 0)
          got = d;
      }
      if (got) {
        g_autofree char *at = fmt_ep(got->local), *from = fmt_ep(got->from);
        g_string_append_printf(rp->rep,
                               "    %-4s %s:%u -> %s:%u : DELIVERED to phone %s (phone sees source %s)\n",
                               kind, o->probe_src, sp, tm->addr, tp, at, from);
      } else {
        g_string_append_printf(rp->rep, "    %-4s %s:%u -> %s:%u : not delivered (phone listens on %u)\n",
                               kind, o->probe_src, sp, tm->addr, tp, pm->port + off);
      }
    }
  }
}

/* ---- Steps ----------------------------------------------------------------------------------- */

static GBytes *
step(Replay *rp, guint idx, const AlgReplayStep *sp, gboolean is_case, GError **error)
{
  gsize dlen;
  g_autofree char *raw = NULL;
  if (!g_file_get_contents(sp->file, &raw, &dlen, error))
    return NULL;
  const guint8 *data = (const guint8 *)raw;
  gboolean p2p = g_str_equal(sp->dir, "phone2pbx");
  guint32 pbx = ip(sp->pbx_addr), phone = ip(PHONE_IP);
  g_autofree char *base = g_path_get_basename(sp->file);
  g_string_append_printf(rp->rep, "==============================================================================\n"
                                  "step %u%s: %s %s %s (%" G_GSIZE_FORMAT " bytes)\n",
                         idx, is_case ? " [CASE]" : "", sp->dir, sp->proto, base, dlen);
  GBytes *recv = NULL;
  g_autofree char *meta = NULL;
  if (g_str_equal(sp->proto, "udp")) {
    RSock *tx;
    SimAddr to;
    int rx_side;
    if (p2p) {
      guint16 dport = (guint16)(sp->dport ? sp->dport : 5060);
      tx = usock(rp, SIDE_PHONE, phone, (guint16)sp->sport, error);
      if (!tx || !usock(rp, SIDE_PBX, pbx, dport, error) ||
          (sp->sport != 5060 && !usock(rp, SIDE_PHONE, phone, 5060, error)))
        return NULL;
      to = (SimAddr){ pbx, dport };
      rx_side = SIDE_PBX;
    } else {
      guint16 sport = (guint16)(sp->sport ? sp->sport : 5060);
      tx = usock(rp, SIDE_PBX, pbx, sport, error);
      guint16 dport = (guint16)sp->dport;
      if (!dport) {
        SimAddr *lp = g_hash_table_lookup(rp->last_public, GUINT_TO_POINTER(sport));
        dport = lp ? lp->port : 5060;
      }
      if (!tx || !usock(rp, SIDE_PHONE, phone, 5060, error))
        return NULL;
      to = (SimAddr){ ip(rp->o->to_addr), dport };
      rx_side = SIDE_PHONE;
    }
    g_autofree char *a = fmt_ep(tx->local), *b = fmt_ep(to);
    g_string_append_printf(rp->rep, "  sent   %s -> %s\n", a, b);
    g_ptr_array_set_size(rp->rx[rx_side], 0);
    send_now(tx->sock, FALSE, to, data, dlen);
    run_for(STEP_TIME);
    if (rp->rx[rx_side]->len) {
      RDgram *d = rp->rx[rx_side]->pdata[0];
      recv = g_bytes_ref(d->data);
      g_autofree char *f = fmt_ep(d->from), *l = fmt_ep(d->local);
      meta = g_strdup_printf("recv   %s -> %s", f, l);
      if (p2p) {
        SimAddr *lp = g_new(SimAddr, 1);
        *lp = d->from;
        g_hash_table_insert(rp->last_public, GUINT_TO_POINTER(d->local.port), lp);
      }
    }
  } else {
    int rx_side = p2p ? SIDE_PBX : SIDE_PHONE;
    SimSock tx;
    if (p2p) {
      guint16 dport = (guint16)(sp->dport ? sp->dport : 5060);
      if (rp->tcp[SIDE_PHONE] < 0) {
        if (rp->tcp_listen < 0) {
          rp->tcp_listen_at = (SimAddr){ pbx, dport };
          rp->tcp_listen = sim_tcp_listen(rp->host[SIDE_PBX], rp->tcp_listen_at, &tcp_ops, rp, error);
          if (rp->tcp_listen < 0)
            return NULL;
        }
        rp->tcp[SIDE_PHONE] = sim_tcp_connect(rp->host[SIDE_PHONE], (SimAddr){ phone, (guint16)sp->sport },
                                              (SimAddr){ pbx, dport }, &tcp_ops, rp, error);
        if (rp->tcp[SIDE_PHONE] < 0)
          return NULL;
        run_for(SIM_MS(500));
        if (rp->tcp[SIDE_PBX] < 0) {
          g_set_error(error, SIM_ERROR, SIM_ERROR_STATE, "TCP connection to %s:%u failed",
                      sp->pbx_addr, dport);
          return NULL;
        }
        g_hash_table_insert(rp->last_public, GUINT_TO_POINTER(dport), g_memdup2(&rp->tcp_peer, sizeof(SimAddr)));
      }
      tx = rp->tcp[SIDE_PHONE];
    } else {
      if (rp->tcp[SIDE_PBX] < 0) {
        g_set_error(error, SIM_ERROR, SIM_ERROR_STATE,
                    "no TCP connection to send on (a pbx2phone TCP step needs an earlier phone2pbx TCP step)");
        return NULL;
      }
      tx = rp->tcp[SIDE_PBX];
    }
    g_byte_array_set_size(rp->tcp_rx[rx_side], 0);
    if (sp->split > 0 && (gsize)sp->split < dlen) {
      send_now(tx, TRUE, (SimAddr){ 0, 0 }, data, (gsize)sp->split);
      run_for(SIM_MS(300));
      send_now(tx, TRUE, (SimAddr){ 0, 0 }, data + sp->split, dlen - (gsize)sp->split);
      g_string_append_printf(rp->rep, "  (sent as two segments: %d + %" G_GSIZE_FORMAT " bytes)\n",
                             sp->split, dlen - (gsize)sp->split);
    } else {
      send_now(tx, TRUE, (SimAddr){ 0, 0 }, data, dlen);
    }
    run_for(STEP_TIME + SIM_S(1));
    if (rp->tcp_rx[rx_side]->len) {
      recv = g_bytes_new(rp->tcp_rx[rx_side]->data, rp->tcp_rx[rx_side]->len);
      meta = g_strdup("recv   (TCP stream)");
    }
  }
  if (recv) {
    g_string_append_printf(rp->rep, "  %s\n  %" G_GSIZE_FORMAT " bytes sent, %" G_GSIZE_FORMAT
                                    " bytes received (delta %+" G_GSSIZE_FORMAT ")\n",
                           meta, dlen, g_bytes_get_size(recv),
                           (gssize)g_bytes_get_size(recv) - (gssize)dlen);
    gboolean same = g_bytes_get_size(recv) == dlen && memcmp(g_bytes_get_data(recv, NULL), data, dlen) == 0;
    g_string_append(rp->rep, same ? "  payload UNCHANGED\n" : "  payload changed\n");
  } else {
    g_string_append(rp->rep, "  NOTHING RECEIVED within 1.0s (dropped, or not routed)\n");
  }
  if (p2p && memmem(data, dlen, "\nv=", 3)) {
    g_clear_pointer(&rp->sdp_sent, g_bytes_unref);
    g_clear_pointer(&rp->sdp_seen, g_bytes_unref);
    rp->sdp_sent = g_bytes_new(data, dlen);
    gsize rl = 0;
    const guint8 *rd = recv ? g_bytes_get_data(recv, &rl) : NULL;
    if (rd && memmem(rd, rl, "\nv=", 3))
      rp->sdp_seen = g_bytes_ref(recv);
  }
  return recv ? recv : g_bytes_new(NULL, 0);
}

/* ---- Options, world, run --------------------------------------------------------------------- */

void
alg_replay_opts_init(AlgReplayOpts *o)
{
  memset(o, 0, sizeof *o);
  o->alg = "linux";
  o->dir = "phone2pbx";
  o->proto = "udp";
  o->sport = 5060;
  o->to_addr = WAN_IP;
  o->pbx_addr = "203.0.113.10";
  o->helper_ports = "5060";
  o->probe_src = "203.0.113.10";
  o->probe_sport = 20000;
}

static char *
resolve(const AlgReplayOpts *o, const char *path)
{
  if (g_path_is_absolute(path) || !o->base_dir)
    return g_strdup(path);
  return g_build_filename(o->base_dir, path, NULL);
}

static void
step_clear(gpointer p)
{
  AlgReplayStep *s = p;
  g_free(s->dir);
  g_free(s->proto);
  g_free(s->file);
  g_free(s->pbx_addr);
}

static gboolean bad(GError **error, const char *fmt, ...) G_GNUC_PRINTF(2, 3);

static gboolean
bad(GError **error, const char *fmt, ...)
{
  va_list ap;
  va_start(ap, fmt);
  g_autofree char *msg = g_strdup_vprintf(fmt, ap);
  va_end(ap);
  g_set_error_literal(error, CFG_ERROR, CFG_ERROR_BAD_VALUE, msg);
  return FALSE;
}

static gboolean
check_dir_proto(const char *dir, const char *proto, GError **error)
{
  if (!g_str_equal(dir, "phone2pbx") && !g_str_equal(dir, "pbx2phone"))
    return bad(error, "--dir must be phone2pbx or pbx2phone, got '%s'", dir);
  if (!g_str_equal(proto, "udp") && !g_str_equal(proto, "tcp"))
    return bad(error, "--proto must be udp or tcp, got '%s'", proto);
  return TRUE;
}

static gboolean
parse_port(const char *text, gint *out, gboolean allow_empty, GError **error)
{
  if (allow_empty && (!text || !*text))
    return TRUE;
  char *end;
  long v = strtol(text, &end, 10);
  if (!*text || *end || v < 0 || v > 65535)
    return bad(error, "expected a port 0..65535, got '%s'", text);
  *out = (gint)v;
  return TRUE;
}

static GArray *
build_steps(const AlgReplayOpts *o, GError **error)
{
  g_autoptr(GArray) steps = g_array_new(FALSE, TRUE, sizeof(AlgReplayStep));
  g_array_set_clear_func(steps, step_clear);
  for (guint i = 0; o->pre && o->pre[i]; i++) {
    g_auto(GStrv) f = g_strsplit(o->pre[i], ":", 6);
    if (g_strv_length(f) < 3 || !check_dir_proto(f[0], f[1], error)) {
      if (error && !*error)
        bad(error, "--pre: expected DIR:PROTO:FILE[:SPORT[:DPORT[:PBXADDR]]], got '%s'", o->pre[i]);
      return NULL;
    }
    AlgReplayStep s = { .sport = 5060 };
    if ((f[3] && !parse_port(f[3], &s.sport, TRUE, error)) ||
        (f[3] && f[4] && !parse_port(f[4], &s.dport, TRUE, error)))
      return NULL;
    s.dir = g_strdup(f[0]);
    s.proto = g_strdup(f[1]);
    s.file = resolve(o, f[2]);
    s.pbx_addr = g_strdup(f[3] && f[4] && f[5] && *f[5] ? f[5] : o->pbx_addr);
    g_array_append_val(steps, s);
  }
  if (!check_dir_proto(o->dir, o->proto, error))
    return NULL;
  AlgReplayStep c = {
    .dir = g_strdup(o->dir),
    .proto = g_strdup(o->proto),
    .file = resolve(o, o->case_file),
    .sport = o->sport,
    .dport = o->dport,
    .split = g_str_equal(o->proto, "tcp") ? o->split : 0,
    .pbx_addr = g_strdup(o->case_pbx_addr ? o->case_pbx_addr : o->pbx_addr),
  };
  g_array_append_val(steps, c);
  return g_steal_pointer(&steps);
}

/* --param NAME=VALUE: the module parameter NAME of this ALG is the key alg.<alg>_<NAME>[_s]. */
static gboolean
apply_param(Config *cfg, const char *alg, const char *kv, GError **error)
{
  const char *eq = strchr(kv, '=');
  if (!eq)
    return bad(error, "--param: expected NAME=VALUE, got '%s'", kv);
  g_autofree char *name = g_strndup(kv, (gsize)(eq - kv));
  if (g_str_equal(name, "ports"))
    return bad(error, "--param: parameter %s is read-only (set it at boot: nf_conntrack_sip.ports=...; "
                      "use -H for the helper ports)", name);
  g_autofree char *key = g_strdup_printf("alg.%s_%s", alg, name);
  g_autofree char *key_s = g_strdup_printf("alg.%s_%s_s", alg, name);
  const char *k = cfg_key_lookup(key) ? key : cfg_key_lookup(key_s) ? key_s : NULL;
  if (!k || g_str_has_suffix(name, "helper_ports"))
    return bad(error, "--param: no such parameter %s", name);
  return cfg_set(cfg, k, eq + 1, "--param", error);
}

static Config *
replay_config(const AlgReplayOpts *o, GError **error)
{
  models_register_keys();
  g_autoptr(Config) cfg = cfg_new();
  if (!alg_lookup(o->alg)) {
    g_autofree char *names = alg_names();
    g_set_error(error, CFG_ERROR, CFG_ERROR_BAD_VALUE, "--alg: unknown ALG '%s' (expected %s)", o->alg, names);
    return NULL;
  }
  if (!cfg_set(cfg, "router.alg", o->alg, "--alg", error))
    return NULL;
  g_autofree char *hp = g_strdup_printf("alg.%s_helper_ports", o->alg);
  if (cfg_key_lookup(hp) && !cfg_set(cfg, hp, o->helper_ports, "-H", error))
    return NULL;
  for (guint i = 0; o->params && o->params[i]; i++)
    if (!apply_param(cfg, o->alg, o->params[i], error))
      return NULL;
  if (o->snat_ports) {
    g_auto(GStrv) lh = g_strsplit(o->snat_ports, "-", 2);
    gint lo = 0, hi = 0;
    if (g_strv_length(lh) != 2 || !parse_port(lh[0], &lo, FALSE, error) ||
        !parse_port(lh[1], &hi, FALSE, error) || lo < 1 || hi < lo) {
      g_clear_error(error);
      return bad(error, "--snat-ports: expected LO-HI, got '%s'", o->snat_ports), NULL;
    }
    if (!cfg_set(cfg, "nat.port_min", lh[0], "--snat-ports", error) ||
        !cfg_set(cfg, "nat.port_max", lh[1], "--snat-ports", error))
      return NULL;
  }
  return g_steal_pointer(&cfg);
}

static gboolean
host_new(Replay *rp, int side, const char *name, SimDev *dev, GError **error)
{
  rp->host[side] = sim_host_new(name, error);
  (void)dev;
  return rp->host[side] >= 0;
}

static gboolean
world_build(Replay *rp, const Config *cfg, GError **error)
{
  RouterSetup setup = { .name = "home", .nat_group = "nat", .index = 0, .uplink_queue = FALSE,
                        .route_only = rp->o->no_nat };
  rp->router = router_new(cfg, &setup, error);
  if (!rp->router)
    return FALSE;
  SimDev pd, pr, rw, bd;
  if (!host_new(rp, SIDE_PHONE, "phone", &pd, error) || !host_new(rp, SIDE_PBX, "pbx", &bd, error))
    return FALSE;
  SimLinkParams lan = { .rate_ab_bps = 100000000, .rate_ba_bps = 100000000, .delay = SIM_MS(1),
                        .queue_b_pkts = 1 };
  SimLinkParams wan = { .rate_ab_bps = 100000000, .rate_ba_bps = 100000000, .delay = SIM_MS(1),
                        .queue_a_pkts = 1 };
  SimNode rn = router_node(rp->router);
  return sim_link_new(rp->host[SIDE_PHONE], rn, &lan, &pd, &pr, error) &&
         sim_link_new(rn, rp->host[SIDE_PBX], &wan, &rw, &bd, error) &&
         sim_host_add_address(pd, ip(PHONE_IP), 24, error) &&
         sim_host_add_route(rp->host[SIDE_PHONE], 0, 0, 0, pd, error) &&
         sim_host_add_address(bd, ip("203.0.113.10"), 24, error) &&
         sim_host_add_address(bd, ip("203.0.113.20"), 24, error) &&
         sim_host_add_route(rp->host[SIDE_PBX], 0, 0, 0, bd, error) &&
         router_add_lan(rp->router, pr, ip("192.168.1.0"), 24, error) &&
         router_set_wan(rp->router, rw, ip(WAN_IP), error);
}

gboolean
alg_replay_run(const AlgReplayOpts *o, GBytes **out, GString *report, GError **error)
{
  g_return_val_if_fail(o && o->case_file && out && report, FALSE);
  *out = NULL;
  g_autoptr(GArray) steps = build_steps(o, error);
  if (!steps)
    return FALSE;
  for (guint i = 0; i < steps->len; i++) {
    const char *f = g_array_index(steps, AlgReplayStep, i).file;
    if (!g_file_test(f, G_FILE_TEST_IS_REGULAR)) {
      g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_NOENT, "cannot read %s", f);
      return FALSE;
    }
  }
  g_autoptr(Config) cfg = replay_config(o, error);
  if (!cfg)
    return FALSE;
  SimWorldParams wp = { .seed = 1 };
  if (!sim_setup(&wp, error))
    return FALSE;
  Replay rp = { .o = o, .tcp_listen = -1, .tcp = { -1, -1 }, .rep = report };
  rp.socks = g_ptr_array_new_with_free_func(g_free);
  rp.rx[0] = g_ptr_array_new_with_free_func(rdgram_free);
  rp.rx[1] = g_ptr_array_new_with_free_func(rdgram_free);
  rp.tcp_rx[0] = g_byte_array_new();
  rp.tcp_rx[1] = g_byte_array_new();
  rp.last_public = g_hash_table_new_full(NULL, NULL, NULL, g_free);
  gboolean ok = world_build(&rp, cfg, error);
  /* --no-nat drops the masquerade rule and with it --snat-ports, as in the testbed. */
  g_string_append_printf(report, "algsim alg replay: alg %s; helper ports: %s; nat: %s%s%s\n",
                         o->alg, o->helper_ports, o->no_nat ? "none" : "masquerade",
                         o->snat_ports && !o->no_nat ? " to :" : "",
                         o->snat_ports && !o->no_nat ? o->snat_ports : "");
  if (ok && o->rtp_probe) {
    for (guint i = 0; i < steps->len && !rp.sdp_sent; i++) {
      const AlgReplayStep *s = &g_array_index(steps, AlgReplayStep, i);
      gsize n;
      g_autofree char *d = NULL;
      if (g_str_equal(s->dir, "phone2pbx") && g_file_get_contents(s->file, &d, &n, NULL) &&
          memmem(d, n, "\nv=", 3))
        rp.sdp_sent = g_bytes_new(d, n);
    }
    if (rp.sdp_sent) {
      g_string_append(report, "==============================================================================\n");
      probe(&rp, "before step 1", o->probe_before_sport ? o->probe_before_sport : o->probe_sport + 1000,
            error);
      g_clear_pointer(&rp.sdp_sent, g_bytes_unref);
    }
  }
  for (guint i = 0; ok && i < steps->len; i++) {
    gboolean last = i + 1 == steps->len;
    GBytes *got = step(&rp, i + 1, &g_array_index(steps, AlgReplayStep, i), last, error);
    if (!got) {
      ok = FALSE;
      break;
    }
    if (last)
      *out = got;
    else
      g_bytes_unref(got);
    if (o->rtp_probe && (o->probe_each || last)) {
      g_autofree char *label = g_strdup_printf("after step %u", i + 1);
      probe(&rp, label, o->probe_sport + (o->probe_each ? 100 * (gint)i : 0), error);
    }
  }
  if (error && *error)
    ok = FALSE;
  if (ok) {
    const RouterStats *st = router_stats(rp.router);
    g_string_append_printf(report, "==============================================================================\n"
                                   "router: dropped by the ALG %" G_GUINT64_FORMAT ", no binding %" G_GUINT64_FORMAT
                                   ", filtered %" G_GUINT64_FORMAT ", for the router itself or not routed %"
                                   G_GUINT64_FORMAT "; expectations now %u, flows they admitted %"
                                   G_GUINT64_FORMAT "\n",
                           st->dropped_alg, st->dropped_no_binding, st->dropped_filtered, st->dropped_other,
                           nat_expect_count(router_nat(rp.router)),
                           nat_stats(router_nat(rp.router))->expect_matched);
  }
  if (!ok)
    g_clear_pointer(out, g_bytes_unref);
  for (guint i = 0; i < rp.socks->len; i++)
    sim_sock_close(((RSock *)rp.socks->pdata[i])->sock);
  g_ptr_array_unref(rp.socks);
  g_ptr_array_unref(rp.rx[0]);
  g_ptr_array_unref(rp.rx[1]);
  g_byte_array_unref(rp.tcp_rx[0]);
  g_byte_array_unref(rp.tcp_rx[1]);
  g_hash_table_unref(rp.last_public);
  g_clear_pointer(&rp.sdp_sent, g_bytes_unref);
  g_clear_pointer(&rp.sdp_seen, g_bytes_unref);
  router_free(rp.router);
  sim_reset();
  return ok;
}
