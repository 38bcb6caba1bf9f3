/* test-sdp.c — SDP parsing, accessors, building and edits (RFC 8866, RFC 3264, RFC 3605,
 * RFC 4568, RFC 8839).
 *
 * Descriptions are copied into exactly-sized heap buffers so an over-read is caught under ASan.
 * The offer texts follow the Linux ALG corpus (04-invite-sdp, 11-two-m-lines-audio-video,
 * 12-sdp-hold-inactive, 23-lookalike-addresses).
 */
#include "sip/sdp.h"
#include "sip/sip-msg.h"
#include "test-util.h"

#include <string.h>

#define OFFER                                                                                    \
  "v=0\r\n"                                                                                      \
  "o=alice 2890844526 2890844526 IN IP4 192.168.1.50\r\n"                                        \
  "s=-\r\n"                                                                                      \
  "c=IN IP4 192.168.1.50\r\n"                                                                    \
  "t=0 0\r\n"                                                                                    \
  "m=audio 4000 RTP/AVP 0 8 101\r\n"                                                             \
  "a=rtpmap:0 PCMU/8000\r\n"                                                                     \
  "a=rtpmap:8 PCMA/8000\r\n"                                                                     \
  "a=rtpmap:101 telephone-event/8000\r\n"                                                        \
  "a=rtcp:4001 IN IP4 192.168.1.50\r\n"                                                          \
  "a=sendrecv\r\n"

/* A description in an exactly-sized buffer and its parse. */
typedef struct {
  guint8 *buf;     /* exactly len bytes */
  gsize len;       /* length */
  Sdp sdp;         /* the parse */
  int r;           /* sdp_parse() result */
  const char *why; /* its reason */
} ParsedSdp;

static ParsedSdp *
sdp_exact(const char *text, gssize len)
{
  ParsedSdp *p = g_new0(ParsedSdp, 1);
  p->len = len < 0 ? strlen(text) : (gsize) len;
  p->buf = g_memdup2(text, p->len ? p->len : 1);
  p->r = sdp_parse(p->buf, (SipSpan){0, (guint) p->len}, &p->sdp, &p->why);
  return p;
}

static void
parsed_sdp_free(ParsedSdp *p)
{
  g_free(p->buf);
  g_free(p);
}
G_DEFINE_AUTOPTR_CLEANUP_FUNC(ParsedSdp, parsed_sdp_free)

#define assert_span(buf, s, text)                                                                \
  G_STMT_START {                                                                                 \
    g_autofree char *_got = sip_span_dup((buf), (s));                                            \
    g_assert_cmpstr(_got, ==, (text));                                                           \
  }                                                                                              \
  G_STMT_END

