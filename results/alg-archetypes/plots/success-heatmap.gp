# success-heatmap
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
# Written by algsim plot from cells.csv and calls.csv; reads success-heatmap.dat.
# Run `gnuplot success-heatmap.gp` in this directory to redraw success-heatmap.png and success-heatmap.svg.
if (!exists("png")) png = 'success-heatmap.png'
if (!exists("svg")) svg = 'success-heatmap.svg'
dat = 'success-heatmap.dat'
set datafile separator "\t"
set datafile missing "-"
set title 'alg-archetypes: call success by router.alg and pbx.profile' noenhanced
set xlabel 'router.alg' noenhanced
set ylabel 'pbx.profile' noenhanced
set xrange [-0.5:17.5]
set yrange [1.5:-0.5]
set xtics ('off' 0, 'ideal' 1, 'linux' 2, 'wrong-media-port' 3, 'contact-reset' 4, 'mid-dialog-blocker' 5, 'register-mangler' 6, 'proxy-style' 7, 'register-rewriter' 8, 'hold-releaser' 9, 'media-inactivity-closer' 10, 'call-length-killer' 11, 'tls-blind' 12, 'tls-corruptor' 13, 'tls-blocker' 14, 'tls-reporter' 15, 'stateful-intermittent' 16, 'fragment-dropper' 17) noenhanced nomirror scale 0
set ytics ('naive' 0, 'nat-aware' 1) noenhanced nomirror scale 0
set cbrange [0:1]
set cbtics ('0' 0, '25' 0.25, '50' 0.5, '75' 0.75, '100' 1)
set cblabel 'call success (%)'
set palette defined (0 '#d73027', 0.5 '#fee08b', 1 '#1a9850')
set style fill solid 1.0 border lc rgb 'white'
unset key

set terminal pngcairo size 3257,310 enhanced font "DejaVu Sans,10"
set output png
plot dat using 1:2:(0.5):(0.5):5 with boxxyerror fc palette, \
     dat using ($4 == 0 ? $1 : NaN):2:(0.5):(0.5) with boxxyerror fc rgb '#d9d9d9', \
     dat using 1:2:6 with labels noenhanced

set terminal svg size 3257,310 dynamic enhanced font "DejaVu Sans,10" background rgb 'white'
set output svg
plot dat using 1:2:(0.5):(0.5):5 with boxxyerror fc palette, \
     dat using ($4 == 0 ? $1 : NaN):2:(0.5):(0.5) with boxxyerror fc rgb '#d9d9d9', \
     dat using 1:2:6 with labels noenhanced
unset output
