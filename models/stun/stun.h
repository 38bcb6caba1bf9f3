/* stun.h — STUN message codec (RFC 8489) with the NAT behaviour discovery attributes (RFC 5780).
 *
 * Parsing works on raw bytes and never copies: a StunMsg records the header fields and, for each
 * attribute, its type and the (offset, length) of its value inside the caller's buffer, in the
 * style of the kernel's ct_sip_get_header().  Functions return 1 (found / valid), 0 (absent / not
 * STUN) or -1 (malformed) and never read past the length they are given.  Building appends to a
 * GByteArray and keeps the header's length field current, so MESSAGE-INTEGRITY and FINGERPRINT
 * can be computed over exactly what precedes them (RFC 8489 §14.5, §14.6, §14.7).
 */
#pragma once

#include <glib.h>
#include <stdint.h>

G_BEGIN_DECLS

#define STUN_HEADER_LEN 20            /* RFC 8489 §5: type, length, cookie, transaction id */
#define STUN_MAGIC_COOKIE 0x2112A442u /* RFC 8489 §5 */
#define STUN_TID_LEN 12               /* 96-bit transaction id */
#define STUN_FINGERPRINT_XOR 0x5354554Eu /* RFC 8489 §14.7: "STUN" */
#define STUN_MAX_ATTRS 48             /* attributes recorded per message; more is malformed */
#define STUN_DEFAULT_PORT 3478        /* RFC 8489 §18.6 (IANA "stun") */

/* Message classes (RFC 8489 §5: the C1 and C0 bits). */
typedef enum {
  STUN_CLASS_REQUEST = 0,
  STUN_CLASS_INDICATION = 1,
  STUN_CLASS_SUCCESS = 2,
  STUN_CLASS_ERROR = 3,
} StunClass;

#define STUN_METHOD_BINDING 0x001 /* RFC 8489 §18.2 */

/* Attribute types (RFC 8489 §18.3, RFC 5780 §9.1). */
enum {
  STUN_ATTR_MAPPED_ADDRESS = 0x0001,
  STUN_ATTR_CHANGE_REQUEST = 0x0003,   /* RFC 5780 §7.2 */
  STUN_ATTR_USERNAME = 0x0006,
  STUN_ATTR_MESSAGE_INTEGRITY = 0x0008,
  STUN_ATTR_ERROR_CODE = 0x0009,
  STUN_ATTR_UNKNOWN_ATTRIBUTES = 0x000A,
  STUN_ATTR_REALM = 0x0014,
  STUN_ATTR_NONCE = 0x0015,
  STUN_ATTR_MESSAGE_INTEGRITY_SHA256 = 0x001C,
  STUN_ATTR_PASSWORD_ALGORITHM = 0x001D,
  STUN_ATTR_USERHASH = 0x001E,
  STUN_ATTR_XOR_MAPPED_ADDRESS = 0x0020,
  STUN_ATTR_PRIORITY = 0x0024,         /* RFC 8445 §16.1 */
  STUN_ATTR_USE_CANDIDATE = 0x0025,    /* RFC 8445 §16.1 */
  STUN_ATTR_PADDING = 0x0026,          /* RFC 5780 §7.6 */
  STUN_ATTR_RESPONSE_PORT = 0x0027,    /* RFC 5780 §7.5 */
  STUN_ATTR_PASSWORD_ALGORITHMS = 0x8002,
  STUN_ATTR_ALTERNATE_DOMAIN = 0x8003,
  STUN_ATTR_SOFTWARE = 0x8022,
  STUN_ATTR_ALTERNATE_SERVER = 0x8023,
  STUN_ATTR_FINGERPRINT = 0x8028,
  STUN_ATTR_RESPONSE_ORIGIN = 0x802B,  /* RFC 5780 §7.3 */
  STUN_ATTR_ICE_CONTROLLED = 0x8029,   /* RFC 8445 §16.1 */
  STUN_ATTR_ICE_CONTROLLING = 0x802A,  /* RFC 8445 §16.1 */
  STUN_ATTR_OTHER_ADDRESS = 0x802C,    /* RFC 5780 §7.4 */
};

