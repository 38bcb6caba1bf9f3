/* test-nat-util.h — helpers shared by test-nat.c and test-nat-hooks.c: the project's addresses, a NAT
 * built from "key=value" assignments, UDP/TCP packet builders, and runners that push a packet through
 * the NAT and verify its checksums by full recomputation. */
#pragma once

#include <string.h>

#include "nat/nat.h"
#include "test-util.h"

#define PHONE 0xc0a80132u   /* 192.168.1.50 */
#define PHONE2 0xc0a80133u  /* 192.168.1.51 */
#define PUBLIC 0xcb007102u  /* 203.0.113.2 */
#define PBX 0xcb00710au     /* 203.0.113.10 */
#define MEDIA 0xcb007114u   /* 203.0.113.20 */
#define REMOTE 0xcb00711eu  /* 203.0.113.30 */
#define STUN 0xc633640au    /* 198.51.100.10 */

/* A NAT of group "nat" (or "cgn" if the first assignment starts with "cgn.") with assignments. */
static inline Nat *
nat_with_list(const char *const *assign)
{
  g_autoptr(Config) cfg = tu_config(NULL, NULL);
  const char *group = "nat";
  for (const char *const *a = assign; *a; a++) {
    g_autoptr(GError) error = NULL;
    if (g_str_has_prefix(*a, "cgn."))
      group = "cgn";
    if (!cfg_set_arg(cfg, *a, &error))
      g_error("%s: %s", *a, error->message);
  }
  NatParams p;
  g_autoptr(GError) error = NULL;
  g_assert_true(nat_params_from_config(cfg, group, &p, &error));
  return nat_new(group, PUBLIC, &p, sim_rand_new(SIM_STREAM_NAT));
}
#define NAT_WITH(...) nat_with_list((const char *const[]){ __VA_ARGS__, NULL })

static inline NetBuf *
udp(guint32 src, guint16 sp, guint32 dst, guint16 dp, const char *payload)
{
  guint8 buf[2048];
  Ipv4Build ip = { .src = src, .dst = dst, .id = sp };
  gsize n = ipv4_build_udp(buf, sizeof buf, &ip, sp, dp, (const guint8 *)payload,
                           strlen(payload), FALSE);
  return netbuf_new(buf, n, 256);
}

static inline NetBuf *
tcp(guint32 src, guint16 sp, guint32 dst, guint16 dp, guint32 seq, guint32 ack, guint8 flags,
    const char *payload)
{
  guint8 buf[2048];
  Ipv4Build ip = { .src = src, .dst = dst };
  TcpBuild t = { .sport = sp, .dport = dp, .seq = seq, .ack = ack, .flags = flags };
  gsize n = ipv4_build_tcp(buf, sizeof buf, &ip, &t, (const guint8 *)payload, strlen(payload));
  return netbuf_new(buf, n, 256);
}

/* Run a packet through the NAT; on a pass, check its checksums and return its new endpoints. */
static inline NatAction
run(Nat *nat, NetBuf *pkt, gboolean outbound, SimTime t, SimAddr *src, SimAddr *dst,
    NatVerdict *verdict)
{
  NatVerdict v;
  NatAction a = outbound ? nat_outbound(nat, pkt, t, &v) : nat_inbound(nat, pkt, t, &v);
  if (a != NAT_DROP) {
    g_assert_true(ipv4_checksums_ok(pkt->data, pkt->len));
    Ipv4Info ip;
    g_assert_cmpint(ipv4_parse(pkt->data, pkt->len, 0, &ip), ==, 1);
    if (src)
      *src = (SimAddr){ ip.src, net_get16(pkt->data + ip.hdr_len) };
    if (dst)
      *dst = (SimAddr){ ip.dst, net_get16(pkt->data + ip.hdr_len + 2) };
  }
  if (verdict)
    *verdict = v;
  netbuf_free(pkt);
  return a;
}

/* Outbound UDP; returns the external port (0 if dropped). */
static inline guint16
out_udp(Nat *nat, SimTime t, guint32 src, guint16 sp, guint32 dst, guint16 dp)
{
  SimAddr s;
  if (run(nat, udp(src, sp, dst, dp, "out"), TRUE, t, &s, NULL, NULL) == NAT_DROP)
    return 0;
  g_assert_cmpuint(s.addr, ==, PUBLIC);
  return s.port;
}

/* Inbound UDP to PUBLIC:ext; returns TRUE if admitted (and the internal endpoint in *to). */
static inline gboolean
in_udp(Nat *nat, SimTime t, guint32 src, guint16 sp, guint16 ext, SimAddr *to)
{
  SimAddr d;
  gboolean ok = run(nat, udp(src, sp, PUBLIC, ext, "in"), FALSE, t, NULL, &d, NULL) == NAT_PASS;
  if (ok && to)
    *to = d;
  return ok;
}
