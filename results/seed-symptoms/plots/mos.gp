# mos
# experiment: seed-symptoms
# description: Each symptom of the seed guide appears where its mechanism is and nowhere else: the wrong-media-port
#   ALG gives one-way audio with a naive PBX (latching rescues a NAT-aware one); the mid-dialog blocker
#   drops every call between 30 and 60 s (Session-Expires 90); the REGISTER mangler makes registration
#   fail; the stateful-intermittent ALG fails the third and later calls; a 30 s UDP timeout without keepalives
#   loses the inbound call when the PBX neither pings nor shortens the registration (a 300 s timeout
#   keeps it); TLS hides the signalling from every ALG; with the ALG off and a NAT-aware PBX at least
#   99 % of calls are two-way.
# Written by algsim plot from cells.csv and calls.csv; reads mos.dat.
# Run `gnuplot mos.gp` in this directory to redraw mos.png and mos.svg.
if (!exists("png")) png = 'mos.png'
if (!exists("svg")) svg = 'mos.svg'
dat = 'mos.dat'
set datafile separator "\t"
set datafile missing "-"
set title 'seed-symptoms: MOS per cell (mean; bars: 10th to 90th percentile)' noenhanced
set ylabel 'MOS (E-model, worse direction)'
set yrange [1:4.5]
set ytics 1, 0.5, 4.5
set grid ytics lt 1 lc rgb '#d9d9d9'
set xlabel 'router.alg / phone.transport / nat.udp_timeout_s / pbx.profile' noenhanced
set xtics ('off / udp / 30 / naive' 0, 'off / udp / 30 / nat-aware' 1, 'off / udp / 300 / naive' 2, 'off / udp / 300 / nat-aware' 3, 'off / tls / 30 / naive' 4, 'off / tls / 30 / nat-aware' 5, 'off / tls / 300 / naive' 6, 'off / tls / 300 / nat-aware' 7, 'wrong-media-port / udp / 30 / naive' 8, 'wrong-media-port / udp / 30 / nat-aware' 9, 'wrong-media-port / udp / 300 / naive' 10, 'wrong-media-port / udp / 300 / nat-aware' 11, 'wrong-media-port / tls / 30 / naive' 12, 'wrong-media-port / tls / 30 / nat-aware' 13, 'wrong-media-port / tls / 300 / naive' 14, 'wrong-media-port / tls / 300 / nat-aware' 15, 'mid-dialog-blocker / udp / 30 / naive' 16, 'mid-dialog-blocker / udp / 30 / nat-aware' 17, 'mid-dialog-blocker / udp / 300 / naive' 18, 'mid-dialog-blocker / udp / 300 / nat-aware' 19, 'mid-dialog-blocker / tls / 30 / naive' 20, 'mid-dialog-blocker / tls / 30 / nat-aware' 21, 'mid-dialog-blocker / tls / 300 / naive' 22, 'mid-dialog-blocker / tls / 300 / nat-aware' 23, 'register-mangler / tls / 30 / naive' 24, 'register-mangler / tls / 30 / nat-aware' 25, 'register-mangler / tls / 300 / naive' 26, 'register-mangler / tls / 300 / nat-aware' 27, 'stateful-intermittent / udp / 30 / naive' 28, 'stateful-intermittent / udp / 30 / nat-aware' 29, 'stateful-intermittent / udp / 300 / naive' 30, 'stateful-intermittent / udp / 300 / nat-aware' 31, 'stateful-intermittent / tls / 30 / naive' 32, 'stateful-intermittent / tls / 30 / nat-aware' 33, 'stateful-intermittent / tls / 300 / naive' 34, 'stateful-intermittent / tls / 300 / nat-aware' 35) noenhanced nomirror scale 0 rotate by 40 right
set xrange [-0.6:35.4]
unset key
set rmargin 3
# A mean below 1 (calls with a direction not heard have MOS 0) is marked at the
# bottom with a red triangle and its value.

set terminal pngcairo size 2356,660 enhanced font "DejaVu Sans,10"
set output png
plot dat using 1:2:3:4 with yerrorbars pt 7 ps 1.2 lw 1.5 lc rgb '#1f77b4' notitle, \
     dat using 1:($2 < 1 ? 1.06 : NaN) with points pt 11 ps 1.5 lc rgb '#d62728' notitle, \
     dat using 1:($2 < 1 ? 1.18 : NaN):(sprintf('%.2f', $2)) with labels tc rgb '#d62728' notitle

set terminal svg size 2356,660 dynamic enhanced font "DejaVu Sans,10" background rgb 'white'
set output svg
plot dat using 1:2:3:4 with yerrorbars pt 7 ps 1.2 lw 1.5 lc rgb '#1f77b4' notitle, \
     dat using 1:($2 < 1 ? 1.06 : NaN) with points pt 11 ps 1.5 lc rgb '#d62728' notitle, \
     dat using 1:($2 < 1 ? 1.18 : NaN):(sprintf('%.2f', $2)) with labels tc rgb '#d62728' notitle
unset output
