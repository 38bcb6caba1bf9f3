/* fuzz-nat-common.c — configurations, a payload-driven ALG hook, warm-up traffic and the checked
 * packet runner shared by fuzz-nat.c and fuzz-nat-seq.c.
 *
 * The hook reads a command from the first payload byte so that the fuzzer reaches every ALG
 * service the NAT offers: 'M' mangles (length-changing, so TCP sequence corrections follow), 'D'
 * drops, 'E' opens an expectation owned by the binding, 'T' overrides the binding's timeout, 'F'
 * edits a byte and calls nat_alg_fix_packet(), 'A' attaches ALG state.  The runner checks the
 * promises of nat.h: a passed packet still parses as IPv4 and, when its checksums were right on
 * the way in, they are right on the way out (incremental updates, RFC 1624).
 */
#include "fuzz-nat-common.h"
#include "nat/nat-private.h"

#include <string.h>

void
fz_nat_params_fixed(NatParams *p)
{
  nat_params_default(p);
  p->mapping = NAT_MAP_EIM;
  p->filtering = NAT_FILTER_ADF;
  p->port_alloc = NAT_PORT_PRESERVE_PARITY;
  p->port_min = 5056;
  p->port_max = 5071;
  p->hairpin = TRUE;
  p->max_bindings = 12;
  p->overflow = NAT_OVERFLOW_EVICT_LRU;
  p->port_hold = SIM_S(120);
  p->udp_port_timeouts[0] = (NatPortTimeout){ 5060, SIM_S(180) };
  p->n_udp_port_timeouts = 1;
  p->trace_refresh = TRUE;
}

void
fz_nat_params_from_bytes(NatParams *p, guint8 b0, guint8 b1)
{
  nat_params_default(p);
  p->mapping = (NatMappingKind)(b0 % 3);
  p->filtering = (NatFilterKind)((b0 / 3) % 3);
  p->port_alloc = (NatPortAlloc)((b0 / 9) % 4);
  p->udp_refresh = (b0 & 0x80) ? NAT_REFRESH_OUTBOUND : NAT_REFRESH_BOTH;
  p->hairpin = (b1 & 0x01) != 0;
  p->overflow = (b1 & 0x02) ? NAT_OVERFLOW_EVICT_LRU : NAT_OVERFLOW_REFUSE;
  if (b1 & 0x04) { /* a tiny port range, to reach exhaustion */
    p->port_min = 5060;
    p->port_max = 5063;
  }
  p->port_hold = (b1 & 0x08) ? SIM_S(120) : 0;
  p->trace_refresh = (b1 & 0x10) != 0;
  p->max_bindings = 1 + (guint)(b1 >> 5) * 3;
  if (b0 & 0x40) {
    p->udp_port_timeouts[0] = (NatPortTimeout){ 5060, SIM_S(180) };
    p->n_udp_port_timeouts = 1;
  }
}

static const guint8 filler[64] = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ..";

static NatAlgVerdict
fuzz_hook(void *ctx, NatAlgPacket *p)
{
  g_assert(p->payload_off + p->payload_len <= p->pkt->len);
  if (p->payload_len < 4)
    return NAT_ALG_PASS;
  const guint8 *pl = p->pkt->data + p->payload_off;
  guint8 a = pl[1], b = pl[2], c = pl[3];
  switch (pl[0]) {
  case 'M': /* replace [a % (len + 1), + b % 16) by c % 64 filler bytes */
    nat_alg_mangle(p, a % (p->payload_len + 1), b % 16, filler, c % 64);
    break;
  case 'D':
    return NAT_ALG_DROP;
  case 'E': {
    const NatTuple *t = nat_binding_tuple(p->binding);
    NatExpectParams e = {
      .proto = p->proto,
      .remote = { (a & 1) ? 0 : t->remote.addr, (a & 2) ? 0 : (guint16)(b << 8 | c) },
      .ext_port = (a & 4) ? (guint16)(5056 + (c & 15)) : 0,
      .target = { t->internal.addr, (guint16)(c << 8 | b) },
      .lifetime = SIM_S(a >> 3),
      .single_use = (a & 0x80) != 0,
      .owner = (b & 1) ? p->binding : NULL,
      .tag = "fuzz",
    };
    g_autoptr(GError) error = NULL;
    NatExpect *x = nat_expect_add(p->nat, &e, p->now, &error);
    g_assert((x == NULL) == (error != NULL));
    break;
  }
  case 'T':
    nat_binding_set_timeout(p->binding, SIM_S(a), p->now);
    break;
  case 'F':
    p->pkt->data[p->payload_off + a % p->payload_len] ^= b;
    nat_alg_fix_packet(p);
    break;
  case 'A':
    nat_binding_set_alg_data(p->binding, g_strdup("alg"), g_free);
    break;
  default:
    break;
  }
  return NAT_ALG_PASS;
}

