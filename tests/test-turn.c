/* test-turn.c — TURN (RFC 8656): the codec (attributes, ChannelData, stream framing, malformed
 * input that must be rejected without over-reading), and the server and client in the default
 * topology: allocations over UDP, TCP and TLS, the credential flows (401, 438, wrong password),
 * quotas, capacity and each error code.  Lifetimes and relaying are in test-turn-net.c. */
#include <string.h>

#include "stun/stun-private.h"
#include "test-stun-util.h"
#include "test-turn-util.h"

/* ---- Codec ------------------------------------------------------------------------------------ */

static void
test_attributes_round_trip(void)
{
  static const guint8 tid[STUN_TID_LEN] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12 };
  static const guint8 payload[5] = { 'h', 'e', 'l', 'l', 'o' };
  StunBuilder b;
  stun_builder_init(&b, TURN_METHOD_CHANNEL_BIND, STUN_CLASS_REQUEST, tid);
  SimAddr peer = { ip("203.0.113.30"), 7000 }, relay = { ip("198.51.100.11"), 50000 };
  g_assert_true(turn_add_xor_address(&b, TURN_ATTR_XOR_PEER_ADDRESS, peer));
  g_assert_true(turn_add_xor_address(&b, TURN_ATTR_XOR_RELAYED_ADDRESS, relay));
  g_assert_true(turn_add_lifetime(&b, 600));
  g_assert_true(turn_add_requested_transport(&b, TURN_PROTO_UDP));
  g_assert_true(turn_add_channel_number(&b, 0x4001));
  g_assert_true(turn_add_data(&b, payload, sizeof payload));
  g_assert_true(turn_add_even_port(&b, TRUE));
  g_assert_true(turn_add_reservation_token(&b, G_GUINT64_CONSTANT(0x0102030405060708)));
  g_assert_true(turn_add_dont_fragment(&b));
  g_assert_true(stun_add_fingerprint(&b));
  g_autoptr(GBytes) bytes = stun_builder_steal(&b);
  gsize len;
  const guint8 *d = g_bytes_get_data(bytes, &len);
  g_autofree guint8 *buf = g_memdup2(d, len);
  StunMsg m;
  g_assert_cmpint(stun_msg_parse(buf, len, &m, NULL), ==, 1);
  g_assert_cmpuint(m.method, ==, TURN_METHOD_CHANNEL_BIND);
  SimAddr a;
  g_assert_cmpint(turn_msg_get_xor_addr4(&m, TURN_ATTR_XOR_PEER_ADDRESS, &a), ==, 1);
  g_assert_cmphex(a.addr, ==, peer.addr);
  g_assert_cmpuint(a.port, ==, peer.port);
  g_assert_cmpint(turn_msg_get_xor_addr4(&m, TURN_ATTR_XOR_RELAYED_ADDRESS, &a), ==, 1);
  g_assert_cmphex(a.addr, ==, relay.addr);
  /* On the wire the address is XORed with the magic cookie (RFC 8489 §14.2). */
  StunAttr raw;
  g_assert_cmpint(stun_msg_find(&m, TURN_ATTR_XOR_PEER_ADDRESS, &raw), ==, 1);
  g_assert_cmphex(((guint32)buf[raw.off + 4] << 24 | buf[raw.off + 5] << 16 | buf[raw.off + 6] << 8 |
                   buf[raw.off + 7]), ==, peer.addr ^ STUN_MAGIC_COOKIE);
  guint32 lifetime;
  guint8 proto;
  guint16 channel;
  const guint8 *data;
  gsize dlen;
  gboolean reserve = FALSE;
  guint64 token;
  g_assert_cmpint(turn_msg_get_lifetime(&m, &lifetime), ==, 1);
  g_assert_cmpuint(lifetime, ==, 600);
  g_assert_cmpint(turn_msg_get_requested_transport(&m, &proto), ==, 1);
  g_assert_cmpuint(proto, ==, 17);
  g_assert_cmpint(turn_msg_get_channel_number(&m, &channel), ==, 1);
  g_assert_cmphex(channel, ==, 0x4001);
  g_assert_cmpint(turn_msg_get_data(&m, &data, &dlen), ==, 1);
  g_assert_cmpmem(data, dlen, payload, sizeof payload);
  g_assert_cmpint(turn_msg_get_even_port(&m, &reserve), ==, 1);
  g_assert_true(reserve);
  g_assert_cmpint(turn_msg_get_reservation_token(&m, &token), ==, 1);
  g_assert_cmphex(token, ==, G_GUINT64_CONSTANT(0x0102030405060708));
  g_assert_cmpint(turn_msg_get_dont_fragment(&m), ==, 1);
  /* The STUN codec names every TURN attribute, so none counts as unknown (RFC 8489 §6.3.1.1). */
  g_assert_cmpuint(stun_msg_unknown_required(&m, NULL, 0, NULL, 0), ==, 0);
  g_assert_cmpstr(stun_attr_name(TURN_ATTR_XOR_RELAYED_ADDRESS), ==, "XOR-RELAYED-ADDRESS");
  g_assert_cmpstr(stun_attr_name(TURN_ATTR_CHANNEL_NUMBER), ==, "CHANNEL-NUMBER");
  g_assert_cmpstr(stun_attr_name(TURN_ATTR_REQUESTED_TRANSPORT), ==, "REQUESTED-TRANSPORT");
  char desc[48];
  g_assert_cmpstr(turn_msg_describe(m.method, m.klass, desc), ==, "ChannelBind request");
  g_assert_cmpstr(turn_error_reason(437), ==, "Allocation Mismatch");
  g_assert_cmpstr(turn_error_reason(401), ==, "Unauthenticated");
}

