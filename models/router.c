/* router.c — a home router (or carrier NAT) as a stackless sim node: NAT, ALG hook, fragments,
 * MTU, TTL, per-port output queues and scheduled reboots.
 *
 * The forwarding path follows a Linux-based router: a received packet is checked (RFC 1812
 * §5.2.2: length, version, header checksum), fragments are reassembled before NAT as Linux's
 * conntrack does (nf_defrag_ipv4; or translated one by one, or dropped: router.fragments), the
 * NAT translates it (models/nat; the ALG hook runs inside), the TTL is decremented (RFC 1812
 * §5.3.1), and the packet goes to the port that reaches its destination.  The output enforces
 * the MTU (ns-3 does not): fragment, or with DF drop and send ICMP "fragmentation needed" with
 * the next-hop MTU (RFC 1191).  WAN output goes through the uplink queue (models/qos/queue.h)
 * which feeds the device whenever it is idle; LAN ports have a drop-tail FIFO.  A reboot clears
 * NAT, ALG, reassembly and queue state, and may keep the router down for a while.
 */
#include "router.h"

#include <string.h>

#include "alg/alg.h"
#include "nat/nat.h"
#include "net/frag.h"
#include "qos/queue.h"

const CfgKeyDef router_keys[] = {
  { "router.wan_mtu_bytes", CFG_INT, "bytes", "1500", "68..65535",
    "MTU of the WAN port; bigger packets are fragmented, or dropped when DF is set (RFC 791, "
    "RFC 1191)." },
  { "router.fragments", CFG_ENUM, "", "reassemble", "reassemble|per-fragment|drop",
    "IPv4 fragments: reassemble before NAT (Linux conntrack, nf_defrag_ipv4), translate each "
    "with the first fragment's ports, or drop them (the fragment dropper of design.md §5)." },
  { "router.reasm_timeout_s", CFG_INT, "s", "30", "1..3600",
    "Reassembly timeout from the first fragment (Linux ipfrag_time 30 s)." },
  { "router.reasm_max_datagrams", CFG_INT, "datagrams", "64", "1..100000",
    "Datagrams held for reassembly at most; Linux bounds this by memory (ipfrag_high_thresh)." },
  { "router.icmp_errors", CFG_BOOL, "", "true", NULL,
    "Send ICMP fragmentation-needed (RFC 1191) and TTL-exceeded (RFC 1812 §5.3.1) errors." },
  { "router.lan_addr", CFG_ADDR, "", "192.168.1.1", NULL,
    "The router's own LAN address, the source of the ICMP errors it sends to the LAN." },
  { "router.lan_queue_pkts", CFG_INT, "packets", "1000", "1..1000000",
    "Drop-tail buffer of each LAN port (and of the WAN port when it has no uplink queue), like "
    "Linux's default txqueuelen of 1000." },
  { "router.reboot_at_s", CFG_DOUBLE, "s", "0", NULL,
    "Time of a scheduled reboot of the home router (NAT group nat), which clears NAT, ALG and "
    "queue state; 0 or negative: never." },
  { "router.reboot_downtime_s", CFG_DOUBLE, "s", "0", "0..",
    "How long the router drops everything after a reboot (consumer routers take 30-90 s)." },
  { NULL },
};

typedef enum {
  FRAG_REASSEMBLE,
  FRAG_PER_FRAGMENT,
  FRAG_DROP,
} FragMode;

typedef struct Port Port;

/* A packet on an extra-delay line. */
typedef struct {
  guint8 *data;   /* g_malloc'd IPv4 packet */
  gsize len;      /* its length */
  guint32 lan_src; /* LAN source before NAT, for host priority */
} Delayed;

/* One device of the router with its output buffer.  Invariant: a packet is in exactly one of
 * `delayed`, `fifo`/`q`, or handed to the device. */
struct Port {
  Router *r;            /* owner */
  SimDev dev;           /* device */
  gboolean wan;         /* the WAN port */
  guint32 mtu;          /* enforced MTU */
  Queue *q;             /* uplink queue (WAN with RouterSetup.uplink_queue), else NULL */
  GQueue fifo;          /* drop-tail FIFO of Delayed * when q == NULL */
  guint fifo_limit;     /* its limit in packets */
  SimTime extra_delay;  /* router_set_extra_delay() */
  GQueue delayed;       /* Delayed * waiting out extra_delay, in order */
  GQueue delay_events;  /* their SimEvents (as pointers), same order */
};

