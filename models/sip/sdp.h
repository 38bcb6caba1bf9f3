/* sdp.h — SDP (RFC 8866, formerly RFC 4566) parsing, accessors, building and byte edits.
 *
 * Parsing works on a body span inside a caller's buffer (usually the SIP message's buffer, so
 * SDP spans and SIP spans index the same bytes and SipEdits can combine both).  Every line is
 * recorded in order, unknown ones verbatim; the session and each m= section keep their c=,
 * direction (RFC 3264 §5.1, §8.4 hold) and a=rtcp (RFC 3605).  a=crypto (RFC 4568), a=candidate
 * and a=ice-* (RFC 8839) lines are kept and can be looked up; candidates parse field by field.
 * Functions return 1 found / 0 absent / -1 malformed and never read outside the body span.
 */
#pragma once

#include "sip/sip-msg.h"

G_BEGIN_DECLS

#define SDP_MAX_LINES 256 /* lines recorded per description; more is malformed */
#define SDP_MAX_MEDIA 16  /* m= sections per description; more is malformed */
#define SDP_MAX_FMTS 32   /* numeric formats recorded per m= line (the rest stay in fmts) */

/* Media direction (RFC 3264 §5.1, RFC 8866 §6.7). */
typedef enum {
  SDP_DIR_NONE = 0, /* no direction attribute at this level */
  SDP_DIR_SENDRECV,
  SDP_DIR_SENDONLY,
  SDP_DIR_RECVONLY,
  SDP_DIR_INACTIVE,
} SdpDir;

/* A c= line (RFC 8866 §5.7): "IN IP4 203.0.113.2[/ttl]". */
typedef struct {
  gboolean present;  /* a c= line exists at this level */
  guint line;        /* index into Sdp.lines */
  SipSpan nettype;   /* "IN" */
  SipSpan addrtype;  /* "IP4" / "IP6" */
  SipSpan addr;      /* the address without any /ttl suffix */
  gboolean is_v4;    /* addr is a dotted IPv4 address */
  guint32 v4;        /* that address, host byte order */
  gboolean hold;     /* c=IN IP4 0.0.0.0, the RFC 2543 hold (RFC 3264 §8.4) */
} SdpConn;

/* One line of the description. */
typedef struct {
  char type;     /* the letter before '=' */
  SipSpan value; /* after "x=", without the line end */
  SipSpan line;  /* the whole line including its line end */
  gint media;    /* -1 for the session section, else the m= section index */
} SdpLine;

/* One m= section (RFC 8866 §5.14). */
typedef struct {
  guint line;            /* index of its m= line in Sdp.lines */
  guint end_line;        /* one past its last line */
  SipSpan media;         /* "audio", "video", ... */
  SipSpan port_span;     /* the port digits */
  guint16 port;          /* transport port; 0 = stream rejected/disabled (RFC 3264 §6) */
  guint count;           /* number of ports after '/', 0 when absent */
  SipSpan proto;         /* "RTP/AVP", "RTP/SAVP", "UDP/TLS/RTP/SAVPF", ... */
  SipSpan fmts;          /* the format list as written */
  guint n_fmts;          /* numeric formats recorded in fmt[] */
  guint fmt[SDP_MAX_FMTS]; /* numeric formats (RTP payload types) in order */
  SdpConn conn;          /* media-level c= (present FALSE when absent) */
  SdpDir dir;            /* media-level direction attribute, SDP_DIR_NONE when absent */
  guint dir_line;        /* index of that attribute's line (when dir != NONE) */
  gboolean has_rtcp;     /* a=rtcp present (RFC 3605) */
  guint16 rtcp_port;     /* its port */
  SipSpan rtcp_port_span; /* its port digits */
  SipSpan rtcp_addr;     /* its connection address, len 0 when absent */
} SdpMedia;