/* One attribute with a bad value: every getter answers -1 and reads nothing beyond it. */
typedef struct {
  const char *desc; /* what is wrong */
  const char *ref;  /* RFC section */
  const char *attr; /* the attribute, hex (type, length, value) */
} BadAttr;

static void
test_attribute_lengths_checked(void)
{
  static const BadAttr cases[] = {
    { "LIFETIME of 2 bytes", "RFC 8656 §18.4", "00 0d 00 02 00 01 00 00" },
    { "REQUESTED-TRANSPORT of 1 byte", "RFC 8656 §18.7", "00 19 00 01 11 00 00 00" },
    { "CHANNEL-NUMBER of 2 bytes", "RFC 8656 §18.2", "00 0c 00 02 40 00 00 00" },
    { "EVEN-PORT of 4 bytes", "RFC 8656 §18.8", "00 18 00 04 80 00 00 00" },
    { "RESERVATION-TOKEN of 4 bytes", "RFC 8656 §18.10", "00 22 00 04 01 02 03 04" },
    { "DONT-FRAGMENT with a value", "RFC 8656 §18.9", "00 1a 00 04 00 00 00 00" },
    { "XOR-PEER-ADDRESS of 4 bytes", "RFC 8656 §18.3", "00 12 00 04 00 01 e0 fc" },
    { "XOR-PEER-ADDRESS family 3", "RFC 8489 §14.2", "00 12 00 08 00 03 e0 fc 00 00 00 00" },
    { "XOR-PEER-ADDRESS IPv6 of 8 bytes", "RFC 8489 §14.2", "00 12 00 08 00 02 e0 fc 00 00 00 00" },
    { "XOR-RELAYED-ADDRESS IPv4 of 12 bytes", "RFC 8656 §18.5",
      "00 16 00 0c 00 01 e0 fc 00 00 00 00 00 00 00 00" },
  };
  for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
    g_test_message("%s (%s)", cases[i].desc, cases[i].ref);
    gsize alen;
    g_autofree guint8 *attr = hex_bytes(cases[i].attr, &alen);
    g_autofree char *hex = g_strdup_printf("00 03 %02zx %02zx 21 12 a4 42 00 01 02 03 04 05 06 07 08 09 0a 0b",
                                           alen >> 8, alen & 0xff);
    gsize hlen;
    g_autofree guint8 *hdr = hex_bytes(hex, &hlen);
    gsize len = hlen + alen;
    g_autofree guint8 *buf = g_malloc(len);
    memcpy(buf, hdr, hlen);
    memcpy(buf + hlen, attr, alen);
    StunMsg m;
    g_assert_cmpint(stun_msg_parse(buf, len, &m, NULL), ==, 1);
    guint16 type = m.attrs[0].type;
    int rc;
    StunAddress sa;
    switch (type) {
    case TURN_ATTR_LIFETIME: rc = turn_msg_get_lifetime(&m, NULL); break;
    case TURN_ATTR_REQUESTED_TRANSPORT: rc = turn_msg_get_requested_transport(&m, NULL); break;
    case TURN_ATTR_CHANNEL_NUMBER: rc = turn_msg_get_channel_number(&m, NULL); break;
    case TURN_ATTR_EVEN_PORT: rc = turn_msg_get_even_port(&m, NULL); break;
    case TURN_ATTR_RESERVATION_TOKEN: rc = turn_msg_get_reservation_token(&m, NULL); break;
    case TURN_ATTR_DONT_FRAGMENT: rc = turn_msg_get_dont_fragment(&m); break;
    default: rc = turn_msg_get_xor_address(&m, type, &sa); break;
    }
    g_assert_cmpint(rc, ==, -1);
  }
}

