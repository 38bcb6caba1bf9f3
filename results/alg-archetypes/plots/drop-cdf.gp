# drop-cdf
# experiment: alg-archetypes
# description: Against a NAT-aware PBX over UDP the ALG off, the ideal and Linux ALGs and most archetypes
#   give two-way calls, while the REGISTER mangler fails registration, the mid-dialog blocker ends the
#   call at the session refresh (about 61 s with Session-Expires 90), the media-inactivity closer silences
#   the phone after the 150 s hold and the call-length killer stops the media at 200 s. Against a PBX
#   that trusts Contact and SDP, the ALGs that rewrite the SDP right (ideal, Linux, proxy-style, and
#   the TLS archetypes on plain SIP) give two-way audio, while off, wrong-media-port, contact-reset and
#   register-rewriter leave one-way audio, and several of them also lose the inbound call. Over TLS every
#   ALG is blind, so the PBX alone decides, except the TLS blocker, corruptor and re-porter, which stop
#   registration. The hold releaser and the stateful-intermittent ALG pass this day: they need a PBX
#   that keeps the old SDP, or a third call on the flow (seed-symptoms.ini).
# Written by algsim plot from cells.csv and calls.csv; reads drop-cdf.dat.
# Run `gnuplot drop-cdf.gp` in this directory to redraw drop-cdf.png and drop-cdf.svg.
if (!exists("png")) png = 'drop-cdf.png'
if (!exists("svg")) svg = 'drop-cdf.svg'
dat = 'drop-cdf.dat'
set datafile separator "\t"
set datafile missing "-"
set title 'alg-archetypes: drop times of dropped calls, by router.alg' noenhanced
set xlabel 'drop time after call start (s)'
set ylabel 'fraction of dropped calls'
set yrange [0:1.05]
set ytics 0, 0.2, 1
set grid lt 1 lc rgb '#d9d9d9'
set xrange [0:*]
set key below height 1 noenhanced

set terminal pngcairo size 720,458 enhanced font "DejaVu Sans,10"
set output png
plot dat index 0 using 1:2 with steps lw 2 lc rgb '#1f77b4' title 'mid-dialog-blocker: 6 of 16 calls dropped'

set terminal svg size 720,458 dynamic enhanced font "DejaVu Sans,10" background rgb 'white'
set output svg
plot dat index 0 using 1:2 with steps lw 2 lc rgb '#1f77b4' title 'mid-dialog-blocker: 6 of 16 calls dropped'
unset output