/* A parsed description.  Invariant: all spans lie inside body. */
typedef struct {
  const guint8 *buf;        /* buffer the spans index (borrowed) */
  SipSpan body;             /* the description's bytes */
  gboolean bare_lf;         /* some line ended in a bare LF (RFC 8866 §5 asks for CRLF) */
  SipSpan o_user;           /* o= username */
  SipSpan o_sess_id;        /* o= sess-id */
  SipSpan o_sess_version;   /* o= sess-version */
  SipSpan o_nettype;        /* o= nettype */
  SipSpan o_addrtype;       /* o= addrtype */
  SipSpan o_addr;           /* o= unicast-address */
  guint64 sess_id;          /* sess-id as a number */
  guint64 sess_version;     /* sess-version as a number */
  SipSpan session_name;     /* s= value (len 0 when absent) */
  SdpConn conn;             /* session-level c= */
  SdpDir dir;               /* session-level direction attribute */
  guint n_lines;            /* entries used in lines[] */
  SdpLine lines[SDP_MAX_LINES]; /* every line, in order */
  guint n_media;            /* entries used in media[] */
  SdpMedia media[SDP_MAX_MEDIA]; /* m= sections in order */
} Sdp;

/* An ICE candidate (RFC 8839 §5.1). */
typedef struct {
  SipSpan foundation; /* foundation */
  guint component;    /* component-id (1 RTP, 2 RTCP) */
  SipSpan transport;  /* "UDP" / "TCP" */
  guint32 priority;   /* priority */
  SipSpan addr;       /* connection-address */
  guint16 port;       /* port */
  SipSpan type;       /* "host", "srflx", "prflx", "relay" */
  gboolean has_raddr; /* raddr/rport present */
  SipSpan raddr;      /* related address */
  guint16 rport;      /* related port */
} SdpCandidate;

/* Offer/answer builder input: one audio stream of G.711 PCMU (payload 0, RFC 3551 §6) and
 * optionally telephone-event (RFC 4733) on dynamic payload 101. */
typedef struct {
  const char *user;          /* o= username ("-" when NULL) */
  guint64 sess_id;           /* o= sess-id */
  guint64 sess_version;      /* o= sess-version */
  const char *addr;          /* IPv4 address for o= and c= */
  guint16 port;              /* audio RTP port (0 rejects the stream) */
  SdpDir dir;                /* direction attribute (NONE = omit, meaning sendrecv) */
  gboolean telephone_event;  /* offer payload 101 telephone-event/8000 */
  guint ptime_ms;            /* a=ptime (0 = omit) */
  guint16 rtcp_port;         /* a=rtcp port (0 = omit) */
} SdpAudio;

/* Parse the description in buf[body]: 1 parsed, -1 malformed (*reason a fixed string). */
int sdp_parse(const guint8 *buf, SipSpan body, Sdp *sdp, const char **reason);
const SdpConn *sdp_media_conn(const Sdp *sdp, guint m); /* media c=, else session c=, else NULL */
SdpDir sdp_media_dir(const Sdp *sdp, guint m);          /* media, else session, else sendrecv */
const char *sdp_dir_name(SdpDir dir);                   /* "sendonly"...; NULL for NONE */
/* nth a=name[:value] at a level (media index, or -1 for the session); value len 0 for a flag. */
int sdp_attr(const Sdp *sdp, gint media, const char *name, guint n, SipSpan *value);
/* a=rtpmap of payload type pt in m= section m: encoding name and clock rate (§6.6). */
int sdp_rtpmap(const Sdp *sdp, guint m, guint pt, SipSpan *encoding, guint *clock);
/* Parse an a=candidate value (with or without the "candidate:" prefix). */
int sdp_candidate_parse(const guint8 *buf, SipSpan value, SdpCandidate *cand);
char *sdp_build_audio(const SdpAudio *a);                /* the description; g_free() it */
gboolean sdp_edit_bump_version(SipEdits *e, const Sdp *sdp); /* o= sess-version + 1 */
gboolean sdp_edit_conn_addr(SipEdits *e, const Sdp *sdp, const SdpConn *conn, const char *addr);
gboolean sdp_edit_media_port(SipEdits *e, const Sdp *sdp, guint m, guint16 port);
gboolean sdp_edit_media_dir(SipEdits *e, const Sdp *sdp, guint m, SdpDir dir); /* set or append */

G_END_DECLS