/* ChannelData messages (RFC 8656 §12.4, §12.5), each in an exactly-sized buffer. */
typedef struct {
  const char *desc;  /* what it is */
  const char *bytes; /* hex */
  gboolean stream;   /* over TCP/TLS */
  int rc;            /* expected result */
  guint16 channel;   /* expected channel when valid */
  guint16 len;       /* expected data length when valid */
} CdCase;

static void
test_channel_data_parse(void)
{
  static const CdCase cases[] = {
    /* VALID */
    { "3 bytes over UDP, unpadded", "40 00 00 03 61 62 63", FALSE, 1, 0x4000, 3 },
    { "3 bytes over UDP, padded", "40 00 00 03 61 62 63 00", FALSE, 1, 0x4000, 3 },
    { "3 bytes over TCP, padded", "4f ff 00 03 61 62 63 00", TRUE, 1, 0x4fff, 3 },
    { "empty data", "40 01 00 00", TRUE, 1, 0x4001, 0 },
    { "4 bytes, no padding needed", "40 02 00 04 01 02 03 04", TRUE, 1, 0x4002, 4 },
    /* NOT CHANNELDATA */
    { "STUN header", "00 01 00 00 21 12 a4 42", FALSE, 0, 0, 0 },
    { "RTP (first bits 10)", "80 00 00 01", FALSE, 0, 0, 0 },
    /* INVALID */
    { "truncated header", "40 00 00", FALSE, -1, 0, 0 },
    { "one byte", "40", FALSE, -1, 0, 0 },
    { "length beyond the datagram", "40 00 00 08 61 62 63", FALSE, -1, 0, 0 },
    { "length 0xffff in 8 bytes", "40 00 ff ff 61 62 63 64", FALSE, -1, 0, 0 },
    { "reserved channel 0x5000", "50 00 00 01 61 00 00 00", FALSE, -1, 0, 0 },
    { "reserved channel 0x7fff", "7f ff 00 00", FALSE, -1, 0, 0 },
    { "stream without padding", "40 00 00 03 61 62 63", TRUE, -1, 0, 0 },
    { "stream with extra bytes", "40 00 00 03 61 62 63 00 00 00 00 00", TRUE, -1, 0, 0 },
  };
  for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
    g_test_message("%s", cases[i].desc);
    gsize len;
    g_autofree guint8 *buf = hex_bytes(cases[i].bytes, &len);
    TurnChannelData cd = { 0 };
    const char *reason = NULL;
    int rc = turn_channel_data_parse(buf, len, cases[i].stream, &cd, &reason);
    g_assert_cmpint(rc, ==, cases[i].rc);
    if (rc == 1) {
      g_assert_cmphex(cd.channel, ==, cases[i].channel);
      g_assert_cmpuint(cd.len, ==, cases[i].len);
      g_assert_cmpuint(cd.off + cd.len, <=, len);
    } else {
      g_assert_nonnull(reason);
    }
  }
}

