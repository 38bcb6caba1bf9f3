# mos
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
# Written by algsim plot from cells.csv and calls.csv; reads mos.dat.
# Run `gnuplot mos.gp` in this directory to redraw mos.png and mos.svg.
if (!exists("png")) png = 'mos.png'
if (!exists("svg")) svg = 'mos.svg'
dat = 'mos.dat'
set datafile separator "\t"
set datafile missing "-"
set title 'alg-archetypes: MOS per cell (mean; bars: 10th to 90th percentile)' noenhanced
set ylabel 'MOS (E-model, worse direction)'
set yrange [1:4.5]
set ytics 1, 0.5, 4.5
set grid ytics lt 1 lc rgb '#d9d9d9'
set xlabel 'router.alg / pbx.profile / phone.transport' noenhanced
set xtics ('off / naive / udp' 0, 'off / naive / tls' 1, 'off / nat-aware / udp' 2, 'off / nat-aware / tls' 3, 'ideal / naive / udp' 4, 'ideal / naive / tls' 5, 'ideal / nat-aware / udp' 6, 'ideal / nat-aware / tls' 7, 'linux / naive / udp' 8, 'linux / naive / tls' 9, 'linux / nat-aware / udp' 10, 'linux / nat-aware / tls' 11, 'wrong-media-port / naive / udp' 12, 'wrong-media-port / naive / tls' 13, 'wrong-media-port / nat-aware / udp' 14, 'wrong-media-port / nat-aware / tls' 15, 'contact-reset / naive / udp' 16, 'contact-reset / naive / tls' 17, 'contact-reset / nat-aware / udp' 18, 'contact-reset / nat-aware / tls' 19, 'mid-dialog-blocker / naive / udp' 20, 'mid-dialog-blocker / naive / tls' 21, 'mid-dialog-blocker / nat-aware / udp' 22, 'mid-dialog-blocker / nat-aware / tls' 23, 'register-mangler / naive / tls' 24, 'register-mangler / nat-aware / tls' 25, 'proxy-style / naive / udp' 26, 'proxy-style / naive / tls' 27, 'proxy-style / nat-aware / udp' 28, 'proxy-style / nat-aware / tls' 29, 'register-rewriter / naive / udp' 30, 'register-rewriter / naive / tls' 31, 'register-rewriter / nat-aware / udp' 32, 'register-rewriter / nat-aware / tls' 33, 'hold-releaser / naive / udp' 34, 'hold-releaser / naive / tls' 35, 'hold-releaser / nat-aware / udp' 36, 'hold-releaser / nat-aware / tls' 37, 'media-inactivity-closer / naive / udp' 38, 'media-inactivity-closer / naive / tls' 39, 'media-inactivity-closer / nat-aware / udp' 40, 'media-inactivity-closer / nat-aware / tls' 41, 'call-length-killer / naive / udp' 42, 'call-length-killer / naive / tls' 43, 'call-length-killer / nat-aware / udp' 44, 'call-length-killer / nat-aware / tls' 45, 'tls-blind / naive / udp' 46, 'tls-blind / naive / tls' 47, 'tls-blind / nat-aware / udp' 48, 'tls-blind / nat-aware / tls' 49, 'tls-corruptor / naive / udp' 50, 'tls-corruptor / nat-aware / udp' 51, 'tls-blocker / naive / udp' 52, 'tls-blocker / nat-aware / udp' 53, 'tls-reporter / naive / udp' 54, 'tls-reporter / nat-aware / udp' 55, 'stateful-intermittent / naive / udp' 56, 'stateful-intermittent / naive / tls' 57, 'stateful-intermittent / nat-aware / udp' 58, 'stateful-intermittent / nat-aware / tls' 59, 'fragment-dropper / naive / udp' 60, 'fragment-dropper / naive / tls' 61, 'fragment-dropper / nat-aware / udp' 62, 'fragment-dropper / nat-aware / tls' 63) noenhanced nomirror scale 0 rotate by 40 right
set xrange [-0.6:63.4]
unset key
set rmargin 3
# A mean below 1 (calls with a direction not heard have MOS 0) is marked at the
# bottom with a red triangle and its value.

set terminal pngcairo size 3924,644 enhanced font "DejaVu Sans,10"
set output png
plot dat using 1:2:3:4 with yerrorbars pt 7 ps 1.2 lw 1.5 lc rgb '#1f77b4' notitle, \
     dat using 1:($2 < 1 ? 1.06 : NaN) with points pt 11 ps 1.5 lc rgb '#d62728' notitle, \
     dat using 1:($2 < 1 ? 1.18 : NaN):(sprintf('%.2f', $2)) with labels tc rgb '#d62728' notitle

set terminal svg size 3924,644 dynamic enhanced font "DejaVu Sans,10" background rgb 'white'
set output svg
plot dat using 1:2:3:4 with yerrorbars pt 7 ps 1.2 lw 1.5 lc rgb '#1f77b4' notitle, \
     dat using 1:($2 < 1 ? 1.06 : NaN) with points pt 11 ps 1.5 lc rgb '#d62728' notitle, \
     dat using 1:($2 < 1 ? 1.18 : NaN):(sprintf('%.2f', $2)) with labels tc rgb '#d62728' notitle
unset output
