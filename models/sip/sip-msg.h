/* sip-msg.h — SIP message codec (RFC 3261 §7, §18.3, §19, §20, §25): parsing, accessors, building
 * and byte-splicing edits.
 *
 * Parsing works on raw, NOT NUL-terminated bytes and never copies: a SipMsg records the start line
 * and, for each header line in order, its kind (one table with long and compact names, like the
 * kernel's ct_sip_hdrs[] in nf_conntrack_sip.c) and the (offset, length) of its raw name and value
 * inside the caller's buffer.  Functions return 1 (found / valid), 0 (absent) or -1 (malformed) and
 * never read past the length they are given.  Folded lines (§7.3.1) stay inside a value span;
 * every scanner here treats CR/LF followed by SP/HTAB as whitespace.
 *
 * Building appends to a GString with CRLF line ends and a correct Content-Length.  Editing records
 * (offset, length, replacement) triples in a SipEdits list and splices them into new bytes in one
 * pass, fixing Content-Length when the body changed size — what an ALG or a proxy needs.
 */
#pragma once

#include <glib.h>
#include <stdint.h>

G_BEGIN_DECLS

#define SIP_MAX_HEADERS 128   /* header lines recorded per message; more is malformed */
#define SIP_MAX_HEAD_LEN 65536 /* stream framing gives up past this many bytes without a blank line */

/* A region of the buffer a message was parsed from. */
typedef struct {
  guint off; /* offset of the first byte */
  guint len; /* length in bytes (0 = empty) */
} SipSpan;

/* Transport class: it changes Content-Length semantics (RFC 3261 §18.3, §20.14). */
typedef enum {
  SIP_TP_DGRAM = 0, /* UDP: a missing Content-Length means "to the end of the datagram" */
  SIP_TP_STREAM,    /* TCP/TLS: Content-Length is mandatory and ends the message */
} SipTransport;

/* Header kinds.  SIP_HDR_OTHER is any extension header; its raw name is in SipHeader.name. */
typedef enum {
  SIP_HDR_OTHER = 0,
  SIP_HDR_ACCEPT,
  SIP_HDR_ACCEPT_CONTACT,      /* a (RFC 3841) */
  SIP_HDR_ACCEPT_ENCODING,
  SIP_HDR_ALLOW,
  SIP_HDR_ALLOW_EVENTS,        /* u (RFC 6665) */
  SIP_HDR_AUTHORIZATION,
  SIP_HDR_CALL_ID,             /* i */
  SIP_HDR_CONTACT,             /* m */
  SIP_HDR_CONTENT_DISPOSITION,
  SIP_HDR_CONTENT_ENCODING,    /* e */
  SIP_HDR_CONTENT_LENGTH,      /* l */
  SIP_HDR_CONTENT_TYPE,        /* c */
  SIP_HDR_CSEQ,
  SIP_HDR_DATE,
  SIP_HDR_EVENT,               /* o (RFC 6665) */
  SIP_HDR_EXPIRES,
  SIP_HDR_FROM,                /* f */
  SIP_HDR_IDENTITY,            /* y (RFC 8224) */
  SIP_HDR_MAX_FORWARDS,
  SIP_HDR_MIME_VERSION,
  SIP_HDR_MIN_EXPIRES,
  SIP_HDR_MIN_SE,              /* RFC 4028 */
  SIP_HDR_P_ASSERTED_IDENTITY, /* RFC 3325 */
  SIP_HDR_PATH,                /* RFC 3327 */
  SIP_HDR_PROXY_AUTHENTICATE,
  SIP_HDR_PROXY_AUTHORIZATION,
  SIP_HDR_PROXY_REQUIRE,
  SIP_HDR_RACK,                /* RFC 3262 */
  SIP_HDR_RECORD_ROUTE,
  SIP_HDR_REFER_TO,            /* r (RFC 3515) */
  SIP_HDR_REFERRED_BY,         /* b (RFC 3892) */
  SIP_HDR_REJECT_CONTACT,      /* j (RFC 3841) */
  SIP_HDR_REQUEST_DISPOSITION, /* d (RFC 3841) */
  SIP_HDR_REQUIRE,
  SIP_HDR_RETRY_AFTER,
  SIP_HDR_ROUTE,
  SIP_HDR_RSEQ,                /* RFC 3262 */
  SIP_HDR_SERVER,
  SIP_HDR_SESSION_EXPIRES,     /* x (RFC 4028) */
  SIP_HDR_SUBJECT,             /* s */
  SIP_HDR_SUBSCRIPTION_STATE,  /* RFC 6665 */
  SIP_HDR_SUPPORTED,           /* k */
  SIP_HDR_TIMESTAMP,
  SIP_HDR_TO,                  /* t */
  SIP_HDR_UNSUPPORTED,
  SIP_HDR_USER_AGENT,
  SIP_HDR_VIA,                 /* v */
  SIP_HDR_WARNING,
  SIP_HDR_WWW_AUTHENTICATE,
  SIP_HDR_COUNT
} SipHdr;

