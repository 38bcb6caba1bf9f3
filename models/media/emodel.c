/* emodel.c — the ITU-T G.107 E-model reduced to network impairments (design.md §4):
 *   R = R0 - Id - Ie,eff + A
 *   Id = 0.024 d + 0.11 (d - 177.3) H(d - 177.3)            (G.107 §7.3 simplified, as in G.108)
 *   Ie,eff = Ie + (95 - Ie) Ppl / (Ppl / BurstR + Bpl)       (G.107 eq. 7-29)
 *   MOS = 1 + 0.035 R + 7e-6 R (R - 60)(100 - R), clamped to 1 below R 0 and 4.5 above R 100.
 * The simplified Id is the one used by INET's SimpleVoipReceiver::eModel and by Cole & Rosenbluth
 * (2001); INET's Ie,eff is this one with BurstR = 1.  Sidetone, noise and echo terms stay at their
 * G.107 defaults, which is what R0 = 93.2 stands for.
 */
#include "media/emodel.h"

void
emodel_params_default(EmodelParams *p)
{
  p->r0 = 93.2;            /* G.107 Table 3 defaults give R0 = 93.2 after Is */
  p->codec_delay_ms = 60;  /* see media.codec_delay_ms in media-keys.c */
  p->ie = 0;               /* G.113 Appendix I: G.711 */
  p->bpl = 25.1;           /* G.113 Appendix I: G.711 with packet loss concealment */
  p->burst_r = 1;          /* random loss */
  p->a = 0;                /* G.107 §3.4: conventional wired */
}

gboolean
emodel_params_from_config(const Config *cfg, EmodelParams *p, GError **error)
{
  g_return_val_if_fail(cfg != NULL && p != NULL, FALSE);
  emodel_params_default(p);
  p->codec_delay_ms = cfg_double(cfg, "media.codec_delay_ms");
  p->ie = cfg_double(cfg, "media.ie");
  p->bpl = cfg_double(cfg, "media.bpl");
  p->burst_r = cfg_double(cfg, "media.burst_r");
  p->a = cfg_double(cfg, "media.a");
  if (p->burst_r <= 0 || p->bpl <= 0) {
    g_set_error(error, CFG_ERROR, CFG_ERROR_BAD_VALUE,
                "[media] %s: must be above 0", p->bpl <= 0 ? "bpl" : "burst_r");
    return FALSE;
  }
  return TRUE;
}

double
emodel_id(double d_ms)
{
  if (d_ms < 0)
    d_ms = 0;
  double id = 0.024 * d_ms;
  if (d_ms > 177.3) /* H(x) = 1 for x > 0 */
    id += 0.11 * (d_ms - 177.3);
  return id;
}

double
emodel_ie_eff(const EmodelParams *p, double ppl_percent)
{
  double ppl = CLAMP(ppl_percent, 0.0, 100.0);
  return p->ie + (95.0 - p->ie) * ppl / (ppl / p->burst_r + p->bpl);
}

double
emodel_r_m2e(const EmodelParams *p, double d_ms, double ppl_percent)
{
  return p->r0 - emodel_id(d_ms) - emodel_ie_eff(p, ppl_percent) + p->a;
}

double
emodel_r(const EmodelParams *p, double network_delay_ms, double ppl_percent)
{
  return emodel_r_m2e(p, network_delay_ms + p->codec_delay_ms, ppl_percent);
}

double
emodel_mos(double r)
{
  if (r < 0)
    return 1.0;
  if (r > 100)
    return 4.5;
  return 1.0 + 0.035 * r + 7e-6 * r * (r - 60.0) * (100.0 - r);
}