Nat *
fz_nat_new(const NatParams *p)
{
  Nat *nat = nat_new("nat", FZ_PUBLIC, p, g_rand_new_with_seed(1));
  nat_set_alg_hook(nat, fuzz_hook, NULL);
  return nat;
}

static void
send_udp(Nat *nat, gboolean out, guint32 src, guint16 sp, guint32 dst, guint16 dp,
         const char *payload)
{
  guint8 buf[256];
  Ipv4Build ip = { .src = src, .dst = dst, .id = sp };
  gsize n = ipv4_build_udp(buf, sizeof buf, &ip, sp, dp, (const guint8 *)payload,
                           strlen(payload), FALSE);
  fz_nat_run(nat, buf, n, out, 0);
}

static void
send_tcp(Nat *nat, gboolean out, guint32 src, guint16 sp, guint32 dst, guint16 dp, guint32 seq,
         guint32 ack, guint8 flags, const char *payload)
{
  guint8 buf[256];
  Ipv4Build ip = { .src = src, .dst = dst };
  TcpBuild t = { .sport = sp, .dport = dp, .seq = seq, .ack = ack, .flags = flags };
  gsize n = ipv4_build_tcp(buf, sizeof buf, &ip, &t, (const guint8 *)payload, strlen(payload));
  fz_nat_run(nat, buf, n, out, 0);
}

void
fz_nat_warm_up(Nat *nat)
{
  /* SIP over UDP, answered: an established mapping of 5060. */
  send_udp(nat, TRUE, FZ_PHONE, 5060, FZ_PBX, 5060, "REGISTER");
  send_udp(nat, FALSE, FZ_PBX, 5060, FZ_PUBLIC, 5060, "SIP/2.0 200 OK");
  /* A second phone on the same port and a STUN query. */
  send_udp(nat, TRUE, FZ_PHONE2, 5060, FZ_STUN, 3478, "stun");
  /* SIP over TCP with an ALG rewrite that grows the first segment by 8 bytes. */
  send_tcp(nat, TRUE, FZ_PHONE, 40000, FZ_PBX, 5061, 1000, 0, TCP_SYN, "");
  send_tcp(nat, FALSE, FZ_PBX, 5061, FZ_PUBLIC, 40000, 5000, 1001, TCP_SYN | TCP_ACK, "");
  send_tcp(nat, TRUE, FZ_PHONE, 40000, FZ_PBX, 5061, 1001, 5001, TCP_ACK, "M\x01\x10\x08INVITE");
  send_tcp(nat, FALSE, FZ_PBX, 5061, FZ_PUBLIC, 40000, 5001, 1019, TCP_ACK, "SIP/2.0 100");
  /* An ICMP echo. */
  guint8 buf[256];
  Ipv4Build ip = { .src = FZ_PHONE, .dst = FZ_REMOTE };
  gsize n = ipv4_build_icmp_echo(buf, sizeof buf, &ip, FALSE, 77, 1, (const guint8 *)"ping", 4);
  fz_nat_run(nat, buf, n, TRUE, 0);
  /* A media expectation, as a SIP ALG opens for an SDP offer. */
  NatExpectParams e = { .proto = NET_PROTO_UDP, .remote = { FZ_MEDIA, 0 },
                        .target = { FZ_PHONE, 16384 }, .lifetime = SIM_S(60), .tag = "rtp" };
  g_autoptr(GError) error = NULL;
  nat_expect_add(nat, &e, 0, &error);
}