/* Methods (RFC 3261 §27.4 registry); SIP_METHOD_OTHER is an extension token. */
typedef enum {
  SIP_METHOD_OTHER = 0,
  SIP_METHOD_INVITE,
  SIP_METHOD_ACK,
  SIP_METHOD_BYE,
  SIP_METHOD_CANCEL,
  SIP_METHOD_REGISTER,
  SIP_METHOD_OPTIONS,
  SIP_METHOD_UPDATE,    /* RFC 3311 */
  SIP_METHOD_INFO,      /* RFC 6086 */
  SIP_METHOD_PRACK,     /* RFC 3262 */
  SIP_METHOD_SUBSCRIBE, /* RFC 6665 */
  SIP_METHOD_NOTIFY,    /* RFC 6665 */
  SIP_METHOD_REFER,     /* RFC 3515 */
  SIP_METHOD_MESSAGE,   /* RFC 3428 */
  SIP_METHOD_COUNT
} SipMethod;

/* Which line ending the head used (the Linux ALG accepts bare LF; we accept and record it). */
typedef enum {
  SIP_EOL_CRLF = 0, /* every line ended in CRLF (RFC 3261 §7) */
  SIP_EOL_LF,       /* every line ended in a bare LF */
  SIP_EOL_MIXED,    /* both occurred */
} SipEol;

/* What Content-Length said about the body (RFC 3261 §18.3, §20.14). */
typedef enum {
  SIP_CL_ABSENT = 0, /* no Content-Length: datagram body runs to the end of the datagram */
  SIP_CL_EXACT,      /* Content-Length equals the bytes that follow the head */
  SIP_CL_SHORTER,    /* fewer than the bytes that follow: the rest is ignored (UDP) or the next message */
} SipClState;

/* One header line: kind, raw name and value (LWS-trimmed; may contain folded line breaks). */
typedef struct {
  SipHdr id;     /* kind; SIP_HDR_OTHER for extension headers */
  SipSpan name;  /* raw name as written ("v", "Via", "VIA") */
  SipSpan value; /* value, without leading/trailing LWS */
  SipSpan line;  /* the whole line from its name through its line end (for removal) */
} SipHeader;

/* A parsed message.  All spans index buf; the SipMsg borrows buf and must not outlive it.
 * Invariant: n_headers <= SIP_MAX_HEADERS; body.off + body.len <= msg_len <= len. */
typedef struct {
  const guint8 *buf;      /* the bytes parsed (borrowed) */
  gsize len;              /* bytes given */
  gsize msg_len;          /* bytes this message occupies (leading CRLFs, head and body) */
  SipTransport transport; /* transport class it was parsed for */
  gboolean is_request;    /* request (TRUE) or response */
  SipMethod method_id;    /* request method kind */
  SipSpan method;         /* request method token */
  SipSpan ruri;           /* Request-URI */
  SipSpan version;        /* "SIP/2.0" */
  guint status;           /* response status code, 100..699 */
  SipSpan reason;         /* response reason phrase (may be empty) */
  SipSpan start_line;     /* the start line without its line end */
  SipEol eol;             /* line endings used in the head */
  guint head_len;         /* offset of the first body byte */
  SipSpan body;           /* the body as framed by Content-Length */
  SipClState cl_state;    /* Content-Length presence and consistency */
  guint content_length;   /* the Content-Length value (when present) */
  guint n_headers;        /* entries used in headers[] */
  SipHeader headers[SIP_MAX_HEADERS]; /* header lines in order */
} SipMsg;