static void
test_channel_data_build_pads_for_streams(void)
{
  guint8 data[9] = { 1, 2, 3, 4, 5, 6, 7, 8, 9 };
  for (gsize n = 0; n <= sizeof data; n++) {
    for (int pad = 0; pad <= 1; pad++) {
      g_autoptr(GBytes) b = turn_channel_data_build(0x4abc, data, n, pad);
      gsize len;
      const guint8 *d = g_bytes_get_data(b, &len);
      g_assert_cmpuint(len, ==, pad ? ((4 + n + 3) & ~(gsize)3) : 4 + n);
      TurnChannelData cd;
      g_assert_cmpint(turn_channel_data_parse(d, len, pad, &cd, NULL), ==, 1);
      g_assert_cmphex(cd.channel, ==, 0x4abc);
      g_assert_cmpmem(d + cd.off, cd.len, data, n);
    }
  }
  g_assert_null(turn_channel_data_build(0x4000, NULL, 70000, TRUE));
}

/* Framing of a TCP/TLS stream (RFC 8656 §12.5). */
typedef struct {
  const char *desc;  /* what the stream holds */
  const char *bytes; /* hex */
  int rc;            /* expected result */
  gsize frame;       /* expected frame length */
} FrameCase;

static void
test_stream_framing(void)
{
  static const FrameCase cases[] = {
    { "whole STUN header", HDR_REQ("00 00"), 1, 20 },
    { "STUN message and more", HDR_REQ("00 04") "80 22 00 00 40 00", 1, 24 },
    { "STUN header, attribute still coming", HDR_REQ("00 08") "80 22 00 00", 0, 0 },
    { "three bytes", "00 01 00", 0, 0 },
    { "ChannelData padded", "40 00 00 03 61 62 63 00 40 00", 1, 8 },
    { "ChannelData, padding still coming", "40 00 00 03 61 62 63", 0, 0 },
    { "first bits 10", "80 00 00 00", -1, 0 },
    { "first bits 11 in one byte", "c0", -1, 0 },
    { "STUN length not a multiple of 4", "00 01 00 03 21 12 a4 42", -1, 0 },
    { "STUN without the cookie", "00 01 00 00 de ad be ef", -1, 0 },
    { "nothing", "", 0, 0 },
  };
  for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
    g_test_message("%s", cases[i].desc);
    gsize len, frame = 0;
    g_autofree guint8 *buf = hex_bytes(cases[i].bytes, &len);
    g_assert_cmpint(turn_frame_stream(len ? buf : NULL, len, &frame, NULL), ==, cases[i].rc);
    if (cases[i].rc == 1)
      g_assert_cmpuint(frame, ==, cases[i].frame);
  }
}

/* Every prefix and every single-byte change of a full message: the parsers and getters may
 * refuse, never over-read (exactly-sized buffers; run under ASan to see an over-read). */
static void
test_truncations_never_over_read(void)
{
  static const guint8 tid[STUN_TID_LEN] = { 9 };
  StunBuilder b;
  stun_builder_init(&b, TURN_METHOD_SEND, STUN_CLASS_INDICATION, tid);
  turn_add_xor_address(&b, TURN_ATTR_XOR_PEER_ADDRESS, (SimAddr){ ip("203.0.113.30"), 7000 });
  turn_add_data(&b, (const guint8 *)"abcdefg", 7);
  turn_add_channel_number(&b, 0x4000);
  turn_add_lifetime(&b, 1);
  stun_add_fingerprint(&b);
  g_autoptr(GBytes) msg = stun_builder_steal(&b);
  gsize full;
  const guint8 *src = g_bytes_get_data(msg, &full);
  for (gsize cut = 0; cut <= full; cut++) {
    for (gsize flip = 0; flip <= cut; flip++) {
      g_autofree guint8 *buf = g_memdup2(src, cut ? cut : 1);
      if (flip < cut)
        buf[flip] ^= 0x41;
      StunMsg m;
      if (stun_msg_parse(buf, cut, &m, NULL) == 1) {
        StunAddress a;
        const guint8 *d;
        gsize dl;
        turn_msg_get_xor_address(&m, TURN_ATTR_XOR_PEER_ADDRESS, &a);
        if (turn_msg_get_data(&m, &d, &dl) == 1)
          g_assert_cmpuint((gsize)(d - buf) + dl, <=, cut);
        turn_msg_get_channel_number(&m, NULL);
        turn_msg_get_lifetime(&m, NULL);
      }
      TurnChannelData cd;
      if (turn_channel_data_parse(buf, cut, FALSE, &cd, NULL) == 1)
        g_assert_cmpuint(cd.off + cd.len, <=, cut);
      gsize frame;
      if (turn_frame_stream(buf, cut, &frame, NULL) == 1)
        g_assert_cmpuint(frame, <=, cut);
    }
  }
}

