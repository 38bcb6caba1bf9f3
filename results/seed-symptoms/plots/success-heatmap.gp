# success-heatmap
# experiment: seed-symptoms
# description: Each symptom of the seed guide appears where its mechanism is and nowhere else: the wrong-media-port
#   ALG gives one-way audio with a naive PBX (latching rescues a NAT-aware one); the mid-dialog blocker
#   drops every call between 30 and 60 s (Session-Expires 90); the REGISTER mangler makes registration
#   fail; the stateful-intermittent ALG fails the third and later calls; a 30 s UDP timeout without keepalives
#   loses the inbound call when the PBX neither pings nor shortens the registration (a 300 s timeout
#   keeps it); TLS hides the signalling from every ALG; with the ALG off and a NAT-aware PBX at least
#   99 % of calls are two-way.
# Written by algsim plot from cells.csv and calls.csv; reads success-heatmap.dat.
# Run `gnuplot success-heatmap.gp` in this directory to redraw success-heatmap.png and success-heatmap.svg.
if (!exists("png")) png = 'success-heatmap.png'
if (!exists("svg")) svg = 'success-heatmap.svg'
dat = 'success-heatmap.dat'
set datafile separator "\t"
set datafile missing "-"
set title 'seed-symptoms: call success by router.alg and pbx.profile' noenhanced
set xlabel 'router.alg' noenhanced
set ylabel 'pbx.profile' noenhanced
set xrange [-0.5:4.5]
set yrange [1.5:-0.5]
set xtics ('off' 0, 'wrong-media-port' 1, 'mid-dialog-blocker' 2, 'register-mangler' 3, 'stateful-intermittent' 4) noenhanced nomirror scale 0
set ytics ('naive' 0, 'nat-aware' 1) noenhanced nomirror scale 0
set cbrange [0:1]
set cbtics ('0' 0, '25' 0.25, '50' 0.5, '75' 0.75, '100' 1)
set cblabel 'call success (%)'
set palette defined (0 '#d73027', 0.5 '#fee08b', 1 '#1a9850')
set style fill solid 1.0 border lc rgb 'white'
unset key

set terminal pngcairo size 1041,310 enhanced font "DejaVu Sans,10"
set output png
plot dat using 1:2:(0.5):(0.5):5 with boxxyerror fc palette, \
     dat using ($4 == 0 ? $1 : NaN):2:(0.5):(0.5) with boxxyerror fc rgb '#d9d9d9', \
     dat using 1:2:6 with labels noenhanced

set terminal svg size 1041,310 dynamic enhanced font "DejaVu Sans,10" background rgb 'white'
set output svg
plot dat using 1:2:(0.5):(0.5):5 with boxxyerror fc palette, \
     dat using ($4 == 0 ? $1 : NaN):2:(0.5):(0.5) with boxxyerror fc rgb '#d9d9d9', \
     dat using 1:2:6 with labels noenhanced
unset output