static void
test_offer_fields(void)
{
  g_autoptr(ParsedSdp) p = sdp_exact(OFFER, -1);
  g_assert_cmpint(p->r, ==, 1);
  const Sdp *s = &p->sdp;
  assert_span(p->buf, s->o_user, "alice");
  g_assert_cmpuint(s->sess_id, ==, 2890844526u);
  g_assert_cmpuint(s->sess_version, ==, 2890844526u);
  assert_span(p->buf, s->o_nettype, "IN");
  assert_span(p->buf, s->o_addrtype, "IP4");
  assert_span(p->buf, s->o_addr, "192.168.1.50");
  assert_span(p->buf, s->session_name, "-");
  g_assert_true(s->conn.present);
  g_assert_true(s->conn.is_v4);
  g_assert_cmphex(s->conn.v4, ==, 0xC0A80132);
  g_assert_false(s->conn.hold);
  g_assert_false(s->bare_lf);
  g_assert_cmpuint(s->n_lines, ==, 11);
  g_assert_cmpuint(s->n_media, ==, 1);
  const SdpMedia *m = &s->media[0];
  assert_span(p->buf, m->media, "audio");
  g_assert_cmpuint(m->port, ==, 4000);
  g_assert_cmpuint(m->count, ==, 0);
  assert_span(p->buf, m->proto, "RTP/AVP");
  assert_span(p->buf, m->fmts, "0 8 101");
  g_assert_cmpuint(m->n_fmts, ==, 3);
  g_assert_cmpuint(m->fmt[2], ==, 101);
  g_assert_true(m->has_rtcp);
  g_assert_cmpuint(m->rtcp_port, ==, 4001);
  assert_span(p->buf, m->rtcp_addr, "192.168.1.50");
  g_assert_true(sdp_media_conn(s, 0) == &s->conn);
  g_assert_cmpint(sdp_media_dir(s, 0), ==, SDP_DIR_SENDRECV);
  g_assert_cmpuint(m->line, ==, 5);
  g_assert_cmpuint(m->end_line, ==, 11);
  SipSpan enc;
  guint clock;
  g_assert_cmpint(sdp_rtpmap(s, 0, 101, &enc, &clock), ==, 1);
  assert_span(p->buf, enc, "telephone-event");
  g_assert_cmpuint(clock, ==, 8000);
  g_assert_cmpint(sdp_rtpmap(s, 0, 8, &enc, &clock), ==, 1);
  assert_span(p->buf, enc, "PCMA");
  g_assert_cmpint(sdp_rtpmap(s, 0, 18, &enc, &clock), ==, 0);
}

static void
test_media_overrides_session(void)
{
  const char *d = "v=0\r\no=- 1 1 IN IP4 198.51.100.1\r\ns=two\r\nc=IN IP4 198.51.100.1\r\nt=0 0\r\n"
                  "a=sendonly\r\n"
                  "m=audio 4000 RTP/AVP 0\r\n"
                  "m=video 4002/2 RTP/AVP 96 97\r\nc=IN IP4 203.0.113.30/127\r\na=recvonly\r\n"
                  "a=rtpmap:96 H264/90000\r\na=rtpmap:97 opus/48000/2\r\n"
                  "m=audio 0 RTP/SAVP 0\r\nc=IN IP4 0.0.0.0\r\na=inactive\r\n"
                  "m=application 9 UDP/DTLS/SCTP webrtc-datachannel\r\n";
  g_autoptr(ParsedSdp) p = sdp_exact(d, -1);
  g_assert_cmpint(p->r, ==, 1);
  const Sdp *s = &p->sdp;
  g_assert_cmpuint(s->n_media, ==, 4);
  /* Session-level sendonly applies where the media says nothing (RFC 3264 §5.1). */
  g_assert_cmpint(sdp_media_dir(s, 0), ==, SDP_DIR_SENDONLY);
  g_assert_cmpint(sdp_media_dir(s, 1), ==, SDP_DIR_RECVONLY);
  g_assert_cmpint(sdp_media_dir(s, 2), ==, SDP_DIR_INACTIVE);
  const SdpConn *c1 = sdp_media_conn(s, 1);
  assert_span(p->buf, c1->addr, "203.0.113.30");
  g_assert_cmphex(c1->v4, ==, 0xCB00711E);
  g_assert_cmpuint(s->media[1].count, ==, 2);
  g_assert_cmpuint(s->media[1].port, ==, 4002);
  SipSpan enc;
  guint clock;
  g_assert_cmpint(sdp_rtpmap(s, 1, 97, &enc, &clock), ==, 1);
  assert_span(p->buf, enc, "opus");
  g_assert_cmpuint(clock, ==, 48000);
  /* c=0.0.0.0 is the RFC 2543 hold; port 0 rejects the stream (RFC 3264 §6). */
  g_assert_true(sdp_media_conn(s, 2)->hold);
  g_assert_cmpuint(s->media[2].port, ==, 0);
  assert_span(p->buf, s->media[2].proto, "RTP/SAVP");
  g_assert_cmpuint(s->media[3].n_fmts, ==, 0);
  assert_span(p->buf, s->media[3].fmts, "webrtc-datachannel");
  assert_span(p->buf, s->media[3].proto, "UDP/DTLS/SCTP");
  g_assert_true(sdp_media_conn(s, 3) == &s->conn);
  /* No direction anywhere: sendrecv. */
  g_autoptr(ParsedSdp) plain = sdp_exact("v=0\r\no=- 1 1 IN IP4 h\r\nm=audio 1 RTP/AVP 0\r\n", -1);
  g_assert_cmpint(plain->r, ==, 1);
  g_assert_cmpint(sdp_media_dir(&plain->sdp, 0), ==, SDP_DIR_SENDRECV);
  g_assert_null(sdp_media_conn(&plain->sdp, 0));
}

