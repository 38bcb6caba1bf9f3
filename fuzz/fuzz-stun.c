/* fuzz-stun.c — fuzz target for STUN message parsing and integrity checking (models/stun): the
 * input is one UDP payload.
 *
 * It is demultiplexed (stun_looks_like must agree with the parser), parsed (RFC 8489 §5, §14),
 * every attribute accessor runs on the result, and MESSAGE-INTEGRITY / -SHA256 are checked with
 * a short-term and a long-term key (§9.1, §9.2.2).  stun.h promises reads bounded by the length
 * given and every recorded attribute inside the message; both are checked.  A message that
 * verifies with a key must stop verifying when any byte before its integrity attribute changes.
 */
#include <string.h>

#include "stun/stun.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  StunMsg msg;
  const char *reason = NULL;
  int rc = stun_msg_parse(data, size, &msg, &reason);
  if (rc != 1) {
    g_assert(reason != NULL);
    return 0;
  }
  g_assert(stun_looks_like(data, size));
  g_assert(msg.len == size);
  for (guint i = 0; i < msg.n_attrs; i++) {
    g_assert(msg.attrs[i].off >= STUN_HEADER_LEN + 4);
    g_assert((gsize)msg.attrs[i].off + msg.attrs[i].len <= msg.len);
    stun_attr_name(msg.attrs[i].type);
  }
  stun_msg_describe(msg.method, msg.klass);

  static const guint16 addr_types[] = { STUN_ATTR_MAPPED_ADDRESS, STUN_ATTR_XOR_MAPPED_ADDRESS,
                                        STUN_ATTR_RESPONSE_ORIGIN, STUN_ATTR_OTHER_ADDRESS,
                                        STUN_ATTR_ALTERNATE_SERVER };
  for (guint i = 0; i < G_N_ELEMENTS(addr_types); i++) {
    StunAddress a;
    stun_msg_get_address(&msg, addr_types[i], &a);
  }
  guint code;
  guint32 roff;
  guint16 rlen;
  if (stun_msg_get_error(&msg, &code, &roff, &rlen) == 1) {
    g_assert(code >= 300 && code <= 699);
    g_assert((gsize)roff + rlen <= size);
    stun_error_reason(code);
  }
  guint32 v32;
  stun_msg_get_u32(&msg, STUN_ATTR_CHANGE_REQUEST, &v32);
  stun_msg_get_u32(&msg, STUN_ATTR_FINGERPRINT, &v32);
  guint16 port;
  stun_msg_get_response_port(&msg, &port);
  static const guint16 text_types[] = { STUN_ATTR_USERNAME, STUN_ATTR_REALM, STUN_ATTR_NONCE,
                                        STUN_ATTR_SOFTWARE };
  for (guint i = 0; i < G_N_ELEMENTS(text_types); i++) {
    const char *text;
    gsize tlen;
    if (stun_msg_get_text(&msg, text_types[i], &text, &tlen) == 1)
      g_assert((const guint8 *)text >= data && (const guint8 *)text + tlen <= data + size);
  }
  guint16 types[8];
  stun_msg_get_unknown(&msg, types, G_N_ELEMENTS(types));
  const guint16 extra[] = { 0x0013 };
  guint n = stun_msg_unknown_required(&msg, extra, G_N_ELEMENTS(extra), types,
                                      G_N_ELEMENTS(types));
  (void)n;

  /* Integrity with the keys the seed corpus was built with (RFC 5769's password, and a
   * long-term key), then tamper: a verified message must not verify once changed. */
  static const char *password = "VOkJxbRl1RmTxUk/WvJxBt";
  guint8 lt[16];
  stun_key_long_term("\xe3\x83\x9e\xe3\x83\x88\xe3\x83\xaa\xe3\x83\x83\xe3\x82\xaf\xe3\x82\xb9",
                     "example.org", "TheMatrIX", lt);
  const struct {
    const guint8 *key;
    gsize len;
  } keys[] = { { (const guint8 *)password, strlen(password) }, { lt, sizeof lt } };
  for (guint k = 0; k < G_N_ELEMENTS(keys); k++) {
    int mi = stun_msg_check_integrity(&msg, keys[k].key, keys[k].len);
    int mi256 = stun_msg_check_integrity_sha256(&msg, keys[k].key, keys[k].len);
    g_assert(mi >= -1 && mi <= 1 && mi256 >= -1 && mi256 <= 1);
    int idx = mi == 1 ? msg.mi_index : mi256 == 1 ? msg.mi256_index : -1;
    if (idx < 0)
      continue;
    /* Flip a byte of the covered part chosen by the input (not the length field, which the
     * HMAC replaces, nor the cookie, which the parser checks). */
    gsize covered = msg.attrs[idx].off - 4;
    gsize at = covered > STUN_HEADER_LEN ? STUN_HEADER_LEN + data[size - 1] % (covered -
                                                                                STUN_HEADER_LEN)
                                         : 8;
    g_autofree guint8 *copy = g_memdup2(data, size);
    copy[at] ^= 0x01;
    StunMsg m2;
    if (stun_msg_parse(copy, size, &m2, NULL) == 1) {
      int again = idx == msg.mi_index ? stun_msg_check_integrity(&m2, keys[k].key, keys[k].len)
                                      : stun_msg_check_integrity_sha256(&m2, keys[k].key,
                                                                        keys[k].len);
      g_assert(again != 1);
    }
  }
  return 0;
}