typedef struct {
  guint32 addr;   /* LAN prefix */
  guint8 prefix;  /* its length */
  Port *port;     /* where it is */
} Route;

struct Router {
  char *name;           /* node name and trace category */
  char *nat_group;      /* "nat" or "cgn" */
  SimNode node;         /* the sim node */
  Nat *nat;             /* the NAT */
  Alg *alg;             /* its ALG (router.alg), on the NAT's hook */
  Reasm *reasm;         /* reassembly buffer */
  FragMode frag_mode;   /* router.fragments */
  guint32 wan_mtu;      /* router.wan_mtu_bytes */
  gboolean icmp_errors; /* router.icmp_errors */
  guint32 lan_addr;     /* router.lan_addr */
  guint lan_queue;      /* router.lan_queue_pkts */
  gboolean uplink_queue; /* the WAN port uses a Queue */
  gboolean route_only;  /* RouterSetup.route_only: no translation */
  QueueParams qparams;  /* its parameters */
  Port *wan;            /* the WAN port, NULL until router_set_wan() */
  guint32 public_addr;  /* WAN address */
  GPtrArray *ports;     /* Port *, every device */
  GArray *routes;       /* Route, LAN prefixes */
  SimTime downtime;     /* router.reboot_downtime_s */
  SimTime down_until;   /* dropping everything until then */
  SimEvent reboot_ev;   /* scheduled reboot */
  RouterStats stats;    /* counters */
};

/* ---- Helpers ------------------------------------------------------------------------------------- */

static void
trace_drop(Router *r, guint64 *counter, const char *reason, const guint8 *ip, gsize len)
{
  (*counter)++;
  char what[64];
  sim_trace(r->name, "drop %s %s", reason, net_packet_describe(ip, len, what));
}

static Port *
port_by_dev(Router *r, SimDev dev)
{
  for (guint i = 0; i < r->ports->len; i++) {
    Port *p = r->ports->pdata[i];
    if (p->dev == dev)
      return p;
  }
  return NULL;
}

/* Longest-prefix match over the LAN routes. */
static Port *
lan_port_for(Router *r, guint32 dst)
{
  Port *best = NULL;
  int best_len = -1;
  for (guint i = 0; i < r->routes->len; i++) {
    Route *rt = &g_array_index(r->routes, Route, i);
    guint32 mask = rt->prefix ? 0xffffffffu << (32 - rt->prefix) : 0;
    if ((dst & mask) == (rt->addr & mask) && rt->prefix > best_len) {
      best = rt->port;
      best_len = rt->prefix;
    }
  }
  return best;
}

static void
delayed_free(gpointer p)
{
  Delayed *d = p;
  g_free(d->data);
  g_free(d);
}

/* ---- Output -------------------------------------------------------------------------------------- */

static void
port_kick(Port *p)
{
  Router *r = p->r;
  SimTime now = sim_now();
  while (sim_dev_can_send(p->dev)) {
    guint8 *data;
    gsize len = 0;
    if (p->q) {
      data = queue_dequeue(p->q, &len, now);
    } else {
      Delayed *d = g_queue_pop_head(&p->fifo);
      data = d ? d->data : NULL;
      len = d ? d->len : 0;
      g_free(d);
    }
    if (!data)
      return;
    if (sim_dev_send_ip(p->dev, data, len)) {
      if (p->wan)
        r->stats.tx_wan++;
      else
        r->stats.tx_lan++;
    } else {
      trace_drop(r, &r->stats.dropped_queue, "device-refused", data, len);
    }
    g_free(data);
  }
}

static void
on_idle(void *ctx, SimDev dev)
{
  port_kick(ctx);
}

static void
port_enqueue_now(Port *p, guint8 *data, gsize len, guint32 lan_src)
{
  Router *r = p->r;
  if (p->q) {
    /* The queue counts and frees what it drops; the router counts it too, with a trace row. */
    guint8 head[IPV4_HDR_MAX + 4];
    gsize head_len = MIN(len, sizeof head);
    memcpy(head, data, head_len);
    if (!queue_enqueue(p->q, data, len, lan_src, sim_now()))
      trace_drop(r, &r->stats.dropped_queue, "queue-full", head, head_len);
  } else if (p->fifo.length >= p->fifo_limit) {
    trace_drop(r, &r->stats.dropped_queue, "queue-full", data, len);
    g_free(data);
  } else {
    Delayed *d = g_new(Delayed, 1);
    *d = (Delayed){ data, len, lan_src };
    g_queue_push_tail(&p->fifo, d);
  }
  port_kick(p);
}