static void
test_ice_crypto_and_unknown_lines_kept(void)
{
  const char *d =
    "v=0\r\no=- 7 2 IN IP4 192.168.1.50\r\ns=-\r\ni=session info\r\nc=IN IP4 192.168.1.50\r\n"
    "t=0 0\r\na=ice-ufrag:F7gI\r\na=ice-pwd:x9cml/YzichV2+XlhiMu8g\r\nz=strange line\r\n"
    "m=audio 49170 UDP/TLS/RTP/SAVPF 0\r\n"
    "a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR|2^20|1:32\r\n"
    "a=candidate:1 1 UDP 2130706431 192.168.1.50 49170 typ host\r\n"
    "a=candidate:2 1 UDP 1694498815 203.0.113.2 61000 typ srflx raddr 192.168.1.50 rport 49170 "
    "generation 0\r\n"
    "a=x-unknown\r\n";
  g_autoptr(ParsedSdp) p = sdp_exact(d, -1);
  g_assert_cmpint(p->r, ==, 1);
  const Sdp *s = &p->sdp;
  g_assert_cmpuint(s->n_lines, ==, 14);
  g_assert_cmpint(s->lines[8].type, ==, 'z');
  assert_span(p->buf, s->lines[8].line, "z=strange line\r\n");
  SipSpan v;
  g_assert_cmpint(sdp_attr(s, -1, "ice-ufrag", 0, &v), ==, 1);
  assert_span(p->buf, v, "F7gI");
  g_assert_cmpint(sdp_attr(s, 0, "ice-ufrag", 0, &v), ==, 0);
  g_assert_cmpint(sdp_attr(s, 0, "crypto", 0, &v), ==, 1);
  g_assert_nonnull(g_strstr_len((const char *) p->buf + v.off, v.len, "AES_CM_128_HMAC_SHA1_80"));
  g_assert_cmpint(sdp_attr(s, 0, "x-unknown", 0, &v), ==, 1);
  g_assert_cmpuint(v.len, ==, 0);
  SdpCandidate c;
  g_assert_cmpint(sdp_attr(s, 0, "candidate", 1, &v), ==, 1);
  g_assert_cmpint(sdp_candidate_parse(p->buf, v, &c), ==, 1);
  assert_span(p->buf, c.foundation, "2");
  g_assert_cmpuint(c.component, ==, 1);
  assert_span(p->buf, c.transport, "UDP");
  g_assert_cmpuint(c.priority, ==, 1694498815u);
  assert_span(p->buf, c.addr, "203.0.113.2");
  g_assert_cmpuint(c.port, ==, 61000);
  assert_span(p->buf, c.type, "srflx");
  g_assert_true(c.has_raddr);
  assert_span(p->buf, c.raddr, "192.168.1.50");
  g_assert_cmpuint(c.rport, ==, 49170);
  g_assert_cmpint(sdp_attr(s, 0, "candidate", 0, &v), ==, 1);
  g_assert_cmpint(sdp_candidate_parse(p->buf, v, &c), ==, 1);
  g_assert_false(c.has_raddr);
  static const char *const bad[] = {
    "1 1 UDP 1 192.0.2.1 5000 host", "1 0 UDP 1 192.0.2.1 5000 typ host",
    "1 1 UDP 1 192.0.2.1 70000 typ host", "1 1 UDP 1 192.0.2.1 5000 typ host raddr",
    "1 1 UDP 4294967296 192.0.2.1 5000 typ host", "",
  };
  for (guint i = 0; i < G_N_ELEMENTS(bad); i++) {
    g_autofree guint8 *b = g_memdup2(bad[i], strlen(bad[i]) + 1);
    g_assert_cmpint(sdp_candidate_parse(b, (SipSpan){0, (guint) strlen(bad[i])}, &c), ==, -1);
  }
}