/* CHANGE-REQUEST flags (RFC 5780 §7.2). */
#define STUN_CHANGE_IP 0x4u
#define STUN_CHANGE_PORT 0x2u

/* Address families in (XOR-)MAPPED-ADDRESS (RFC 8489 §14.1). */
#define STUN_FAMILY_IPV4 0x01
#define STUN_FAMILY_IPV6 0x02

typedef struct {
  guint8 family;  /* STUN_FAMILY_IPV4 or STUN_FAMILY_IPV6 */
  guint16 port;   /* host byte order */
  guint32 v4;     /* IPv4 address, host byte order (family IPv4) */
  guint8 v6[16];  /* IPv6 address, network byte order (family IPv6) */
} StunAddress;

/* One attribute: its type and where its value lies in the message buffer. */
typedef struct {
  guint16 type;  /* attribute type */
  guint16 len;   /* value length, without padding */
  guint32 off;   /* offset of the value from the start of the buffer */
} StunAttr;

/* A parsed message.  It borrows the buffer given to stun_msg_parse(), which must outlive it.
 * Invariant: every attrs[i] lies inside buf[20 .. len); attributes after MESSAGE-INTEGRITY other
 * than MESSAGE-INTEGRITY-SHA256 and FINGERPRINT are counted in n_ignored, not recorded (RFC 8489
 * §14.5), and FINGERPRINT, when present, was the last attribute and matched. */
typedef struct {
  const guint8 *buf;           /* the message bytes (borrowed) */
  gsize len;                   /* whole message length: 20 + the header's length field */
  guint16 type;                /* raw message type */
  guint16 method;              /* method (12 bits) */
  StunClass klass;             /* class */
  guint8 tid[STUN_TID_LEN];    /* transaction id */
  StunAttr attrs[STUN_MAX_ATTRS]; /* recorded attributes, in message order */
  guint n_attrs;               /* entries used in attrs */
  guint n_ignored;             /* attributes ignored because they followed MESSAGE-INTEGRITY */
  int mi_index;                /* index in attrs of MESSAGE-INTEGRITY, -1 if absent */
  int mi256_index;             /* index of MESSAGE-INTEGRITY-SHA256, -1 if absent */
  int fp_index;                /* index of FINGERPRINT, -1 if absent */
} StunMsg;

/* Quick demultiplexing test (RFC 8489 §7.3, RFC 7983): does this datagram start like STUN
 * (top two bits zero, magic cookie, length a multiple of 4 that fits)? */
gboolean stun_looks_like(const guint8 *buf, gsize len);

/* Parse and validate a whole message: 1 valid, 0 not STUN (demultiplexing failed: other
 * protocol), -1 malformed STUN.  On 0 or -1, *reason (if given) gets a fixed reason string. */
int stun_msg_parse(const guint8 *buf, gsize len, StunMsg *msg, const char **reason);

/* Find the first recorded attribute of a type: 1 found, 0 absent. */
int stun_msg_find(const StunMsg *msg, guint16 type, StunAttr *out);
/* Decode address attributes: MAPPED-ADDRESS, RESPONSE-ORIGIN, OTHER-ADDRESS, ALTERNATE-SERVER
 * plainly; XOR-MAPPED-ADDRESS with the cookie and transaction id.  1 / 0 absent / -1 malformed. */
int stun_msg_get_address(const StunMsg *msg, guint16 type, StunAddress *out);
/* ERROR-CODE (RFC 8489 §14.8): code 300..699; reason as (offset, length) into the buffer. */
int stun_msg_get_error(const StunMsg *msg, guint *code, guint32 *reason_off, guint16 *reason_len);
/* A 32-bit value attribute (CHANGE-REQUEST, FINGERPRINT): 1 / 0 / -1 if not 4 bytes. */
int stun_msg_get_u32(const StunMsg *msg, guint16 type, guint32 *value);
/* RESPONSE-PORT (RFC 5780 §7.5): port then 2 bytes of padding. */
int stun_msg_get_response_port(const StunMsg *msg, guint16 *port);
/* Text attributes (USERNAME, REALM, NONCE, SOFTWARE) as a pointer into the buffer and length. */
int stun_msg_get_text(const StunMsg *msg, guint16 type, const char **text, gsize *len);
/* UNKNOWN-ATTRIBUTES: up to max types; returns how many were in the attribute (-1 malformed). */
int stun_msg_get_unknown(const StunMsg *msg, guint16 *types, guint max);