static void
delay_fire(void *ctx)
{
  Port *p = ctx;
  g_queue_pop_head(&p->delay_events);
  Delayed *d = g_queue_pop_head(&p->delayed);
  port_enqueue_now(p, d->data, d->len, d->lan_src);
  g_free(d);
}

/* Take the bytes of `pkt` (freed) onto the port. */
static void
port_send(Port *p, NetBuf *pkt, guint32 lan_src)
{
  gsize len;
  guint8 *data = netbuf_steal(pkt, &len);
  if (p->extra_delay > 0) {
    Delayed *d = g_new(Delayed, 1);
    *d = (Delayed){ data, len, lan_src };
    g_queue_push_tail(&p->delayed, d);
    SimEvent ev = sim_schedule(p->extra_delay, delay_fire, p);
    g_queue_push_tail(&p->delay_events, (gpointer)(guintptr)ev);
    return;
  }
  port_enqueue_now(p, data, len, lan_src);
}

/* Send an ICMP error about `orig` (as its sender sent it) back towards that sender. */
static void
send_icmp_error(Router *r, gboolean to_wan, const guint8 *orig, gsize orig_len, guint8 type,
                guint8 code, guint32 rest)
{
  Ipv4Info o;
  if (!r->icmp_errors || ipv4_parse(orig, orig_len, IPV4_PARSE_QUOTED, &o) != 1)
    return;
  /* RFC 1122 §3.2.2: never about an ICMP error, nor a non-first fragment. */
  if (o.frag_off != 0)
    return;
  if (o.proto == NET_PROTO_ICMP && ipv4_payload_avail(&o, orig_len) >= 1 &&
      icmp_is_error(orig[o.hdr_len]))
    return;
  Port *out = to_wan ? r->wan : lan_port_for(r, o.src);
  if (!out)
    return;
  Ipv4Build b = { .src = to_wan ? r->public_addr : r->lan_addr, .dst = o.src, .ttl = 64 };
  guint8 buf[576];
  gsize n = ipv4_build_icmp_error(buf, sizeof buf, &b, type, code, rest, orig, orig_len);
  if (!n)
    return;
  r->stats.icmp_sent++;
  sim_trace(r->name, "icmp-sent type %u code %u to %u.%u.%u.%u", type, code, o.src >> 24,
            (o.src >> 16) & 0xff, (o.src >> 8) & 0xff, o.src & 0xff);
  port_send(out, netbuf_new(buf, n, 0), 0);
}

/* Enforce the port's MTU, then queue.  `orig` is the packet as its sender sent it (for ICMP). */
static void
output(Router *r, Port *p, NetBuf *pkt, guint32 lan_src, const guint8 *orig, gsize orig_len,
       gboolean sender_on_wan)
{
  guint32 mtu = p->wan ? r->wan_mtu : p->mtu;
  if (pkt->len <= mtu) {
    port_send(p, pkt, lan_src);
    return;
  }
  g_autoptr(GPtrArray) frags = g_ptr_array_new_with_free_func((GDestroyNotify)netbuf_free);
  int n = ipv4_fragment(pkt->data, pkt->len, mtu, frags);
  if (n <= 0) {
    trace_drop(r, &r->stats.dropped_mtu, n == 0 ? "mtu-df" : "mtu-malformed", pkt->data,
               pkt->len);
    if (n == 0)
      send_icmp_error(r, sender_on_wan, orig, orig_len, ICMP_DEST_UNREACH, ICMP_CODE_FRAG_NEEDED,
                      mtu & 0xffff);
    netbuf_free(pkt);
    return;
  }
  netbuf_free(pkt);
  r->stats.fragments_out += (guint)n;
  for (guint i = 0; i < frags->len; i++)
    port_send(p, g_steal_pointer(&frags->pdata[i]), lan_src);
}

/* ---- Receive ------------------------------------------------------------------------------------- */

static void
count_nat_drop(Router *r, NatDropReason why)
{
  /* The NAT wrote the trace row (category nat/cgn) naming the reason; count it here. */
  switch (why) {
  case NAT_DROP_MALFORMED:
  case NAT_DROP_UNSUPPORTED:
    r->stats.dropped_malformed++;
    break;
  case NAT_DROP_FILTERED:
    r->stats.dropped_filtered++;
    break;
  case NAT_DROP_TABLE_FULL:
  case NAT_DROP_NO_PORT:
    r->stats.dropped_table_full++;
    break;
  case NAT_DROP_HAIRPIN_OFF:
    r->stats.dropped_hairpin++;
    break;
  case NAT_DROP_ALG:
    r->stats.dropped_alg++;
    break;
  case NAT_DROP_NO_BINDING:
  case NAT_DROP_ICMP_NO_BINDING:
  case NAT_DROP_FRAGMENT:
  default:
    r->stats.dropped_no_binding++;
    break;
  }
}

