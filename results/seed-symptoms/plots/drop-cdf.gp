# drop-cdf
# experiment: seed-symptoms
# description: Each symptom of the seed guide appears where its mechanism is and nowhere else: the wrong-media-port
#   ALG gives one-way audio with a naive PBX (latching rescues a NAT-aware one); the mid-dialog blocker
#   drops every call between 30 and 60 s (Session-Expires 90); the REGISTER mangler makes registration
#   fail; the stateful-intermittent ALG fails the third and later calls; a 30 s UDP timeout without keepalives
#   loses the inbound call when the PBX neither pings nor shortens the registration (a 300 s timeout
#   keeps it); TLS hides the signalling from every ALG; with the ALG off and a NAT-aware PBX at least
#   99 % of calls are two-way.
# Written by algsim plot from cells.csv and calls.csv; reads drop-cdf.dat.
# Run `gnuplot drop-cdf.gp` in this directory to redraw drop-cdf.png and drop-cdf.svg.
if (!exists("png")) png = 'drop-cdf.png'
if (!exists("svg")) svg = 'drop-cdf.svg'
dat = 'drop-cdf.dat'
set datafile separator "\t"
set datafile missing "-"
set title 'seed-symptoms: drop times of dropped calls, by router.alg' noenhanced
set xlabel 'drop time after call start (s)'
set ylabel 'fraction of dropped calls'
set yrange [0:1.05]
set ytics 0, 0.2, 1
set grid lt 1 lc rgb '#d9d9d9'
set xrange [0:*]
set key below height 1 noenhanced

set terminal pngcairo size 720,494 enhanced font "DejaVu Sans,10"
set output png
plot dat index 0 using 1:2 with steps lw 2 lc rgb '#1f77b4' title 'wrong-media-port: 1 of 120 calls dropped', \
     dat index 1 using 1:2 with steps lw 2 lc rgb '#d62728' title 'mid-dialog-blocker: 52 of 120 calls dropped', \
     dat index 2 using 1:2 with steps lw 2 lc rgb '#2ca02c' title 'stateful-intermittent: 1 of 120 calls dropped'

set terminal svg size 720,494 dynamic enhanced font "DejaVu Sans,10" background rgb 'white'
set output svg
plot dat index 0 using 1:2 with steps lw 2 lc rgb '#1f77b4' title 'wrong-media-port: 1 of 120 calls dropped', \
     dat index 1 using 1:2 with steps lw 2 lc rgb '#d62728' title 'mid-dialog-blocker: 52 of 120 calls dropped', \
     dat index 2 using 1:2 with steps lw 2 lc rgb '#2ca02c' title 'stateful-intermittent: 1 of 120 calls dropped'
unset output
