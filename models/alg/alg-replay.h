/* alg-replay.h — replay SIP messages through a simulated router with a chosen ALG, the way
 * shared/tools/real-alg-testbed.sh pushes them through a real Linux router: the same addresses
 * (phone 192.168.1.50, router 192.168.1.1 / 203.0.113.2, pbx 203.0.113.10 and 203.0.113.20),
 * the same steps (--pre messages, then the case, optionally split over two TCP segments), the
 * bytes that arrive on the far side, and media-pinhole probes reported in the testbed's words.
 *
 * --no-nat (AlgReplayOpts.no_nat) replays through a route-only router (router.h): nothing is
 * translated, the pbx reaches 192.168.1.50 directly, and the router's own address 203.0.113.2 is
 * a dead end.  The ALG hook still runs on every packet, untranslated, with a binding that maps the
 * phone to itself (nat_binding_translated() FALSE).  The linux ALG then skips its nf_nat_sip half
 * as the kernel does (ct->status & IPS_NAT_MASK == 0), keeping parsing, drops and expectations
 * for the addresses as written.  Other ALGs run unchanged: one that maps the internal address to
 * the external one writes back what was there ("ideal" passes the bytes as sent), and faults that
 * do not depend on translation still show (proxy-style's Via and Max-Forwards, contact-reset's
 * port); an ALG that should stand aside without NAT checks nat_binding_translated().
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct {
  char *dir;             /* "phone2pbx" | "pbx2phone" */
  char *proto;           /* "udp" | "tcp" */
  char *file;            /* message file */
  gint sport;            /* sender's source port (0 = ephemeral) */
  gint dport;            /* destination port, 0 = default */
  gint split;            /* TCP: first segment size, 0 = one segment */
  char *pbx_addr;        /* pbx-side address of this step */
} AlgReplayStep;

typedef struct {
  const char *alg;            /* ALG name (router.alg) */
  const char *case_file;      /* the CASE message */
  const char *dir;            /* -d */
  const char *proto;          /* -t */
  gint sport;                 /* -s */
  gint dport;                 /* -p (0 = default) */
  const char *to_addr;        /* --to-addr */
  const char *pbx_addr;       /* --pbx-addr */
  const char *case_pbx_addr;  /* --case-pbx-addr or NULL */
  char **pre;                 /* --pre DIR:PROTO:FILE[:SPORT[:DPORT[:PBXADDR]]] */
  const char *helper_ports;   /* -H */
  char **params;              /* --param NAME=VALUE */
  const char *snat_ports;     /* --snat-ports LO-HI or NULL */
  gboolean no_nat;            /* --no-nat: route-only router, see above */
  gint split;                 /* --split */
  gboolean rtp_probe;         /* --rtp-probe */
  const char *probe_src;      /* --probe-src */
  gint probe_sport;           /* --probe-sport */
  gint probe_before_sport;    /* --probe-before-sport (0 = probe_sport + 1000) */
  gboolean probe_each;        /* --probe-each */
  const char *base_dir;       /* relative message paths are taken from here (NULL = cwd) */
} AlgReplayOpts;

/* Defaults of the testbed. */
void alg_replay_opts_init(AlgReplayOpts *o);

/* Run the replay in a fresh simulated world (sim_setup .. sim_reset).  *out gets the bytes that
 * arrived for the CASE step (empty: nothing arrived), report the testbed-style report.  FALSE
 * with a GError (CFG_ERROR for bad options/keys, G_FILE_ERROR for unreadable files). */
gboolean alg_replay_run(const AlgReplayOpts *o, GBytes **out, GString *report, GError **error);

G_END_DECLS
