# audio-classes
# experiment: seed-symptoms
# description: Each symptom of the seed guide appears where its mechanism is and nowhere else: the wrong-media-port
#   ALG gives one-way audio with a naive PBX (latching rescues a NAT-aware one); the mid-dialog blocker
#   drops every call between 30 and 60 s (Session-Expires 90); the REGISTER mangler makes registration
#   fail; the stateful-intermittent ALG fails the third and later calls; a 30 s UDP timeout without keepalives
#   loses the inbound call when the PBX neither pings nor shortens the registration (a 300 s timeout
#   keeps it); TLS hides the signalling from every ALG; with the ALG off and a NAT-aware PBX at least
#   99 % of calls are two-way.
# Written by algsim plot from cells.csv and calls.csv; reads audio-classes.dat.
# Run `gnuplot audio-classes.gp` in this directory to redraw audio-classes.png and audio-classes.svg.
if (!exists("png")) png = 'audio-classes.png'
if (!exists("svg")) svg = 'audio-classes.svg'
dat = 'audio-classes.dat'
set datafile separator "\t"
set datafile missing "-"
set title 'seed-symptoms: audio of the calls per cell' noenhanced
set xlabel 'router.alg / phone.transport / nat.udp_timeout_s / pbx.profile' noenhanced
set xtics ('off / udp / 30 / naive' 0, 'off / udp / 30 / nat-aware' 1, 'off / udp / 300 / naive' 2, 'off / udp / 300 / nat-aware' 3, 'off / tls / 30 / naive' 4, 'off / tls / 30 / nat-aware' 5, 'off / tls / 300 / naive' 6, 'off / tls / 300 / nat-aware' 7, 'wrong-media-port / udp / 30 / naive' 8, 'wrong-media-port / udp / 30 / nat-aware' 9, 'wrong-media-port / udp / 300 / naive' 10, 'wrong-media-port / udp / 300 / nat-aware' 11, 'wrong-media-port / tls / 30 / naive' 12, 'wrong-media-port / tls / 30 / nat-aware' 13, 'wrong-media-port / tls / 300 / naive' 14, 'wrong-media-port / tls / 300 / nat-aware' 15, 'mid-dialog-blocker / udp / 30 / naive' 16, 'mid-dialog-blocker / udp / 30 / nat-aware' 17, 'mid-dialog-blocker / udp / 300 / naive' 18, 'mid-dialog-blocker / udp / 300 / nat-aware' 19, 'mid-dialog-blocker / tls / 30 / naive' 20, 'mid-dialog-blocker / tls / 30 / nat-aware' 21, 'mid-dialog-blocker / tls / 300 / naive' 22, 'mid-dialog-blocker / tls / 300 / nat-aware' 23, 'register-mangler / udp / 30 / naive' 24, 'register-mangler / udp / 30 / nat-aware' 25, 'register-mangler / udp / 300 / naive' 26, 'register-mangler / udp / 300 / nat-aware' 27, 'register-mangler / tls / 30 / naive' 28, 'register-mangler / tls / 30 / nat-aware' 29, 'register-mangler / tls / 300 / naive' 30, 'register-mangler / tls / 300 / nat-aware' 31, 'stateful-intermittent / udp / 30 / naive' 32, 'stateful-intermittent / udp / 30 / nat-aware' 33, 'stateful-intermittent / udp / 300 / naive' 34, 'stateful-intermittent / udp / 300 / nat-aware' 35, 'stateful-intermittent / tls / 30 / naive' 36, 'stateful-intermittent / tls / 30 / nat-aware' 37, 'stateful-intermittent / tls / 300 / naive' 38, 'stateful-intermittent / tls / 300 / nat-aware' 39) noenhanced nomirror scale 0 rotate by 40 right
set xrange [-0.6:39.4]
set ylabel 'share of calls (%)'
set yrange [0:100]
set ytics 0, 20, 100
set grid ytics lt 1 lc rgb '#d9d9d9'
set style data histograms
set style histogram rowstacked
set style fill solid 1.0 border lc rgb 'white'
set boxwidth 0.7
set key outside right top vertical Left reverse title 'audio'

set terminal pngcairo size 2580,660 enhanced font "DejaVu Sans,10"
set output png
plot dat using 2 title 'two-way' lc rgb '#2ca02c', \
     dat using 3 title 'one-way out' lc rgb '#ff7f0e', \
     dat using 4 title 'one-way in' lc rgb '#9467bd', \
     dat using 5 title 'none' lc rgb '#d62728', \
     dat using 6 title 'not set up' lc rgb '#7f7f7f'

set terminal svg size 2580,660 dynamic enhanced font "DejaVu Sans,10" background rgb 'white'
set output svg
plot dat using 2 title 'two-way' lc rgb '#2ca02c', \
     dat using 3 title 'one-way out' lc rgb '#ff7f0e', \
     dat using 4 title 'one-way in' lc rgb '#9467bd', \
     dat using 5 title 'none' lc rgb '#d62728', \
     dat using 6 title 'not set up' lc rgb '#7f7f7f'
unset output