typedef struct {
  const char *desc; /* what the case is about */
  const char *ref;  /* RFC section */
  const char *text; /* the description */
  int result;       /* expected sdp_parse() */
} SdpCase;

static void
test_parse_table(void)
{
  static const SdpCase cases[] = {
    /* VALID / RECOVERABLE */
    {"bare LF line ends", "RFC 8866 §5", "v=0\no=- 1 1 IN IP4 h\ns=-\nm=audio 1 RTP/AVP 0\n", 1},
    {"no final line end", "RFC 8866 §5", "v=0\r\no=- 1 1 IN IP4 h\r\ns=-", 1},
    {"trailing blank lines", "-", "v=0\r\no=- 1 1 IN IP4 h\r\n\r\n\r\n", 1},
    {"IPv6 connection", "RFC 8866 §5.7", "v=0\r\no=- 1 1 IN IP6 ::1\r\nc=IN IP6 2001:db8::1\r\n", 1},
    {"64-bit session id", "RFC 8866 §5.2", "v=0\r\no=- 18446744073709551615 1 IN IP4 h\r\n", 1},
    /* INVALID */
    {"empty", "RFC 8866 §5", "", -1},
    {"does not start with v=", "RFC 8866 §5.1", "o=- 1 1 IN IP4 h\r\nv=0\r\n", -1},
    {"v=1", "RFC 8866 §5.1", "v=1\r\no=- 1 1 IN IP4 h\r\n", -1},
    {"no o=", "RFC 8866 §5.2", "v=0\r\ns=-\r\n", -1},
    {"o= with five fields", "RFC 8866 §5.2", "v=0\r\no=- 1 1 IN IP4\r\n", -1},
    {"non-numeric sess-version", "RFC 8866 §5.2", "v=0\r\no=- 1 x IN IP4 h\r\n", -1},
    {"sess-id overflow", "RFC 8866 §5.2", "v=0\r\no=- 18446744073709551616 1 IN IP4 h\r\n", -1},
    {"two o= lines", "RFC 8866 §5", "v=0\r\no=- 1 1 IN IP4 h\r\no=- 1 1 IN IP4 h\r\n", -1},
    {"c= with two fields", "RFC 8866 §5.7", "v=0\r\no=- 1 1 IN IP4 h\r\nc=IN IP4\r\n", -1},
    {"m= port too large", "RFC 8866 §5.14", "v=0\r\no=- 1 1 IN IP4 h\r\nm=audio 70000 RTP/AVP 0\r\n", -1},
    {"m= without formats", "RFC 8866 §5.14", "v=0\r\no=- 1 1 IN IP4 h\r\nm=audio 4000 RTP/AVP\r\n", -1},
    {"m= port count 0", "RFC 8866 §5.14", "v=0\r\no=- 1 1 IN IP4 h\r\nm=audio 4000/0 RTP/AVP 0\r\n", -1},
    {"spaces around =", "RFC 8866 §5", "v = 0\r\no=- 1 1 IN IP4 h\r\n", -1},
    {"line without =", "RFC 8866 §5", "v=0\r\no=- 1 1 IN IP4 h\r\nhello\r\n", -1},
    {"upper-case type", "RFC 8866 §5", "v=0\r\no=- 1 1 IN IP4 h\r\nM=audio 1 RTP/AVP 0\r\n", -1},
    {"bad a=rtcp port", "RFC 3605 §2.1",
     "v=0\r\no=- 1 1 IN IP4 h\r\nm=audio 1 RTP/AVP 0\r\na=rtcp:99999\r\n", -1},
    {"a=rtcp address incomplete", "RFC 3605 §2.1",
     "v=0\r\no=- 1 1 IN IP4 h\r\nm=audio 1 RTP/AVP 0\r\na=rtcp:5 IN IP4\r\n", -1},
    {"bare CR inside a line", "RFC 8866 §5", "v=0\r\no=- 1 1 IN\rIP4 h\r\n", -1},
  };
  for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
    g_test_message("%s (%s)", cases[i].desc, cases[i].ref);
    g_autoptr(ParsedSdp) p = sdp_exact(cases[i].text, -1);
    if (p->r != cases[i].result)
      g_error("%s: got %d (%s)", cases[i].desc, p->r, p->why);
  }
  /* A NUL byte and too many lines. */
  g_autoptr(ParsedSdp) nul = sdp_exact("v=0\r\no=- 1 1 IN IP4 h\r\ns=a\0b\r\n", 30);
  g_assert_cmpint(nul->r, ==, -1);
  GString *big = g_string_new("v=0\r\no=- 1 1 IN IP4 h\r\n");
  for (guint i = 0; i < SDP_MAX_LINES; i++)
    g_string_append(big, "a=x\r\n");
  g_autoptr(ParsedSdp) many = sdp_exact(big->str, (gssize) big->len);
  g_assert_cmpint(many->r, ==, -1);
  g_string_free(big, TRUE);
}

