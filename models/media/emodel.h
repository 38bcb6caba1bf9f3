/* emodel.h — listening-quality estimate of a call direction: the ITU-T G.107 E-model, simplified
 * to the terms that a network changes (delay and packet loss), as design.md §4 states it.
 */
#pragma once

#include "config.h"

G_BEGIN_DECLS

typedef struct {
  double r0;             /* basic signal-to-noise ratio R0 (G.107 default 93.2) */
  double codec_delay_ms; /* added to the network one-way delay: packetization + jitter buffer */
  double ie;             /* equipment impairment factor of the codec (G.113: G.711 0) */
  double bpl;            /* packet-loss robustness factor (G.113 App. I: G.711 with PLC 25.1) */
  double burst_r;        /* burst ratio BurstR; 1 for random loss */
  double a;              /* advantage factor A (G.107 §3.4: 0 for wired) */
} EmodelParams;

void emodel_params_default(EmodelParams *p);
/* Read media.codec_delay_ms, media.ie, media.bpl, media.burst_r, media.a. */
gboolean emodel_params_from_config(const Config *cfg, EmodelParams *p, GError **error);

/* Delay impairment Id for mouth-to-ear delay d (ms). */
double emodel_id(double d_ms);
/* Effective equipment impairment for packet loss ppl (percent, 0..100). */
double emodel_ie_eff(const EmodelParams *p, double ppl_percent);
/* R for a mouth-to-ear delay d (ms) and a loss percentage. */
double emodel_r_m2e(const EmodelParams *p, double d_ms, double ppl_percent);
/* R for a network one-way delay (ms; codec_delay_ms is added) and a loss percentage. */
double emodel_r(const EmodelParams *p, double network_delay_ms, double ppl_percent);
/* MOS-CQE from R (G.107 Annex B). */
double emodel_mos(double r);

G_END_DECLS