static void
forward(Router *r, NetBuf *pkt, gboolean from_wan)
{
  SimTime now = sim_now();
  Ipv4Info ip;
  if (ipv4_parse(pkt->data, pkt->len, 0, &ip) != 1) {
    trace_drop(r, &r->stats.dropped_malformed, "malformed", pkt->data, pkt->len);
    netbuf_free(pkt);
    return;
  }
  /* Keep the packet as its sender sent it, for an ICMP error quoting it (RFC 1812 §4.3.2.3). */
  guint8 orig[IPV4_HDR_MAX + 8];
  gsize orig_len = MIN(pkt->len, ip.hdr_len + 8);
  memcpy(orig, pkt->data, orig_len);
  if (ip.ttl <= 1) {
    trace_drop(r, &r->stats.dropped_ttl, "ttl-exceeded", pkt->data, pkt->len);
    send_icmp_error(r, from_wan, orig, orig_len, ICMP_TIME_EXCEEDED, 0, 0);
    netbuf_free(pkt);
    return;
  }
  Port *out = NULL;
  guint32 lan_src = 0;
  if (!from_wan) {
    lan_src = ip.src;
    if (ip.dst == r->lan_addr) {
      trace_drop(r, &r->stats.dropped_other, "to-router", pkt->data, pkt->len);
      netbuf_free(pkt);
      return;
    }
    Port *lan = lan_port_for(r, ip.dst);
    if (lan) {
      out = lan; /* LAN to LAN: switched, not translated */
    } else if (r->route_only && ip.dst == r->public_addr) {
      trace_drop(r, &r->stats.dropped_other, "to-router", pkt->data, pkt->len);
      netbuf_free(pkt);
      return;
    } else {
      NatVerdict v;
      NatAction a = nat_outbound(r->nat, pkt, now, &v);
      if (a == NAT_DROP) {
        count_nat_drop(r, v.reason);
        netbuf_free(pkt);
        return;
      }
      out = a == NAT_HAIRPIN ? lan_port_for(r, net_get32(pkt->data + 16)) : r->wan;
    }
  } else {
    if (r->route_only && ip.dst == r->public_addr) {
      trace_drop(r, &r->stats.dropped_other, "to-router", pkt->data, pkt->len);
      netbuf_free(pkt);
      return;
    }
    if (r->route_only ? !lan_port_for(r, ip.dst) : ip.dst != r->public_addr) {
      trace_drop(r, &r->stats.dropped_other, "not-for-us", pkt->data, pkt->len);
      netbuf_free(pkt);
      return;
    }
    NatVerdict v;
    if (nat_inbound(r->nat, pkt, now, &v) == NAT_DROP) {
      count_nat_drop(r, v.reason);
      netbuf_free(pkt);
      return;
    }
    out = lan_port_for(r, net_get32(pkt->data + 16));
  }
  if (!out) {
    trace_drop(r, &r->stats.dropped_other, "no-route", pkt->data, pkt->len);
    netbuf_free(pkt);
    return;
  }
  ipv4_dec_ttl(pkt->data);
  output(r, out, pkt, lan_src, orig, orig_len, from_wan);
}

