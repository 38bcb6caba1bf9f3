# audio-classes
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
# Written by algsim plot from cells.csv and calls.csv; reads audio-classes.dat.
# Run `gnuplot audio-classes.gp` in this directory to redraw audio-classes.png and audio-classes.svg.
if (!exists("png")) png = 'audio-classes.png'
if (!exists("svg")) svg = 'audio-classes.svg'
dat = 'audio-classes.dat'
set datafile separator "\t"
set datafile missing "-"
set title 'alg-archetypes: audio of the calls per cell' noenhanced
set xlabel 'router.alg / pbx.profile / phone.transport' noenhanced
set xtics ('off / naive / udp' 0, 'off / naive / tls' 1, 'off / nat-aware / udp' 2, 'off / nat-aware / tls' 3, 'ideal / naive / udp' 4, 'ideal / naive / tls' 5, 'ideal / nat-aware / udp' 6, 'ideal / nat-aware / tls' 7, 'linux / naive / udp' 8, 'linux / naive / tls' 9, 'linux / nat-aware / udp' 10, 'linux / nat-aware / tls' 11, 'wrong-media-port / naive / udp' 12, 'wrong-media-port / naive / tls' 13, 'wrong-media-port / nat-aware / udp' 14, 'wrong-media-port / nat-aware / tls' 15, 'contact-reset / naive / udp' 16, 'contact-reset / naive / tls' 17, 'contact-reset / nat-aware / udp' 18, 'contact-reset / nat-aware / tls' 19, 'mid-dialog-blocker / naive / udp' 20, 'mid-dialog-blocker / naive / tls' 21, 'mid-dialog-blocker / nat-aware / udp' 22, 'mid-dialog-blocker / nat-aware / tls' 23, 'register-mangler / naive / udp' 24, 'register-mangler / naive / tls' 25, 'register-mangler / nat-aware / udp' 26, 'register-mangler / nat-aware / tls' 27, 'proxy-style / naive / udp' 28, 'proxy-style / naive / tls' 29, 'proxy-style / nat-aware / udp' 30, 'proxy-style / nat-aware / tls' 31, 'register-rewriter / naive / udp' 32, 'register-rewriter / naive / tls' 33, 'register-rewriter / nat-aware / udp' 34, 'register-rewriter / nat-aware / tls' 35, 'hold-releaser / naive / udp' 36, 'hold-releaser / naive / tls' 37, 'hold-releaser / nat-aware / udp' 38, 'hold-releaser / nat-aware / tls' 39, 'media-inactivity-closer / naive / udp' 40, 'media-inactivity-closer / naive / tls' 41, 'media-inactivity-closer / nat-aware / udp' 42, 'media-inactivity-closer / nat-aware / tls' 43, 'call-length-killer / naive / udp' 44, 'call-length-killer / naive / tls' 45, 'call-length-killer / nat-aware / udp' 46, 'call-length-killer / nat-aware / tls' 47, 'tls-blind / naive / udp' 48, 'tls-blind / naive / tls' 49, 'tls-blind / nat-aware / udp' 50, 'tls-blind / nat-aware / tls' 51, 'tls-corruptor / naive / udp' 52, 'tls-corruptor / naive / tls' 53, 'tls-corruptor / nat-aware / udp' 54, 'tls-corruptor / nat-aware / tls' 55, 'tls-blocker / naive / udp' 56, 'tls-blocker / naive / tls' 57, 'tls-blocker / nat-aware / udp' 58, 'tls-blocker / nat-aware / tls' 59, 'tls-reporter / naive / udp' 60, 'tls-reporter / naive / tls' 61, 'tls-reporter / nat-aware / udp' 62, 'tls-reporter / nat-aware / tls' 63, 'stateful-intermittent / naive / udp' 64, 'stateful-intermittent / naive / tls' 65, 'stateful-intermittent / nat-aware / udp' 66, 'stateful-intermittent / nat-aware / tls' 67, 'fragment-dropper / naive / udp' 68, 'fragment-dropper / naive / tls' 69, 'fragment-dropper / nat-aware / udp' 70, 'fragment-dropper / nat-aware / tls' 71) noenhanced nomirror scale 0 rotate by 40 right
set xrange [-0.6:71.4]
set ylabel 'share of calls (%)'
set yrange [0:100]
set ytics 0, 20, 100
set grid ytics lt 1 lc rgb '#d9d9d9'
set style data histograms
set style histogram rowstacked
set style fill solid 1.0 border lc rgb 'white'
set boxwidth 0.7
set key outside right top vertical Left reverse title 'audio'

set terminal pngcairo size 4000,644 enhanced font "DejaVu Sans,10"
set output png
plot dat using 2 title 'two-way' lc rgb '#2ca02c', \
     dat using 3 title 'one-way out' lc rgb '#ff7f0e', \
     dat using 4 title 'one-way in' lc rgb '#9467bd', \
     dat using 5 title 'none' lc rgb '#d62728', \
     dat using 6 title 'not set up' lc rgb '#7f7f7f'

set terminal svg size 4000,644 dynamic enhanced font "DejaVu Sans,10" background rgb 'white'
set output svg
plot dat using 2 title 'two-way' lc rgb '#2ca02c', \
     dat using 3 title 'one-way out' lc rgb '#ff7f0e', \
     dat using 4 title 'one-way in' lc rgb '#9467bd', \
     dat using 5 title 'none' lc rgb '#d62728', \
     dat using 6 title 'not set up' lc rgb '#7f7f7f'
unset output