/* Parameters of one Via value (RFC 3261 §20.42, RFC 3581 rport). */
typedef struct {
  SipSpan protocol;     /* "SIP/2.0/UDP" (may contain LWS around '/') */
  SipSpan transport;    /* "UDP", "TCP", "TLS", ... */
  SipSpan host;         /* sent-by host; IPv6 references keep their brackets */
  SipSpan port_span;    /* sent-by port digits; len 0 when absent */
  guint16 port;         /* sent-by port, 0 when absent */
  SipSpan params;       /* ";branch=...;rport" (from the first ';', len 0 if none) */
  SipSpan branch;       /* branch value */
  SipSpan received;     /* received value (RFC 3261 §18.2.1) */
  SipSpan maddr;        /* maddr value */
  SipSpan ttl;          /* ttl value */
  gboolean has_rport;   /* rport present (RFC 3581 §3) */
  SipSpan rport;        /* rport value; len 0 for a bare ";rport" */
  guint16 rport_port;   /* rport value as a number, 0 for a bare ";rport" */
} SipVia;

typedef enum {
  SIP_URI_OTHER = 0, /* absoluteURI of another scheme: only scheme and rest are set */
  SIP_URI_SIP,
  SIP_URI_SIPS,
  SIP_URI_TEL,       /* RFC 3966: the number is in user, its parameters in params */
} SipUriScheme;

/* A parsed URI (RFC 3261 §19.1.1, RFC 3966). Escapes (%HH) stay as written. */
typedef struct {
  SipUriScheme scheme; /* scheme kind */
  SipSpan scheme_span; /* "sip", "SIPS", "tel", ... */
  SipSpan user;        /* user part (or tel number); len 0 when absent */
  SipSpan password;    /* password; len 0 when absent */
  SipSpan host;        /* host; IPv6 references keep their brackets */
  SipSpan port_span;   /* port digits; len 0 when absent */
  guint16 port;        /* port, 0 when absent */
  SipSpan params;      /* ";transport=udp;lr" from the first ';' after the host; len 0 if none */
  SipSpan headers;     /* "h=v&..." after '?', without the '?'; len 0 if none */
  SipSpan rest;        /* everything after "scheme:" */
} SipUri;

/* name-addr / addr-spec with header parameters (RFC 3261 §20.10, §20.20, §20.39). */
typedef struct {
  gboolean star;    /* Contact: * (RFC 3261 §10.2.2) */
  gboolean angle;   /* the URI was inside <...> */
  SipSpan display;  /* display name: inside the quotes, or the raw token sequence; may be empty */
  gboolean quoted;  /* display name was a quoted-string (escapes left in place) */
  SipSpan uri;      /* the URI (inside <...> when angle) */
  SipSpan params;   /* header parameters from the first ';' after the URI; len 0 if none */
} SipNameAddr;

/* One part of a multipart body (RFC 2046 §5.1.1). */
typedef struct {
  SipSpan part;         /* the whole part between the boundary lines */
  SipSpan content_type; /* its Content-Type value; len 0 if the part has none (text/plain) */
  SipSpan body;         /* its body after the blank line */
} SipPart;

/* ---- sip-hdr.c: tables -------------------------------------------------------------------- */
const char *sip_hdr_name(SipHdr id);                  /* canonical long name ("Call-ID") */
char sip_hdr_compact(SipHdr id);                      /* compact letter or 0 (RFC 3261 §7.3.3) */
SipHdr sip_hdr_lookup(const guint8 *name, gsize len); /* case-insensitive, long or compact */
gboolean sip_hdr_is_list(SipHdr id);                  /* comma-separated values (§7.3.1) */
const char *sip_method_name(SipMethod m);             /* "INVITE"; NULL for SIP_METHOD_OTHER */
SipMethod sip_method_lookup(const guint8 *tok, gsize len); /* case-sensitive (§7.1) */
const char *sip_reason_phrase(guint status);          /* default reason phrase (§21) */