static void
router_recv(void *ctx, SimDev dev, guint8 *data, gsize len)
{
  Router *r = ctx;
  gboolean from_wan = r->wan && dev == r->wan->dev;
  if (from_wan)
    r->stats.rx_wan++;
  else
    r->stats.rx_lan++;
  SimTime now = sim_now();
  reasm_expire(r->reasm, now); /* reports timed-out datagrams even if no fragment of theirs comes */
  if (now < r->down_until) {
    trace_drop(r, &r->stats.dropped_down, "rebooting", data, len);
    return;
  }
  Ipv4Info ip;
  if (ipv4_parse(data, len, 0, &ip) != 1) {
    trace_drop(r, &r->stats.dropped_malformed, "malformed", data, len);
    return;
  }
  if (!ipv4_header_checksum_ok(data, ip.hdr_len)) {
    trace_drop(r, &r->stats.dropped_malformed, "bad-ip-checksum", data, len);
    return;
  }
  /* Spare room lets an ALG lengthen the packet without a reallocation. */
  NetBuf *pkt = netbuf_new(data, ip.total_len, 256);
  if (ipv4_is_fragment(&ip)) {
    if (r->frag_mode == FRAG_DROP) {
      trace_drop(r, &r->stats.dropped_mtu, "fragment-policy", pkt->data, pkt->len);
      netbuf_free(pkt);
      return;
    }
    if (r->frag_mode == FRAG_REASSEMBLE) {
      NetBuf *whole = NULL;
      const char *why = NULL;
      int res = reasm_add(r->reasm, pkt->data, pkt->len, now, &whole, &why);
      if (res < 0)
        trace_drop(r, &r->stats.dropped_reasm, why, pkt->data, pkt->len);
      netbuf_free(pkt);
      if (res != 1)
        return;
      r->stats.reassembled++;
      pkt = whole;
      netbuf_reserve(pkt, pkt->len + 256);
    }
  }
  forward(r, pkt, from_wan);
}

static void
on_reasm_expired(void *ctx, const Ipv4Info *key, SimTime at, gboolean had_first)
{
  Router *r = ctx;
  char t[32], s[16], d[16];
  g_snprintf(t, sizeof t, "%" G_GINT64_FORMAT ".%09" G_GINT64_FORMAT, (gint64)(at / SIM_S(1)),
             (gint64)(at % SIM_S(1)));
  r->stats.dropped_reasm++;
  sim_trace(r->name, "drop reasm-timeout %s %s -> %s id %u at %s", net_proto_name(key->proto),
            sim_addr_format(key->src, s), sim_addr_format(key->dst, d), key->id, t);
}

/* ---- Lifecycle ----------------------------------------------------------------------------------- */

static void
reboot_fire(void *ctx)
{
  Router *r = ctx;
  r->reboot_ev = 0;
  router_reboot(r);
}

Router *
router_new(const Config *cfg, const RouterSetup *setup, GError **error)
{
  g_return_val_if_fail(cfg && setup && setup->name, NULL);
  const char *group = setup->nat_group ? setup->nat_group : "nat";
  NatParams np;
  if (!nat_params_from_config(cfg, group, &np, error))
    return NULL;
  np.route_only = setup->route_only;
  Router *r = g_new0(Router, 1);
  r->name = g_strdup(setup->name);
  r->nat_group = g_strdup(group);
  r->ports = g_ptr_array_new();
  r->routes = g_array_new(FALSE, FALSE, sizeof(Route));
  r->frag_mode = (FragMode)cfg_enum(cfg, "router.fragments");
  r->wan_mtu = (guint32)cfg_int(cfg, "router.wan_mtu_bytes");
  r->icmp_errors = cfg_bool(cfg, "router.icmp_errors");
  r->lan_addr = cfg_addr(cfg, "router.lan_addr");
  r->lan_queue = (guint)cfg_int(cfg, "router.lan_queue_pkts");
  r->downtime = SIM_TIME_FROM_S(cfg_double(cfg, "router.reboot_downtime_s"));
  r->uplink_queue = setup->uplink_queue;
  r->route_only = setup->route_only;
  if (r->uplink_queue && !queue_params_from_config(cfg, &r->qparams, error)) {
    router_free(r);
    return NULL;
  }
  r->node = sim_router_new(setup->name, router_recv, r, error);
  if (r->node < 0) {
    router_free(r);
    return NULL;
  }
  r->nat = nat_new(setup->name, 0, &np, sim_rand_new(SIM_STREAM_NAT + setup->index)); /* traces as "home" */
  r->alg = alg_attach(cfg, r->nat, error);
  if (!r->alg) {
    router_free(r);
    return NULL;
  }
  r->reasm = reasm_new((guint)cfg_int(cfg, "router.reasm_max_datagrams"),
                       SIM_S(cfg_int(cfg, "router.reasm_timeout_s")), REASM_OVERLAP_DISCARD);
  reasm_set_expired_cb(r->reasm, on_reasm_expired, r);
  double at = cfg_double(cfg, "router.reboot_at_s");
  if (at > 0 && g_str_equal(group, "nat"))
    r->reboot_ev = sim_schedule_at(MAX(SIM_TIME_FROM_S(at), sim_now()), reboot_fire, r);
  return r;
}