/* ---- Allocation and credentials --------------------------------------------------------------- */

static void
test_allocates_over_each_transport(void)
{
  static const TurnTransport ts[] = { TURN_TRANSPORT_UDP, TURN_TRANSPORT_TCP, TURN_TRANSPORT_TLS };
  for (gsize i = 0; i < G_N_ELEMENTS(ts); i++) {
    g_test_message("over %s", turn_transport_name(ts[i]));
    World w;
    world_up(&w, NULL);
    Cap k;
    client_up(&w, &k, ts[i], 0, NULL);
    g_assert_true(turn_client_allocate(k.c));
    run_for(SIM_S(5));
    g_assert_cmpuint(k.allocated, ==, 1);
    g_assert_cmpuint(k.failed, ==, 0);
    g_assert_cmpint(turn_client_state(k.c), ==, TURN_CLIENT_ALLOCATED);
    /* The relayed address is on the host's second address, in the relay range. */
    g_assert_cmphex(k.relayed.addr, ==, w.topo->stun.addr2);
    g_assert_cmpuint(k.relayed.port, >=, 49152);
    /* The server saw the home's public address: the phone is behind the NAT. */
    g_assert_cmphex(k.mapped.addr, ==, w.topo->public_addr);
    g_assert_cmpuint(k.lifetime, ==, 600);
    /* Linux-like port preservation: the mapped port is the client's own port. */
    g_assert_cmpuint(k.mapped.port, ==, turn_client_local(k.c).port);
    g_autoptr(GArray) relays = turn_server_relays(w.server);
    g_assert_cmpuint(relays->len, ==, 1);
    g_assert_cmpuint(g_array_index(relays, SimAddr, 0).port, ==, k.relayed.port);
    /* 401 first, then the request with credentials (RFC 8489 §9.2). */
    const TurnClientStats *cs = turn_client_stats(k.c);
    g_assert_cmpuint(cs->challenges, ==, 1);
    g_assert_cmpuint(cs->requests, ==, 2);
    const TurnServerStats *ss = turn_server_stats(w.server);
    g_assert_cmpuint(ss->challenges, ==, 1);
    g_assert_cmpuint(ss->allocations, ==, 1);
    g_assert_cmpuint(ss->active, ==, 1);
    client_down(&k);
    world_down(&w);
  }
}

static void
test_wrong_password_fails_with_401(void)
{
  World w;
  world_up(&w, NULL);
  Cap k;
  client_up(&w, &k, TURN_TRANSPORT_UDP, 0, "not-the-password");
  turn_client_allocate(k.c);
  run_for(SIM_S(5));
  /* RFC 8489 §9.2.4: a failed integrity check is 401; the client does not retry (§9.2.5). */
  g_assert_cmpuint(k.allocated, ==, 0);
  g_assert_cmpuint(k.failed, ==, 1);
  g_assert_cmpuint(k.fail_code, ==, 401);
  g_assert_cmpint(turn_client_state(k.c), ==, TURN_CLIENT_FAILED);
  g_assert_cmpuint(turn_server_stats(w.server)->auth_failures, ==, 1);
  g_assert_cmpuint(turn_server_stats(w.server)->allocations, ==, 0);
  client_down(&k);
  world_down(&w);
}

static void
test_stale_nonce_438_then_success(void)
{
  static const char *const sets[] = { "turn.nonce_lifetime_s=30", NULL };
  World w;
  world_up(&w, sets);
  Cap k;
  client_up(&w, &k, TURN_TRANSPORT_UDP, 0, NULL);
  turn_client_allocate(k.c);
  run_for(SIM_S(60)); /* the nonce is now stale */
  g_assert_cmpuint(k.allocated, ==, 1);
  g_assert_true(turn_client_permit(k.c, w.topo->remote.addr));
  run_for(SIM_S(2));
  g_assert_cmpuint(turn_server_stats(w.server)->stale_nonces, ==, 1);
  g_assert_cmpuint(turn_client_stats(k.c)->stale_nonces, ==, 1);
  g_assert_cmpuint(turn_client_stats(k.c)->permissions, ==, 1);
  g_assert_cmpuint(turn_server_stats(w.server)->permissions, ==, 1);
  g_assert_cmpuint(k.errors, ==, 0);
  client_down(&k);
  world_down(&w);
}