static void
test_build_round_trip(void)
{
  SdpAudio a = {.user = "alice", .sess_id = 42, .sess_version = 7, .addr = "192.168.1.50",
                .port = 4000, .dir = SDP_DIR_SENDONLY, .telephone_event = TRUE, .ptime_ms = 20,
                .rtcp_port = 4001};
  g_autofree char *text = sdp_build_audio(&a);
  g_autoptr(ParsedSdp) p = sdp_exact(text, -1);
  g_assert_cmpint(p->r, ==, 1);
  const Sdp *s = &p->sdp;
  assert_span(p->buf, s->o_user, "alice");
  g_assert_cmpuint(s->sess_id, ==, 42);
  g_assert_cmpuint(s->sess_version, ==, 7);
  g_assert_cmpuint(s->n_media, ==, 1);
  g_assert_cmpuint(s->media[0].port, ==, 4000);
  g_assert_cmpuint(s->media[0].n_fmts, ==, 2);
  g_assert_cmpuint(s->media[0].fmt[0], ==, 0);
  g_assert_cmpuint(s->media[0].fmt[1], ==, 101);
  g_assert_cmpuint(s->media[0].rtcp_port, ==, 4001);
  g_assert_cmpint(sdp_media_dir(s, 0), ==, SDP_DIR_SENDONLY);
  g_assert_cmphex(sdp_media_conn(s, 0)->v4, ==, 0xC0A80132);
  SipSpan enc, v;
  guint clock;
  g_assert_cmpint(sdp_rtpmap(s, 0, 0, &enc, &clock), ==, 1);
  assert_span(p->buf, enc, "PCMU");
  g_assert_cmpint(sdp_attr(s, 0, "ptime", 0, &v), ==, 1);
  assert_span(p->buf, v, "20");
  SdpAudio b = {.sess_id = 1, .sess_version = 1, .addr = "0.0.0.0", .port = 0};
  g_autofree char *text2 = sdp_build_audio(&b);
  g_autoptr(ParsedSdp) p2 = sdp_exact(text2, -1);
  g_assert_cmpint(p2->r, ==, 1);
  g_assert_true(p2->sdp.conn.hold);
  g_assert_cmpuint(p2->sdp.media[0].n_fmts, ==, 1);
  g_assert_cmpint(sdp_media_dir(&p2->sdp, 0), ==, SDP_DIR_SENDRECV);
}

