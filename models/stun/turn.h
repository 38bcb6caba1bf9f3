/* turn.h — TURN message codec (RFC 8656) on top of the STUN codec (stun.h).
 *
 * TURN reuses STUN's message format and adds methods (Allocate, Refresh, Send, Data,
 * CreatePermission, ChannelBind), attributes (RFC 8656 §18) and error codes (§19), and a second
 * message format, ChannelData (§12.4): a 4-byte header (channel number, length) and the
 * application data, padded to a multiple of 4 bytes over stream transports.  Like stun.h, the
 * getters return 1 (found / valid), 0 (absent) or -1 (malformed) and never read past the length
 * they are given; the builders append to a StunBuilder.  turn_frame_stream() splits a TCP or TLS
 * byte stream into STUN messages and ChannelData messages (§12.5).
 */
#pragma once

#include "sim.h"
#include "stun.h"

G_BEGIN_DECLS

#define TURN_TLS_PORT 5349     /* RFC 8656 §18.1 ("turns" over TLS) */
#define TURN_PROTO_UDP 17      /* REQUESTED-TRANSPORT value for UDP (RFC 8656 §18.7) */
#define TURN_CHANNEL_MIN 0x4000 /* first channel number (RFC 8656 §12) */
#define TURN_CHANNEL_MAX 0x4FFF /* last channel number; 0x5000-0xFFFF are reserved (§12) */
#define TURN_CHANNEL_HEADER_LEN 4 /* channel number and length (RFC 8656 §12.4) */

/* Methods (RFC 8656 §17). */
enum {
  TURN_METHOD_ALLOCATE = 0x003,
  TURN_METHOD_REFRESH = 0x004,
  TURN_METHOD_SEND = 0x006,
  TURN_METHOD_DATA = 0x007,
  TURN_METHOD_CREATE_PERMISSION = 0x008,
  TURN_METHOD_CHANNEL_BIND = 0x009,
};

/* Attributes (RFC 8656 §18). */
enum {
  TURN_ATTR_CHANNEL_NUMBER = 0x000C,
  TURN_ATTR_LIFETIME = 0x000D,
  TURN_ATTR_XOR_PEER_ADDRESS = 0x0012,
  TURN_ATTR_DATA = 0x0013,
  TURN_ATTR_XOR_RELAYED_ADDRESS = 0x0016,
  TURN_ATTR_REQUESTED_ADDRESS_FAMILY = 0x0017,
  TURN_ATTR_EVEN_PORT = 0x0018,
  TURN_ATTR_REQUESTED_TRANSPORT = 0x0019,
  TURN_ATTR_DONT_FRAGMENT = 0x001A,
  TURN_ATTR_RESERVATION_TOKEN = 0x0022,
  TURN_ATTR_ADDITIONAL_ADDRESS_FAMILY = 0x8000,
  TURN_ATTR_ADDRESS_ERROR_CODE = 0x8001,
  TURN_ATTR_ICMP = 0x8004,
};

/* How a client reaches the server: the transport part of the 5-tuple (RFC 8656 §2). */
typedef enum {
  TURN_TRANSPORT_UDP, /* UDP to port 3478 */
  TURN_TRANSPORT_TCP, /* TCP to port 3478 */
  TURN_TRANSPORT_TLS, /* TLS over TCP to port 5349 */
} TurnTransport;

const char *turn_transport_name(TurnTransport t); /* "UDP", "TCP", "TLS" */

/* ---- Attributes ------------------------------------------------------------------------------ */

/* XOR-PEER-ADDRESS, XOR-RELAYED-ADDRESS (and XOR-MAPPED-ADDRESS): IPv4 or IPv6, XORed with the
 * cookie (and, for IPv6, the transaction id; RFC 8489 §14.2).  1 / 0 absent / -1 malformed. */
int turn_msg_get_xor_address(const StunMsg *msg, guint16 type, StunAddress *out);
/* The same for one recorded attribute (CreatePermission may carry several XOR-PEER-ADDRESS). */
int turn_attr_get_xor_address(const StunMsg *msg, const StunAttr *attr, StunAddress *out);
/* The same for an IPv4 address only: -1 also when the attribute holds IPv6. */
int turn_msg_get_xor_addr4(const StunMsg *msg, guint16 type, SimAddr *out);
gboolean turn_add_xor_address(StunBuilder *b, guint16 type, SimAddr a);

