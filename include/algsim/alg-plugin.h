/* algsim/alg-plugin.h — the public interface of algsim ALG plugins (ALG ABI 1).
 *
 * A vendor's ALG can be simulated without rebuilding algsim: build it as a shared object against
 * this header alone (no GLib, no algsim libraries) and run `algsim call --alg-plugin FILE` or
 * `algsim alg replay --alg-plugin FILE CASE.in`.  The plugin exports one data symbol,
 * `algsim_alg_plugin_v1` (ALGSIM_ALG_PLUGIN_SYMBOL), an AlgsimAlgPlugin whose first field is the
 * ALG ABI version it was built for; algsim refuses a plugin built for another version.
 *
 * The plugin sees what a Linux conntrack helper sees (net/netfilter/nf_conntrack_sip.c): every
 * UDP and TCP packet a NAT binding carries, in both directions, after address translation, with
 * the binding's internal, external (public) and remote endpoints.  It changes packets and the NAT
 * only through the AlgsimHost functions algsim passes to create(): mangle() replaces payload bytes
 * and fixes lengths, checksums and TCP sequence numbers (nf_nat_mangle_udp_packet /
 * nf_nat_mangle_tcp_packet); expect_add() opens a pinhole (nf_ct_expect_related).  Fixing a SIP
 * Content-Length is the plugin's own job.
 *
 * Everything runs on one thread inside the simulator; time is simulated time.  Addresses and
 * ports are IPv4 in host byte order.  Minimal plugin:
 *
 *   #include <algsim/alg-plugin.h>
 *   static AlgsimVerdict pass(void *state, AlgsimPacket *p) { return ALGSIM_PASS; }
 *   ALGSIM_ALG_PLUGIN_EXPORT const AlgsimAlgPlugin algsim_alg_plugin_v1 = {
 *     .abi_version = ALGSIM_ALG_ABI_VERSION, .name = "mine", .summary = "does nothing",
 *     .source = "vendor X firmware 1.2", .packet = pass,
 *   };
 */
#ifndef ALGSIM_ALG_PLUGIN_H
#define ALGSIM_ALG_PLUGIN_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The ALG ABI this header describes.  It changes whenever any type below changes incompatibly. */
#define ALGSIM_ALG_ABI_VERSION 1

/* The entry symbol.  Its name stays the same across ABI versions so that algsim can read a
 * plugin's abi_version and say which version it was built for. */
#define ALGSIM_ALG_PLUGIN_SYMBOL "algsim_alg_plugin_v1"

#if defined(__GNUC__)
#define ALGSIM_ALG_PLUGIN_EXPORT __attribute__((visibility("default")))
#else
#define ALGSIM_ALG_PLUGIN_EXPORT
#endif

enum {
  ALGSIM_PROTO_TCP = 6,  /* IANA protocol numbers */
  ALGSIM_PROTO_UDP = 17,
};

typedef enum {
  ALGSIM_DIR_OUT = 0, /* LAN -> WAN (for a hairpin: the outbound leg) */
  ALGSIM_DIR_IN = 1,  /* WAN -> LAN (for a hairpin: the inbound leg) */
} AlgsimDir;

typedef enum {
  ALGSIM_PASS = 0, /* forward the packet (possibly rewritten) */
  ALGSIM_DROP = 1, /* drop it (the NAT counts it as "alg") */
} AlgsimVerdict;

typedef struct {
  uint32_t addr; /* IPv4 address, host byte order */
  uint16_t port; /* port, host byte order */
} AlgsimAddr;

/* One router's instance of the plugin (opaque; algsim owns it). */
typedef struct AlgsimRouter AlgsimRouter;

/* One packet crossing the router.  payload and payload_len stay current after mangle(). */
typedef struct AlgsimHost AlgsimHost;

typedef struct {
  const AlgsimHost *host; /* what algsim offers (mangle, expectations, ...) */
  AlgsimRouter *router; /* the instance this packet belongs to */
  AlgsimDir dir;        /* direction */
  int hairpin;          /* nonzero: part of a hairpinned packet */
  uint8_t proto;        /* ALGSIM_PROTO_UDP or ALGSIM_PROTO_TCP */
  uint64_t binding_id;  /* the NAT binding carrying it (unique, never reused) */
  AlgsimAddr internal;  /* the binding's LAN endpoint */
  AlgsimAddr external;  /* its public endpoint on the router */
  AlgsimAddr remote;    /* its far endpoint */
  uint8_t *payload;     /* transport payload; same-length edits in place, then fix_packet() */
  size_t payload_len;   /* its length in bytes (not NUL-terminated) */
  uint32_t tcp_seq;     /* TCP: sequence number as the endpoint sent it */
  int64_t now_ns;       /* simulated time, nanoseconds */
} AlgsimPacket;