static void
test_edits_in_sip_message(void)
{
  g_autofree char *msg = g_strdup_printf(
    "INVITE sip:bob@203.0.113.10 SIP/2.0\r\nVia: SIP/2.0/UDP 192.168.1.50;branch=z9hG4bKe\r\n"
    "From: <sip:a@h>;tag=1\r\nTo: <sip:b@h>\r\nCall-ID: e1\r\nCSeq: 1 INVITE\r\n"
    "Content-Type: application/sdp\r\nContent-Length: %zu\r\n\r\n%s",
    strlen(OFFER), OFFER);
  gsize n = strlen(msg);
  g_autofree guint8 *buf = g_memdup2(msg, n);
  SipMsg *sm = g_new(SipMsg, 1);
  g_assert_cmpint(sip_msg_parse(buf, n, SIP_TP_DGRAM, sm, NULL), ==, 1);
  SipSpan body;
  g_assert_cmpint(sip_msg_find_body(sm, "application/sdp", &body), ==, 1);
  Sdp *s = g_new(Sdp, 1);
  g_assert_cmpint(sdp_parse(buf, body, s, NULL), ==, 1);
  /* What an ALG does (nf_nat_sip.c): rewrite c=, o= stays, m= port; bump the version too. */
  g_autoptr(SipEdits) e = sip_edits_new();
  g_assert_true(sdp_edit_conn_addr(e, s, &s->conn, "203.0.113.222"));
  g_assert_true(sdp_edit_media_port(e, s, 0, 61000));
  g_assert_true(sdp_edit_bump_version(e, s));
  g_assert_true(sdp_edit_media_dir(e, s, 0, SDP_DIR_SENDONLY));
  GBytes *out = sip_edits_apply_msg(e, sm);
  g_assert_nonnull(out);
  gsize n2;
  const guint8 *d2 = g_bytes_get_data(out, &n2);
  g_autofree guint8 *b2 = g_memdup2(d2, n2);
  g_bytes_unref(out);
  g_assert_cmpint(sip_msg_parse(b2, n2, SIP_TP_STREAM, sm, NULL), ==, 1);
  g_assert_cmpint(sm->cl_state, ==, SIP_CL_EXACT);
  g_assert_cmpuint(sm->content_length, ==, strlen(OFFER) + 1 + 1);
  g_assert_cmpint(sdp_parse(b2, sm->body, s, NULL), ==, 1);
  assert_span(b2, s->conn.addr, "203.0.113.222");
  g_assert_cmpuint(s->media[0].port, ==, 61000);
  g_assert_cmpuint(s->sess_version, ==, 2890844527u);
  g_assert_cmpuint(s->sess_id, ==, 2890844526u);
  g_assert_cmpint(sdp_media_dir(s, 0), ==, SDP_DIR_SENDONLY);
  /* A section without a direction attribute gets one appended. */
  g_autoptr(SipEdits) e2 = sip_edits_new();
  g_autoptr(ParsedSdp) p = sdp_exact("v=0\r\no=- 1 1 IN IP4 h\r\nm=audio 1 RTP/AVP 0\r\nm=video 2 RTP/AVP 96", -1);
  g_assert_cmpint(p->r, ==, 1);
  g_assert_true(sdp_edit_media_dir(e2, &p->sdp, 0, SDP_DIR_INACTIVE));
  g_assert_true(sdp_edit_media_dir(e2, &p->sdp, 1, SDP_DIR_RECVONLY));
  GBytes *o2 = sip_edits_apply(e2, p->buf, p->len);
  g_autofree char *t2 = g_strndup(g_bytes_get_data(o2, NULL), g_bytes_get_size(o2));
  g_bytes_unref(o2);
  g_assert_cmpstr(t2, ==, "v=0\r\no=- 1 1 IN IP4 h\r\nm=audio 1 RTP/AVP 0\r\na=inactive\r\n"
                          "m=video 2 RTP/AVP 96\r\na=recvonly");
  g_free(s);
  g_free(sm);
}

