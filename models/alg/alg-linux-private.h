/* alg-linux-private.h — internals shared by the Linux SIP ALG's files: the kernel-style parser
 * (alg-linux-parse.c, after nf_conntrack_sip.c), the conntrack side (alg-linux.c) and the NAT
 * side (alg-linux-nat.c, after nf_nat_sip.c).
 */
#pragma once

#include "alg.h"

/* SIP headers the helper knows (nf_conntrack_sip.c ct_sip_hdrs[]). */
typedef enum {
  LX_HDR_CSEQ,
  LX_HDR_FROM,
  LX_HDR_TO,
  LX_HDR_CONTACT,
  LX_HDR_VIA_UDP,
  LX_HDR_VIA_TCP,
  LX_HDR_EXPIRES,
  LX_HDR_CONTENT_LENGTH,
} LxHdr;

/* SDP lines it knows (ct_sdp_hdrs_v4[]). */
typedef enum {
  LX_SDP_UNSPEC,
  LX_SDP_VERSION,
  LX_SDP_OWNER,
  LX_SDP_CONNECTION,
  LX_SDP_MEDIA,
} LxSdp;

/* Expectation classes (include/linux/netfilter/nf_conntrack_sip.h). */
typedef enum {
  LX_EXP_SIGNALLING,
  LX_EXP_AUDIO,
  LX_EXP_VIDEO,
  LX_EXP_IMAGE,
  LX_EXP_N,
} LxClass;

/* ---- Parser (return 1 found / 0 absent / -1 malformed; offsets into buf) ---------------------- */

int lx_get_header(const char *buf, gsize off, gsize len, LxHdr h, gsize *moff, gsize *mlen);
/* Dotted quad at buf[off]; *end just after it.  FALSE if none. */
gboolean lx_parse_addr(const char *buf, gsize off, gsize len, guint32 *addr, gsize *end);
/* A header's URI address and port (no port: 5060; port < 1024 or > 65535: -1).  `coff`, when
 * given, is where to start and is moved past the match; `in_header` walks comma lists. */
int lx_parse_header_uri(const char *buf, gsize *coff, gsize len, LxHdr h, int *in_header,
                        gsize *moff, gsize *mlen, guint32 *addr, guint16 *port);
int lx_parse_request(const char *buf, gsize len, gsize *moff, gsize *mlen, guint32 *addr,
                     guint16 *port);
/* `name=` with an address / a number, searched from `start` to the end of the header entry. */
int lx_parse_address_param(const char *buf, gsize start, gsize len, const char *name, gsize *poff,
                           gsize *plen, guint32 *addr);
int lx_parse_numerical_param(const char *buf, gsize start, gsize len, const char *name, gsize *poff,
                             gsize *plen, guint *val);
/* ;transport= of a URI: TRUE and the protocol, FALSE if it names another transport. */
gboolean lx_parse_transport(const char *buf, gsize start, gsize len, guint8 flow_proto,
                            guint8 *proto);
int lx_get_sdp_header(const char *buf, gsize off, gsize len, LxSdp h, LxSdp term, gsize *moff,
                      gsize *mlen);
int lx_parse_sdp_addr(const char *buf, gsize off, gsize len, LxSdp h, LxSdp term, gsize *moff,
                      gsize *mlen, guint32 *addr);
/* Where the helper starts looking for SDP: the body after the first CRLFCRLF (-1: none, as for
 * bare-LF messages, corpus #31). */
gssize lx_body_start(const char *buf, gsize len);
guint lx_strtoul(const char *buf, gsize off, gsize len, gsize *end);

/* ---- Message context ---------------------------------------------------------------------------- */

typedef struct LinuxAlg LinuxAlg;
typedef struct LxFlow LxFlow;

/* One SIP message inside a packet's payload.  The buffer moves when the packet is mangled:
 * always use lx_msg_buf(). */