/* ---- sip-msg.c: parsing and framing ------------------------------------------------------- */
/* Parse one message from buf[0, len).  1 parsed, 0 no message (empty or only CRLFs: a keepalive),
 * -1 malformed with *reason a fixed string.  Headers are not checked for presence here. */
int sip_msg_parse(const guint8 *buf, gsize len, SipTransport tp, SipMsg *msg, const char **reason);
/* Stream framing (§18.3): 1 the first frame is *msg_len bytes (a run of CR/LF is a frame of its
 * own, a keepalive), 0 more bytes are needed, -1 the stream cannot be framed (close it). */
int sip_stream_frame(const guint8 *buf, gsize len, gsize *msg_len, const char **reason);
/* Request/response rules (§8.1.1, §8.2.2, §20): version, mandatory and singleton headers, CSeq,
 * Call-ID, top Via, From, To, Max-Forwards, Request-URI, Content-Type.  1 ok, -1 with *reason. */
int sip_msg_validate(const SipMsg *msg, const char **reason);
guint sip_msg_count(const SipMsg *msg, SipHdr id);                 /* header lines of a kind */
const SipHeader *sip_msg_header(const SipMsg *msg, SipHdr id, guint n); /* nth line, or NULL */
const SipHeader *sip_msg_header_named(const SipMsg *msg, const char *name, guint n); /* any name */
/* nth value of a kind across all its lines, comma lists split (quotes and <...> respected). */
int sip_msg_value(const SipMsg *msg, SipHdr id, guint n, SipSpan *value);
guint sip_msg_value_count(const SipMsg *msg, SipHdr id);
/* Iterate a comma list: *pos starts at 0; 1 element, 0 end, -1 unterminated quote or '<'. */
int sip_list_next(const guint8 *buf, SipSpan list, guint *pos, SipSpan *elem);
gboolean sip_span_eq(const guint8 *buf, SipSpan s, const char *text);      /* exact */
gboolean sip_span_case_eq(const guint8 *buf, SipSpan s, const char *text); /* ASCII case-insensitive */
char *sip_span_dup(const guint8 *buf, SipSpan s);                           /* g_free() it */
int sip_span_uint(const guint8 *buf, SipSpan s, guint32 max, guint32 *out); /* 1*DIGIT <= max */

/* ---- sip-uri.c: values -------------------------------------------------------------------- */
/* Find a ;name[=value] parameter (case-insensitive name) in a list starting at ';'.  1 found
 * (*has_value tells "rport" from "rport=1"), 0 absent, -1 the list is malformed. */
int sip_param_find(const guint8 *buf, SipSpan params, const char *name, SipSpan *value,
                   gboolean *has_value);
int sip_uri_parse(const guint8 *buf, SipSpan s, SipUri *uri);   /* sip:, sips:, tel:, other */
int sip_host_ipv4(const guint8 *buf, SipSpan host, guint32 *addr); /* 1 dotted quad, else 0 */
char *sip_unescape(const guint8 *buf, SipSpan s);               /* %HH decoded copy; g_free() */
gboolean sip_branch_has_cookie(const guint8 *buf, SipSpan branch); /* "z9hG4bK" (§8.1.1.7) */
int sip_name_addr_parse(const guint8 *buf, SipSpan s, SipNameAddr *na); /* also Contact: * */
int sip_via_parse(const guint8 *buf, SipSpan s, SipVia *via);  /* one Via value */
int sip_msg_via(const SipMsg *msg, guint n, SipVia *via);      /* nth Via value (0 = top) */
int sip_msg_cseq(const SipMsg *msg, guint32 *num, SipMethod *method, SipSpan *method_span);
int sip_msg_call_id(const SipMsg *msg, SipSpan *call_id);
int sip_msg_from(const SipMsg *msg, SipNameAddr *na);
int sip_msg_to(const SipMsg *msg, SipNameAddr *na);
int sip_msg_tag(const SipMsg *msg, SipHdr id, SipSpan *tag);   /* id: SIP_HDR_FROM or SIP_HDR_TO */
int sip_msg_contact(const SipMsg *msg, guint n, SipNameAddr *na); /* nth Contact value */
int sip_msg_max_forwards(const SipMsg *msg, guint *hops);       /* 0..255 */
int sip_msg_expires(const SipMsg *msg, guint32 *secs);          /* Expires header (capped) */