static void
test_mutations_never_crash(void)
{
  static const char *const seeds[] = {
    OFFER,
    "v=0\r\no=- 7 2 IN IP4 h\r\nc=IN IP4 0.0.0.0\r\nt=0 0\r\na=sendonly\r\nm=audio 4000/2 RTP/SAVP 0 8\r\n"
    "a=rtcp:4001\r\na=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:abc\r\n"
    "a=candidate:2 1 UDP 1694498815 203.0.113.2 61000 typ srflx raddr 192.168.1.50 rport 49170\r\n"
    "m=video 4002 RTP/AVP 96\r\nc=IN IP4 203.0.113.30/127\r\na=rtpmap:96 H264/90000\r\na=inactive\r\n",
  };
  static const char special[] = "\r\n\0 =:/0123456789amcov.";
  g_autoptr(GRand) rng = g_rand_new_with_seed(4566);
  guint ok = 0, bad = 0;
  for (guint iter = 0; iter < 5000; iter++) {
    const char *seed = seeds[iter % G_N_ELEMENTS(seeds)];
    GByteArray *a = g_byte_array_new();
    g_byte_array_append(a, (const guint8 *) seed, (guint) strlen(seed));
    for (guint k = (guint) g_rand_int_range(rng, 1, 4); k > 0 && a->len > 0; k--) {
      guint at = (guint) g_rand_int_range(rng, 0, (gint32) a->len);
      guint8 c = (guint8) special[g_rand_int_range(rng, 0, sizeof special - 1)];
      switch (g_rand_int_range(rng, 0, 4)) {
      case 0: a->data[at] = c; break;
      case 1: g_array_insert_vals((GArray *) a, at, &c, 1); break;
      case 2: g_byte_array_remove_index(a, at); break;
      default: g_byte_array_set_size(a, at); break;
      }
    }
    g_autoptr(ParsedSdp) p = sdp_exact((const char *) a->data, (gssize) a->len);
    g_byte_array_unref(a);
    if (p->r != 1) {
      bad++;
      continue;
    }
    ok++;
    for (guint m = 0; m < p->sdp.n_media; m++) {
      (void) sdp_media_conn(&p->sdp, m);
      (void) sdp_media_dir(&p->sdp, m);
      SipSpan v;
      guint clock;
      SdpCandidate c;
      for (guint f = 0; f < p->sdp.media[m].n_fmts; f++)
        (void) sdp_rtpmap(&p->sdp, m, p->sdp.media[m].fmt[f], &v, &clock);
      if (sdp_attr(&p->sdp, (gint) m, "candidate", 0, &v) == 1)
        (void) sdp_candidate_parse(p->buf, v, &c);
      g_autoptr(SipEdits) e = sip_edits_new();
      (void) sdp_edit_media_port(e, &p->sdp, m, 1);
      (void) sdp_edit_media_dir(e, &p->sdp, m, SDP_DIR_SENDONLY);
      GBytes *o = sip_edits_apply(e, p->buf, p->len);
      g_assert_nonnull(o);
      g_bytes_unref(o);
    }
  }
  g_test_message("sdp mutations: %u parsed, %u rejected", ok, bad);
  g_assert_cmpuint(ok, >, 200);
  g_assert_cmpuint(bad, >, 200);
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);
  g_test_add_func("/sdp/parse/offer-origin-connection-media-rtcp", test_offer_fields);
  g_test_add_func("/sdp/parse/media-level-overrides-session-level", test_media_overrides_session);
  g_test_add_func("/sdp/parse/ice-crypto-and-unknown-lines-kept", test_ice_crypto_and_unknown_lines_kept);
  g_test_add_func("/sdp/parse/table", test_parse_table);
  g_test_add_func("/sdp/build/audio-offer-round-trip", test_build_round_trip);
  g_test_add_func("/sdp/edit/rewrite-inside-sip-fixes-content-length", test_edits_in_sip_message);
  g_test_add_func("/sdp/parse/random-mutations-never-crash", test_mutations_never_crash);
  return g_test_run();
}