typedef struct {
  NatAlgPacket *p;  /* the packet */
  LinuxAlg *alg;    /* the ALG */
  LxFlow *flow;     /* the flow's helper state */
  gsize off;        /* message start, relative to the payload */
  gsize len;        /* message length (changes with mangling) */
  gboolean nat;     /* the flow is NATed (IPS_NAT_MASK): the nf_nat_sip hooks run */
  /* The kernel's tuples for this packet's direction: dir = as sent, rev = the other way. */
  SimAddr dir_src, dir_dst, rev_src, rev_dst;
} LxMsg;

static inline const char *
lx_msg_buf(const LxMsg *m)
{
  return (const char *)m->p->pkt->data + m->p->payload_off + m->off;
}

/* Replace [off, off + del) of the message by text; FALSE if the packet cannot take it. */
gboolean lx_mangle(LxMsg *m, gsize off, gsize del, const char *text, gsize text_len);

/* ---- NAT side (alg-linux-nat.c, nf_nat_sip.c) -------------------------------------------------- */

guint16 lx_forced_dport(const LxMsg *m);
/* nf_nat_sip(): Request-URI, top Via (+maddr/received/rport), Contacts, From, To; the forced
 * destination port.  FALSE = drop. */
gboolean lx_nat_msg(LxMsg *m, const char **why);
/* nf_nat_sdp_addr / nf_nat_sdp_session / mangle_content_len.  FALSE = drop. */
gboolean lx_nat_sdp_addr(LxMsg *m, gsize mediaoff, guint32 addr);
gboolean lx_nat_sdp_session(LxMsg *m, gsize sdpoff, guint32 addr);
/* Write "a.b.c.d" / "a.b.c.d:port". */
gsize lx_fmt_addr(char *buf, gsize size, guint32 addr, gint port);

/* ---- State (alg-linux.c) ------------------------------------------------------------------------- */

/* One expectation as the helper keeps it (struct nf_conntrack_expect).  Inbound-useful ones hold a
 * NAT expectation; the mirror ones (from the pbx's SDP, for LAN-to-WAN media) and inactive
 * registrations exist only here, counting towards the class limits.  `e` may be used only while
 * the record is live (not used, not expired): the NAT frees its expectations by itself. */
typedef struct {
  LxFlow *flow;        /* master flow */
  LxClass cls;         /* class */
  NatExpect *e;        /* the NAT's expectation, or NULL */
  guint32 src;         /* expected source address, 0 = any */
  SimAddr dst;         /* expected destination (as the kernel's tuple: public for NATed ones) */
  SimAddr target;      /* where it leads (the saved, private address) */
  SimTime expires;     /* end of life */
  gboolean inactive;   /* a registration not yet confirmed by a 2xx (NF_CT_EXPECT_INACTIVE) */
  gboolean used;       /* a single-use expectation was consumed */
} LxExpect;

/* Per-flow helper state (struct nf_ct_sip_master plus the helper assignment). */
struct LxFlow {
  LinuxAlg *alg;         /* owner */
  NatBinding *binding;   /* the flow (valid while this state lives) */
  gboolean helper;       /* the "sip" helper is attached to this flow */
  gboolean expected;     /* created through an expectation (IPS_EXPECTED) */
  guint16 forced_dport;  /* Cisco rule: reply destination port from the Via */
  guint32 register_cseq; /* CSeq of the last REGISTER that set up an expectation */
  guint32 invite_cseq;   /* CSeq of the last INVITE accepted */
  GQueue expects;        /* LxExpect *, oldest first */
};

struct LinuxAlg {
  Nat *nat;                  /* the NAT it serves */
  guint16 helper_ports[16];  /* alg.linux_helper_ports */
  guint n_helper_ports;      /* entries used (0: no helper anywhere) */
  SimTime sip_timeout;       /* alg.linux_sip_timeout_s */
  gboolean direct_signalling; /* alg.linux_sip_direct_signalling */
  gboolean direct_media;     /* alg.linux_sip_direct_media */
  gboolean external_media;   /* alg.linux_sip_external_media */
  GQueue all;                /* every LxExpect of every flow (identical-tuple checks) */
};
