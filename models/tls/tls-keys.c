/* tls-keys.c — the configuration keys of the TLS model and the parameters built from them. */
#include "tls.h"

const CfgKeyDef tls_keys[] = {
  {"tls.version", CFG_ENUM, "", "1.2", "1.2|1.3",
   "Highest TLS version: 1.2 (RFC 5246, two round trips) or a TLS 1.3-shaped handshake "
   "(RFC 8446 in middlebox compatibility mode, one round trip; 1.3 clients also offer 1.2)."},
  {"tls.cert_chain_bytes", CFG_INT, "bytes", "3000", "0..60000",
   "Size of the server's certificate_list: a typical RSA-2048 leaf plus one intermediate "
   "(e.g. Let's Encrypt leaf and R3, about 1.3-1.5 KB DER each) is 2.6-3 KB; below about 1.6 KB "
   "the two bare certificates are sent."},
  {"tls.handshake_timeout_s", CFG_DOUBLE, "s", "60", "0..3600",
   "Give up a TLS handshake that has not finished after this long; 0 waits forever (nginx "
   "ssl_handshake_timeout defaults to 60 s)."},
  {NULL},
};

void
tls_params_default(TlsParams *p)
{
  p->protocol = TLS_PROTO_1_2;
  p->cert_chain_bytes = 3000;
  p->handshake_timeout = SIM_S(60);
  p->server_name = NULL;
  p->index = 0;
}

void
tls_params_from_config(const Config *cfg, TlsParams *p)
{
  p->protocol = cfg_enum(cfg, "tls.version") == 1 ? TLS_PROTO_1_3 : TLS_PROTO_1_2;
  p->cert_chain_bytes = (guint)cfg_int(cfg, "tls.cert_chain_bytes");
  p->handshake_timeout = SIM_TIME_FROM_S(cfg_double(cfg, "tls.handshake_timeout_s"));
}
