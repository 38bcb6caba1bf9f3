/* stun-private.h — internals shared by the STUN codec files (stun.c, stun-auth.c). */
#pragma once

#include "sim.h"
#include "stun.h"

G_BEGIN_DECLS

void stun_wr16(guint8 *p, guint16 v);
void stun_wr32(guint8 *p, guint32 v);
guint16 stun_type_encode(guint16 method, StunClass klass);
/* Set the header's length field to this many attribute bytes. */
void stun_builder_set_length(StunBuilder *b, gsize attr_bytes);

/* "198.51.100.10:3478" into buf (at least 24 bytes); returns buf.  For traces. */
char *stun_fmt_addr(SimAddr a, char buf[24]);
/* The transaction id as 24 hex digits into buf (at least 25 bytes); returns buf. */
char *stun_fmt_tid(const guint8 tid[STUN_TID_LEN], char buf[25]);

G_END_DECLS