void
fz_nat_check(Nat *nat)
{
  guint n = g_hash_table_size(nat->by_id);
  g_assert(n <= nat->p.max_bindings);
  g_assert(g_sequence_get_length(nat->expiry) == (gint)n);
  g_assert(nat->lru.length == n);
  g_autoptr(GHashTable) maps = g_hash_table_new(g_direct_hash, g_direct_equal);
  SimTime prev = G_MININT64;
  for (GSequenceIter *it = g_sequence_get_begin_iter(nat->expiry); !g_sequence_iter_is_end(it);
       it = g_sequence_iter_next(it)) {
    NatBinding *b = g_sequence_get(it);
    g_assert(b->expires >= prev);
    prev = b->expires;
    g_assert(nat_binding_find(nat, b->id) == b);
    /* Each flow has one binding: its internal-side key finds it. */
    if (g_hash_table_lookup(nat->by_int, &b->int_key) != b)
      g_error("binding %" G_GUINT64_FORMAT " not found by its internal key", b->id);
    NatBinding *e = g_hash_table_lookup(nat->by_ext, &b->ext_key);
    g_assert(e && nat_key_equal(&e->ext_key, &b->ext_key));
    g_assert(g_queue_find(&b->map->bindings, b));
    g_assert(b->t.external.port == b->map->ext_port);
    g_hash_table_add(maps, b->map);
  }
  g_assert(g_hash_table_size(maps) == nat->n_maps);
  /* RFC 4787 REQ-3: no port overloading, one internal endpoint per external port. */
  GHashTableIter hi;
  gpointer m;
  g_hash_table_iter_init(&hi, maps);
  while (g_hash_table_iter_next(&hi, &m, NULL)) {
    NatMap *map = m;
    NatMap *owner = g_hash_table_lookup(nat->map_by_port, nat_port_key(map->proto, map->ext_port));
    g_assert(owner);
    if (owner->internal.addr != map->internal.addr || owner->internal.port != map->internal.port)
      g_error("external port %u shared by two internal endpoints", map->ext_port);
  }
  g_assert(g_hash_table_size(nat->by_int) == n);
}

NatAction
fz_nat_run(Nat *nat, const guint8 *data, gsize len, gboolean outbound, SimTime now)
{
  if (len > IPV4_MAX_LEN)
    return NAT_DROP;
  gboolean sums_ok = ipv4_checksums_ok(data, len);
  /* Exactly len bytes, so that ASan catches reads past the end; no spare room either. */
  NetBuf *pkt = netbuf_new(data, len, 0);
  NatVerdict v;
  NatAction a = outbound ? nat_outbound(nat, pkt, now, &v) : nat_inbound(nat, pkt, now, &v);
  g_assert(v.action == a);
  if (a == NAT_DROP) {
    g_assert(v.reason < NAT_DROP_N);
    g_assert(nat_drop_reason_name(v.reason) != NULL);
  } else {
    Ipv4Info ip;
    g_assert(ipv4_parse(pkt->data, pkt->len, 0, &ip) == 1);
    if (sums_ok)
      g_assert(ipv4_checksums_ok(pkt->data, pkt->len));
    if (v.binding) {
      const NatTuple *t = nat_binding_tuple(v.binding);
      g_assert(t->external.addr == nat_public_addr(nat));
      nat_binding_expires(v.binding);
      nat_binding_tcp_state(v.binding);
    }
  }
  netbuf_free(pkt);
  fz_nat_check(nat);
  return a;
}