/* LIFETIME (§18.4): seconds, 4 bytes. */
int turn_msg_get_lifetime(const StunMsg *msg, guint32 *seconds);
gboolean turn_add_lifetime(StunBuilder *b, guint32 seconds);
/* REQUESTED-TRANSPORT (§18.7): protocol number then 3 reserved bytes. */
int turn_msg_get_requested_transport(const StunMsg *msg, guint8 *protocol);
gboolean turn_add_requested_transport(StunBuilder *b, guint8 protocol);
/* CHANNEL-NUMBER (§18.2): number then 2 reserved bytes.  The range is not checked here. */
int turn_msg_get_channel_number(const StunMsg *msg, guint16 *channel);
gboolean turn_add_channel_number(StunBuilder *b, guint16 channel);
/* DATA (§18.6): a pointer into the message buffer and its length (any length, 0 included). */
int turn_msg_get_data(const StunMsg *msg, const guint8 **data, gsize *len);
gboolean turn_add_data(StunBuilder *b, const guint8 *data, gsize len);
/* EVEN-PORT (§18.8): one byte, the R (reserve next port) flag in the top bit. */
int turn_msg_get_even_port(const StunMsg *msg, gboolean *reserve);
gboolean turn_add_even_port(StunBuilder *b, gboolean reserve);
/* RESERVATION-TOKEN (§18.10): 8 bytes. */
int turn_msg_get_reservation_token(const StunMsg *msg, guint64 *token);
gboolean turn_add_reservation_token(StunBuilder *b, guint64 token);
/* DONT-FRAGMENT (§18.9): no value; presence is the flag.  1 present, 0 absent, -1 has a value. */
int turn_msg_get_dont_fragment(const StunMsg *msg);
gboolean turn_add_dont_fragment(StunBuilder *b);

/* ---- ChannelData (RFC 8656 §12.4, §12.5) ----------------------------------------------------- */

/* A parsed ChannelData message: where its application data lies in the caller's buffer. */
typedef struct {
  guint16 channel; /* channel number, 0x4000..0x4FFF */
  guint16 len;     /* application data length (the header's length field) */
  guint32 off;     /* offset of the data: always 4 */
} TurnChannelData;

/* Does this start like ChannelData (first two bits 01, RFC 8656 §12 / RFC 7983)? */
gboolean turn_looks_like_channel_data(const guint8 *buf, gsize len);
/* Parse one ChannelData message occupying buf[0..len): 1 valid, 0 not ChannelData (first two bits
 * not 01), -1 malformed: shorter than the header, the length field beyond the buffer, a reserved
 * channel number (0x5000-0x7FFF), or (stream = TRUE) anything but the padding after the data.
 * Over UDP trailing bytes are padding the sender may add and are ignored (§12.5). */
int turn_channel_data_parse(const guint8 *buf, gsize len, gboolean stream, TurnChannelData *out,
                            const char **reason);
/* Header and data, padded with zeros to a multiple of 4 bytes if `pad` (required over TCP/TLS,
 * §12.5).  NULL if len > 65535. */
GBytes *turn_channel_data_build(guint16 channel, const guint8 *data, gsize len, gboolean pad);

/* Framing of a TCP/TLS stream that carries STUN and ChannelData messages (RFC 8656 §12.5,
 * RFC 8489 §6.2.2): 1 a whole message of *frame_len bytes (ChannelData padding included) starts
 * the buffer, 0 more bytes are needed, -1 the stream cannot be framed (first two bits 10 or 11,
 * STUN length not a multiple of 4, no magic cookie). */
int turn_frame_stream(const guint8 *buf, gsize len, gsize *frame_len, const char **reason);

/* ---- Names ----------------------------------------------------------------------------------- */

const char *turn_method_name(guint16 method); /* "Allocate", "Binding"...; "unknown-method" */
/* "Allocate request", "ChannelBind success response"... into buf (at least 48 bytes). */
char *turn_msg_describe(guint16 method, StunClass klass, char buf[48]);
/* RFC 8656 §19 reason phrases (437 "Allocation Mismatch"...), else stun_error_reason(). */
const char *turn_error_reason(guint code);

G_END_DECLS