static void
test_quota_486_after_user_quota(void)
{
  World w;
  world_up(&w, NULL);
  guint quota = (guint)cfg_int(w.cfg, "turn.user_quota");
  Cap *k = g_new0(Cap, quota + 1);
  for (guint i = 0; i <= quota; i++) {
    client_up(&w, &k[i], TURN_TRANSPORT_UDP, i, NULL);
    turn_client_allocate(k[i].c);
    run_for(SIM_S(1));
  }
  for (guint i = 0; i < quota; i++)
    g_assert_cmpuint(k[i].allocated, ==, 1);
  g_assert_cmpuint(k[quota].failed, ==, 1);
  g_assert_cmpuint(k[quota].fail_code, ==, 486);
  g_assert_cmpuint(turn_server_stats(w.server)->quota_rejects, ==, 1);
  g_assert_cmpuint(turn_server_stats(w.server)->peak, ==, quota);
  for (guint i = 0; i <= quota; i++)
    client_down(&k[i]);
  g_free(k);
  world_down(&w);
}

static void
test_capacity_508(void)
{
  static const char *const by_table[] = { "turn.max_allocations=1", NULL };
  static const char *const by_ports[] = { "turn.relay_port_min=50000", "turn.relay_port_max=50000",
                                          NULL };
  const char *const *cases[] = { by_table, by_ports };
  for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
    g_test_message("%s", cases[i][0]);
    World w;
    world_up(&w, cases[i]);
    Cap a, b;
    client_up(&w, &a, TURN_TRANSPORT_UDP, 0, NULL);
    client_up(&w, &b, TURN_TRANSPORT_UDP, 1, NULL);
    turn_client_allocate(a.c);
    run_for(SIM_S(1));
    turn_client_allocate(b.c);
    run_for(SIM_S(1));
    g_assert_cmpuint(a.allocated, ==, 1);
    g_assert_cmpuint(b.fail_code, ==, 508);
    g_assert_cmpuint(turn_server_stats(w.server)->capacity_rejects, ==, 1);
    client_down(&a);
    client_down(&b);
    world_down(&w);
  }
}

/* Error responses to hand-built requests, after a good allocation on the same 5-tuple when the
 * case needs one. */
typedef struct {
  const char *desc;   /* what the request does wrong */
  gboolean allocate;  /* allocate first */
  RawReq req;         /* the request */
  gboolean other_user; /* sent with another valid user's credentials */
  guint code;         /* expected ERROR-CODE */
} ErrCase;