/* A pinhole request (net/netfilter/nf_conntrack_expect.c). */
typedef struct {
  uint8_t proto;       /* ALGSIM_PROTO_UDP or ALGSIM_PROTO_TCP */
  AlgsimAddr remote;   /* expected source; address 0 and/or port 0 are wildcards */
  uint16_t ext_port;   /* public port it arrives at; 0: chosen by the NAT */
  AlgsimAddr target;   /* the LAN endpoint the flow goes to */
  int64_t lifetime_ns; /* from now */
  int single_use;      /* nonzero: removed by the first flow it admits */
  const char *tag;     /* for traces, e.g. "vendor-rtp" (copied) */
} AlgsimExpectParams;

/* A timer set with add_timer(); never called after its binding has gone. */
typedef void (*AlgsimTimerFn)(void *state, AlgsimRouter *router, uint64_t binding_id, void *data);

/* What algsim offers the plugin.  Functions taking a packet may only be called while that packet
 * is being handled (inside packet()). */
struct AlgsimHost {
  uint32_t abi_version; /* ALGSIM_ALG_ABI_VERSION of the host */
  size_t size;          /* sizeof(AlgsimHost) as the host built it */
  /* Replace payload bytes [off, off + del) by rep (rep_len bytes), fixing lengths, checksums and
   * TCP sequence numbers.  0 on success, -1 if out of range or too long. */
  int (*mangle)(AlgsimPacket *p, size_t off, size_t del, const uint8_t *rep, size_t rep_len);
  /* After editing payload bytes in place: recompute the lengths and checksums. */
  void (*fix_packet)(AlgsimPacket *p);
  /* Open a pinhole owned by the packet's binding (removed with it).  A handle > 0 and the public
   * port in *ext_port (may be NULL), or 0 if no port was free. */
  uint64_t (*expect_add)(AlgsimPacket *p, const AlgsimExpectParams *params, uint16_t *ext_port);
  /* Close a pinhole; safe after it expired, matched or lost its binding.  1 if it was open. */
  int (*expect_remove)(AlgsimRouter *r, uint64_t handle);
  /* Per-binding state: destroy (may be NULL) runs when the binding goes or the state is replaced. */
  void (*set_binding_state)(AlgsimPacket *p, void *data, void (*destroy)(void *data));
  void *(*get_binding_state)(AlgsimPacket *p);
  /* Idle timeout of the packet's binding from now on (nf_conntrack_sip's sip_timeout); 0 restores
   * the NAT's configured timeouts. */
  void (*set_binding_timeout)(AlgsimPacket *p, int64_t timeout_ns);
  /* Call fn(state, router, binding_id, data) after delay_ns unless the binding goes first.
   * 0 on success, -1 if delay_ns < 0. */
  int (*add_timer)(AlgsimPacket *p, int64_t delay_ns, AlgsimTimerFn fn, void *data);
  /* The router's public address. */
  uint32_t (*public_addr)(AlgsimRouter *r);
  /* A trace row "alg <name> <text>" (deterministic, part of the run's trace). */
  void (*trace)(AlgsimRouter *r, const char *text);
  /* A debug message for humans on stderr (G_MESSAGES_DEBUG=algsim-alg). */
  void (*log)(AlgsimRouter *r, const char *text);
  /* From create() only: why it failed (copied). */
  void (*set_error)(AlgsimRouter *r, const char *message);
};

/* The entry table the plugin exports as algsim_alg_plugin_v1. */
typedef struct {
  uint32_t abi_version; /* ALGSIM_ALG_ABI_VERSION the plugin was built for (must stay first) */
  const char *name;     /* registry name, the value of router.alg: [a-z0-9_-]+ */
  const char *summary;  /* one line for `algsim alg list` */
  const char *source;   /* where the behaviour comes from (firmware, capture, RFC) */
  /* Make the per-router state (optional; host is also in every packet).
   * 0 on success; -1 after host->set_error(router, "..."). */
  int (*create)(const AlgsimHost *host, AlgsimRouter *router, void **state);
  void (*destroy)(void *state);                        /* optional */
  AlgsimVerdict (*packet)(void *state, AlgsimPacket *p); /* required */
} AlgsimAlgPlugin;

#ifdef __cplusplus
}
#endif

#endif /* ALGSIM_ALG_PLUGIN_H */
