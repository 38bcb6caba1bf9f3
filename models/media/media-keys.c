/* media-keys.c — the configuration keys of the media models: RTP packetization and RTCP
 * interval (media-stream.c), the E-model's parameters (emodel.c) and the threshold at which a call
 * direction counts as heard (design.md §3).
 */
#include "config.h"

const CfgKeyDef media_keys[] = {
  {"media.ptime_ms", CFG_INT, "ms", "20", "10..120",
   "RTP packetization time; G.711 sends ptime * 8 payload bytes per packet (RFC 3551 §4.5, "
   "default 20 ms)."},
  {"media.rtcp_interval_s", CFG_DOUBLE, "s", "5", "0.1..3600",
   "Mean RTCP report interval, randomized over [0.5, 1.5] times it (RFC 3550 §6.2 minimum 5 s, "
   "§6.3.1)."},
  {"media.codec_delay_ms", CFG_DOUBLE, "ms", "60", "0..2000",
   "Packetization plus jitter-buffer delay added to the network one-way delay for the E-model: "
   "20 ms frames and a 40 ms buffer, the usual G.711 budget of ITU-T G.114 planning."},
  {"media.ie", CFG_DOUBLE, "", "0", "0..100",
   "Equipment impairment factor Ie of the codec (ITU-T G.113 Appendix I: G.711 0)."},
  {"media.bpl", CFG_DOUBLE, "", "25.1", "0.1..100",
   "Packet-loss robustness factor Bpl (ITU-T G.113 Appendix I: G.711 with PLC 25.1)."},
  {"media.burst_r", CFG_DOUBLE, "", "1", "0.1..100",
   "Burst ratio BurstR of the loss (ITU-T G.107 §3.5: 1 for random loss)."},
  {"media.a", CFG_DOUBLE, "", "0", "0..20",
   "Advantage factor A (ITU-T G.107 Table 1: 0 for conventional wired)."},
  {"media.heard_threshold", CFG_DOUBLE, "", "0.9", "0..1",
   "A call direction counts as heard when it received at least this fraction of the RTP packets "
   "sent (design.md §3)."},
  {"media.latch_probation_pkts", CFG_INT, "packets", "4", "1..1000",
   "Packets in a row from a new source before a handover-latching endpoint moves to it "
   "(Asterisk rtp.conf probation default 4)."},
  {NULL},
};