static void
test_error_codes(void)
{
  SimAddr peer = { ip("203.0.113.30"), PEER_PORT };
  const ErrCase cases[] = {
    { "Allocate without REQUESTED-TRANSPORT", FALSE, { TURN_METHOD_ALLOCATE, 0, -1 }, FALSE, 400 },
    { "Allocate for TCP relaying", FALSE, { TURN_METHOD_ALLOCATE, 6, -1 }, FALSE, 442 },
    { "Refresh without allocation", FALSE, { TURN_METHOD_REFRESH, 0, 600 }, FALSE, 437 },
    { "CreatePermission without allocation", FALSE,
      { TURN_METHOD_CREATE_PERMISSION, 0, -1, 0, peer }, FALSE, 437 },
    { "second Allocate on the 5-tuple", TRUE, { TURN_METHOD_ALLOCATE, 17, -1 }, FALSE, 437 },
    { "CreatePermission without a peer", TRUE, { TURN_METHOD_CREATE_PERMISSION, 0, -1 }, FALSE, 400 },
    { "ChannelBind to 0x5000", TRUE, { TURN_METHOD_CHANNEL_BIND, 0, -1, 0x5000, peer }, FALSE, 400 },
    { "ChannelBind to 0x3fff", TRUE, { TURN_METHOD_CHANNEL_BIND, 0, -1, 0x3fff, peer }, FALSE, 400 },
    { "ChannelBind without a peer", TRUE, { TURN_METHOD_CHANNEL_BIND, 0, -1, 0x4000 }, FALSE, 400 },
    { "Refresh by another user", TRUE, { TURN_METHOD_REFRESH, 0, 600 }, TRUE, 441 },
    { "unknown comprehension-required attribute", TRUE,
      { TURN_METHOD_REFRESH, 0, 600, 0, { 0, 0 }, 0x0030 }, FALSE, 420 },
    { "EVEN-PORT with RESERVATION-TOKEN", FALSE,
      { TURN_METHOD_ALLOCATE, 17, -1, 0, { 0, 0 }, 0, TRUE, 42 }, FALSE, 400 },
    { "unknown RESERVATION-TOKEN", FALSE,
      { TURN_METHOD_ALLOCATE, 17, -1, 0, { 0, 0 }, 0, FALSE, 42 }, FALSE, 508 },
  };
  for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
    g_test_message("%s", cases[i].desc);
    World w;
    world_up(&w, NULL);
    turn_server_add_user(w.server, "other", "otherpass");
    Raw r;
    raw_up(&r, &w, 5000, "turnuser", "turnpass");
    StunMsg m;
    if (cases[i].allocate) {
      RawReq alloc = { TURN_METHOD_ALLOCATE, 17, -1 };
      g_assert_cmpuint(raw_exchange(&r, &alloc, &m), ==, 0);
    }
    if (cases[i].other_user) {
      g_free(r.user);
      r.user = g_strdup("other");
      stun_key_long_term("other", "algsim.test", "otherpass", r.key);
    }
    g_assert_cmpuint(raw_exchange(&r, &cases[i].req, &m), ==, cases[i].code);
    /* Errors after authentication are integrity-protected with the requester's key. */
    g_assert_cmpint(stun_msg_check_integrity(&m, r.key, 16), ==, 1);
    raw_down(&r);
    world_down(&w);
  }
}

static void
test_channel_bind_conflicts_are_400(void)
{
  World w;
  world_up(&w, NULL);
  Raw r;
  raw_up(&r, &w, 5000, "turnuser", "turnpass");
  StunMsg m;
  SimAddr p1 = { w.topo->remote.addr, 7000 }, p2 = { w.topo->remote.addr, 7002 };
  RawReq alloc = { TURN_METHOD_ALLOCATE, 17, -1 };
  RawReq bind1 = { TURN_METHOD_CHANNEL_BIND, 0, -1, 0x4000, p1 };
  RawReq same_num_other_peer = { TURN_METHOD_CHANNEL_BIND, 0, -1, 0x4000, p2 };
  RawReq same_peer_other_num = { TURN_METHOD_CHANNEL_BIND, 0, -1, 0x4001, p1 };
  g_assert_cmpuint(raw_exchange(&r, &alloc, &m), ==, 0);
  g_assert_cmpuint(raw_exchange(&r, &bind1, &m), ==, 0);
  g_assert_cmpuint(raw_exchange(&r, &bind1, &m), ==, 0); /* a rebind refreshes (§11.2) */
  g_assert_cmpuint(raw_exchange(&r, &same_num_other_peer, &m), ==, 400);
  g_assert_cmpuint(raw_exchange(&r, &same_peer_other_num, &m), ==, 400);
  /* After expiry, the number stays blocked for other peers for 5 minutes (§12). */
  run_for(SIM_S(601));
  g_assert_cmpuint(raw_exchange(&r, &same_num_other_peer, &m), !=, 0);
  g_assert_cmpuint(turn_server_stats(w.server)->channel_binds, ==, 2);
  raw_down(&r);
  world_down(&w);
}