/* ---- sip-body.c: Content-Type and multipart (RFC 2046 §5.1) ------------------------------- */
int sip_msg_content_type(const SipMsg *msg, SipSpan *type, SipSpan *params); /* "a/b", ";..." */
gboolean sip_content_type_is(const guint8 *buf, SipSpan type, const char *want); /* case-insens. */
/* Iterate parts: *pos starts at 0; 1 part, 0 after the close delimiter, -1 malformed. */
int sip_multipart_next(const guint8 *buf, SipSpan body, SipSpan boundary, guint *pos, SipPart *part);
/* The body if its type is want_type, else the first multipart part of that type. */
int sip_msg_find_body(const SipMsg *msg, const char *want_type, SipSpan *out);

/* ---- sip-build.c: building and editing ---------------------------------------------------- */
typedef struct SipBuilder SipBuilder;
SipBuilder *sip_builder_request(const char *method, const char *ruri);   /* "M ruri SIP/2.0" */
SipBuilder *sip_builder_response(guint status, const char *reason);      /* NULL: default phrase */
/* A response with Via/From/To(+to_tag unless 100 or tagged)/Call-ID/CSeq copied (§8.2.6.2). */
SipBuilder *sip_builder_response_to(const SipMsg *req, guint status, const char *reason,
                                    const char *to_tag);
void sip_builder_add(SipBuilder *b, SipHdr id, const char *value);  /* long name; not CL */
void sip_builder_addf(SipBuilder *b, SipHdr id, const char *fmt, ...) G_GNUC_PRINTF(3, 4);
void sip_builder_add_named(SipBuilder *b, const char *name, const char *value);
void sip_builder_add_raw(SipBuilder *b, const SipMsg *msg, const SipHeader *h); /* copy a line */
/* Append Content-Type (if a body), Content-Length, the blank line and the body; frees b. */
GBytes *sip_builder_finish(SipBuilder *b, const char *content_type, const void *body, gsize len);
void sip_builder_free(SipBuilder *b);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(SipBuilder, sip_builder_free)

/* Splices: replace [off, off+len) with text (len 0 inserts).  Edits may not overlap (FALSE). */
typedef struct SipEdits SipEdits;
SipEdits *sip_edits_new(void);
void sip_edits_free(SipEdits *e);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(SipEdits, sip_edits_free)
guint sip_edits_count(const SipEdits *e);
gboolean sip_edits_replace(SipEdits *e, guint off, guint len, const char *text);
gboolean sip_edits_replace_span(SipEdits *e, SipSpan s, const char *text);
GBytes *sip_edits_apply(const SipEdits *e, const guint8 *buf, gsize len); /* NULL if out of range */
/* Apply to a parsed message and rewrite Content-Length if edits changed the body's size. */
GBytes *sip_edits_apply_msg(const SipEdits *e, const SipMsg *msg);
gboolean sip_edit_header_value(SipEdits *e, const SipMsg *msg, const SipHeader *h, const char *value);
gboolean sip_edit_remove_header(SipEdits *e, const SipMsg *msg, const SipHeader *h);
/* Insert "name: value" before a header line, or at the end of the head when before is NULL. */
gboolean sip_edit_insert_header(SipEdits *e, const SipMsg *msg, const SipHeader *before,
                                const char *name, const char *value);
gboolean sip_edit_add_top_via(SipEdits *e, const SipMsg *msg, const char *value); /* §16.6 8 */
gboolean sip_edit_remove_top_via(SipEdits *e, const SipMsg *msg);                 /* §16.7 3 */
/* Set ;name=value (value NULL: a bare flag) on one element (a Via or name-addr value) whose
 * parameter list is params: replaces an existing value or appends at the element's end. */
gboolean sip_edit_set_param(SipEdits *e, const guint8 *buf, SipSpan elem, SipSpan params,
                            const char *name, const char *value);

G_END_DECLS