static void
port_free(Port *p)
{
  gboolean live = sim_is_setup();
  while (p->delay_events.head) {
    SimEvent ev = (SimEvent)(guintptr)g_queue_pop_head(&p->delay_events);
    if (live)
      sim_cancel(ev);
  }
  g_queue_clear_full(&p->delayed, delayed_free);
  g_queue_clear_full(&p->fifo, delayed_free);
  if (live)
    sim_dev_set_idle_cb(p->dev, NULL, NULL);
  if (p->q)
    queue_free(p->q);
  g_free(p);
}

void
router_free(Router *r)
{
  if (!r)
    return;
  if (r->reboot_ev && sim_is_setup())
    sim_cancel(r->reboot_ev);
  for (guint i = 0; i < r->ports->len; i++)
    port_free(r->ports->pdata[i]);
  g_ptr_array_unref(r->ports);
  g_array_unref(r->routes);
  nat_free(r->nat);
  alg_free(r->alg); /* after the NAT: freeing bindings frees the ALG's per-binding state */
  reasm_free(r->reasm);
  g_free(r->name);
  g_free(r->nat_group);
  g_free(r);
}

SimNode
router_node(const Router *r)
{
  return r->node;
}

Nat *
router_nat(Router *r)
{
  return r->nat;
}

const RouterStats *
router_stats(const Router *r)
{
  return &r->stats;
}

static Port *
port_add(Router *r, SimDev dev, gboolean wan)
{
  Port *p = port_by_dev(r, dev);
  if (p)
    return p;
  p = g_new0(Port, 1);
  p->r = r;
  p->dev = dev;
  p->wan = wan;
  p->mtu = sim_dev_mtu(dev);
  if (!p->mtu)
    p->mtu = 1500;
  p->fifo_limit = r->lan_queue;
  g_queue_init(&p->fifo);
  g_queue_init(&p->delayed);
  g_queue_init(&p->delay_events);
  g_ptr_array_add(r->ports, p);
  sim_dev_set_idle_cb(dev, on_idle, p);
  return p;
}

gboolean
router_add_lan(Router *r, SimDev dev, guint32 addr, guint8 prefix_len, GError **error)
{
  g_return_val_if_fail(r, FALSE);
  if (sim_dev_node(dev) != r->node || prefix_len > 32) {
    g_set_error(error, SIM_ERROR, SIM_ERROR_INVALID,
                "router_add_lan: device %d is not on router %s, or prefix /%u", dev, r->name,
                prefix_len);
    return FALSE;
  }
  if (r->wan && r->wan->dev == dev) {
    g_set_error(error, SIM_ERROR, SIM_ERROR_INVALID, "router_add_lan: device %d is the WAN", dev);
    return FALSE;
  }
  Route rt = { addr, prefix_len, port_add(r, dev, FALSE) };
  g_array_append_val(r->routes, rt);
  return TRUE;
}

gboolean
router_set_wan(Router *r, SimDev dev, guint32 public_addr, GError **error)
{
  g_return_val_if_fail(r, FALSE);
  Port *existing = port_by_dev(r, dev);
  if (sim_dev_node(dev) != r->node || (existing && !existing->wan) || r->wan) {
    g_set_error(error, SIM_ERROR, SIM_ERROR_INVALID,
                "router_set_wan: device %d is not a free device of router %s", dev, r->name);
    return FALSE;
  }
  r->wan = port_add(r, dev, TRUE);
  if (r->uplink_queue)
    r->wan->q = queue_new(&r->qparams);
  r->public_addr = public_addr;
  nat_set_public_addr(r->nat, public_addr);
  return TRUE;
}

void
router_set_extra_delay(Router *r, SimDev dev, SimTime delay)
{
  g_return_if_fail(r && delay >= 0);
  Port *p = port_by_dev(r, dev);
  g_return_if_fail(p);
  p->extra_delay = delay;
}

void
router_reboot(Router *r)
{
  g_return_if_fail(r);
  SimTime now = sim_now();
  sim_trace(r->name, "reboot downtime %" G_GINT64_FORMAT " ms", (gint64)(r->downtime / SIM_MS(1)));
  nat_flush(r->nat, now);
  reasm_clear(r->reasm);
  for (guint i = 0; i < r->ports->len; i++) {
    Port *p = r->ports->pdata[i];
    if (p->q)
      queue_clear(p->q);
    g_queue_clear_full(&p->fifo, delayed_free);
    g_queue_init(&p->fifo);
  }
  r->down_until = now + r->downtime;
}