/* Comprehension-required attributes (type < 0x8000) that neither this codec (RFC 8489, RFC 5780,
 * ICE's) nor the caller's extra_known list understands: fills up to max types and returns how
 * many there were (RFC 8489 §6.3.1.1 answers a request carrying them with 420). */
guint stun_msg_unknown_required(const StunMsg *msg, const guint16 *extra_known, guint n_extra,
                                guint16 *types, guint max);
const char *stun_attr_name(guint16 type); /* "XOR-MAPPED-ADDRESS"; NULL if not known */

/* ---- Integrity and fingerprint (stun-auth.c) --------------------------------------------- */

/* Check MESSAGE-INTEGRITY (HMAC-SHA1) / MESSAGE-INTEGRITY-SHA256 with this key: 1 matches,
 * 0 attribute absent, -1 mismatch or malformed. */
int stun_msg_check_integrity(const StunMsg *msg, const guint8 *key, gsize key_len);
int stun_msg_check_integrity_sha256(const StunMsg *msg, const guint8 *key, gsize key_len);
/* Long-term credential key, MD5(username ":" realm ":" password) (RFC 8489 §9.2.2); the inputs
 * must already be SASLprep/OpaqueString-processed.  The short-term key is the password itself. */
void stun_key_long_term(const char *username, const char *realm, const char *password,
                        guint8 key[16]);
/* IEEE 802.3 CRC-32 (the polynomial FINGERPRINT uses). */
guint32 stun_crc32(const guint8 *data, gsize len);

/* ---- Building ------------------------------------------------------------------------------ */

/* A message under construction; bytes->len is always 20 + a multiple of 4, and the header's
 * length field always says so. */
typedef struct {
  GByteArray *bytes; /* the message so far (owned) */
} StunBuilder;

void stun_builder_init(StunBuilder *b, guint16 method, StunClass klass,
                       const guint8 tid[STUN_TID_LEN]);
void stun_builder_clear(StunBuilder *b);
/* Give the bytes to the caller (the builder is then empty). */
GBytes *stun_builder_steal(StunBuilder *b);

/* Append an attribute with zero padding; FALSE if the value is too long for the message. */
gboolean stun_add_raw(StunBuilder *b, guint16 type, const void *value, gsize len);
gboolean stun_add_text(StunBuilder *b, guint16 type, const char *text);
gboolean stun_add_u32(StunBuilder *b, guint16 type, guint32 value);
/* IPv4 addresses only; XOR-MAPPED-ADDRESS is XORed with the cookie. */
gboolean stun_add_address(StunBuilder *b, guint16 type, guint32 addr, guint16 port);
gboolean stun_add_error(StunBuilder *b, guint code, const char *reason);
gboolean stun_add_unknown(StunBuilder *b, const guint16 *types, guint n);
gboolean stun_add_response_port(StunBuilder *b, guint16 port);
/* HMAC-SHA1 over the message so far with the length set to include this attribute. */
gboolean stun_add_integrity(StunBuilder *b, const guint8 *key, gsize key_len);
gboolean stun_add_integrity_sha256(StunBuilder *b, const guint8 *key, gsize key_len);
gboolean stun_add_fingerprint(StunBuilder *b);

/* Error reason phrases of RFC 8489 §14.8 ("Bad Request" for 400...). */
const char *stun_error_reason(guint code);
/* "Binding request", "Binding success response"... for traces (static string). */
const char *stun_msg_describe(guint16 method, StunClass klass);

G_END_DECLS