static void
test_retransmitted_allocate_gets_same_success(void)
{
  World w;
  world_up(&w, NULL);
  Raw r;
  raw_up(&r, &w, 5000, "turnuser", "turnpass");
  StunMsg m;
  RawReq alloc = { TURN_METHOD_ALLOCATE, 17, -1 };
  g_autoptr(GBytes) bare = raw_build(&r, &alloc, FALSE);
  raw_send(&r, bare);
  run_for(SIM_S(1));
  g_assert_cmpuint(raw_last(&r, &m), ==, 401); /* brings the nonce */
  g_autoptr(GBytes) req = raw_build(&r, &alloc, TRUE);
  raw_send(&r, req);
  run_for(SIM_S(1));
  g_assert_cmpuint(raw_last(&r, &m), ==, 0);
  SimAddr first, again;
  g_assert_cmpint(turn_msg_get_xor_addr4(&m, TURN_ATTR_XOR_RELAYED_ADDRESS, &first), ==, 1);
  raw_send(&r, req); /* the same transaction again (RFC 8656 §7.2 step 2) */
  run_for(SIM_S(1));
  g_assert_cmpuint(raw_last(&r, &m), ==, 0);
  g_assert_cmpint(turn_msg_get_xor_addr4(&m, TURN_ATTR_XOR_RELAYED_ADDRESS, &again), ==, 1);
  g_assert_cmpuint(first.port, ==, again.port);
  g_assert_cmpuint(turn_server_stats(w.server)->allocations, ==, 1);
  raw_down(&r);
  world_down(&w);
}

static void
test_even_port_reservation(void)
{
  World w;
  world_up(&w, NULL);
  Raw r, r2;
  raw_up(&r, &w, 5000, "turnuser", "turnpass");
  raw_up(&r2, &w, 5002, "turnuser", "turnpass");
  StunMsg m;
  RawReq even = { TURN_METHOD_ALLOCATE, 17, -1, 0, { 0, 0 }, 0, TRUE };
  g_assert_cmpuint(raw_exchange(&r, &even, &m), ==, 0);
  SimAddr relay, relay2;
  guint64 token = 0;
  g_assert_cmpint(turn_msg_get_xor_addr4(&m, TURN_ATTR_XOR_RELAYED_ADDRESS, &relay), ==, 1);
  g_assert_cmpint(turn_msg_get_reservation_token(&m, &token), ==, 1);
  g_assert_cmpuint(relay.port % 2, ==, 0);
  RawReq with_token = { TURN_METHOD_ALLOCATE, 17, -1, 0, { 0, 0 }, 0, FALSE, token };
  g_assert_cmpuint(raw_exchange(&r2, &with_token, &m), ==, 0);
  g_assert_cmpint(turn_msg_get_xor_addr4(&m, TURN_ATTR_XOR_RELAYED_ADDRESS, &relay2), ==, 1);
  g_assert_cmpuint(relay2.port, ==, relay.port + 1); /* RTP/RTCP pair (RFC 8656 §7.2) */
  raw_down(&r);
  raw_down(&r2);
  world_down(&w);
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);
  g_test_add_func("/turn/codec/attributes-round-trip", test_attributes_round_trip);
  g_test_add_func("/turn/codec/attribute-lengths-checked", test_attribute_lengths_checked);
  g_test_add_func("/turn/codec/channel-data-parse", test_channel_data_parse);
  g_test_add_func("/turn/codec/channel-data-build-pads-for-streams", test_channel_data_build_pads_for_streams);
  g_test_add_func("/turn/codec/stream-framing", test_stream_framing);
  g_test_add_func("/turn/codec/truncations-never-over-read", test_truncations_never_over_read);
  g_test_add_func("/turn/server/allocates-over-udp-tcp-tls", test_allocates_over_each_transport);
  g_test_add_func("/turn/server/wrong-password-fails-with-401", test_wrong_password_fails_with_401);
  g_test_add_func("/turn/server/stale-nonce-438-then-success", test_stale_nonce_438_then_success);
  g_test_add_func("/turn/server/quota-486-after-user-quota", test_quota_486_after_user_quota);
  g_test_add_func("/turn/server/capacity-508", test_capacity_508);
  g_test_add_func("/turn/server/error-codes", test_error_codes);
  g_test_add_func("/turn/server/channel-bind-conflicts-are-400", test_channel_bind_conflicts_are_400);
  g_test_add_func("/turn/server/retransmitted-allocate-gets-same-success",
                  test_retransmitted_allocate_gets_same_success);
  g_test_add_func("/turn/server/even-port-reservation", test_even_port_reservation);
  return g_test_run();
}
