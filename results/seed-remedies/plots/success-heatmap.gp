# success-heatmap
# experiment: seed-remedies
# description: Each remedy fixes its own failure and no other: turning the ALG off restores registration;
#   a NAT-aware PBX (rport, latching) restores the audio; the inbound call behind a 30 s UDP timeout
#   needs the provider's keepalives or a 300 s timeout; a VoIP priority queue restores MOS under the
#   bulk upload; TLS with SRTP hides the signalling from the ALG (registration works) but leaves a naive
#   PBX with a private SDP; only the combination of ALG off, NAT-aware PBX and priority queue gives every
#   call two-way audio with a good MOS; bypassing the router makes the naive PBX work, which diagnoses
#   the router.
# Written by algsim plot from cells.csv and calls.csv; reads success-heatmap.dat.
# Run `gnuplot success-heatmap.gp` in this directory to redraw success-heatmap.png and success-heatmap.svg.
if (!exists("png")) png = 'success-heatmap.png'
if (!exists("svg")) svg = 'success-heatmap.svg'
dat = 'success-heatmap.dat'
set datafile separator "\t"
set datafile missing "-"
set title 'seed-remedies: call success by router.alg and pbx.profile' noenhanced
set xlabel 'router.alg' noenhanced
set ylabel 'pbx.profile' noenhanced
set xrange [-0.5:1.5]
set yrange [1.5:-0.5]
set xtics ('register-mangler' 0, 'off' 1) noenhanced nomirror scale 0
set ytics ('naive' 0, 'nat-aware' 1) noenhanced nomirror scale 0
set cbrange [0:1]
set cbtics ('0' 0, '25' 0.25, '50' 0.5, '75' 0.75, '100' 1)
set cblabel 'call success (%)'
set palette defined (0 '#d73027', 0.5 '#fee08b', 1 '#1a9850')
set style fill solid 1.0 border lc rgb 'white'
unset key

set terminal pngcairo size 560,310 enhanced font "DejaVu Sans,10"
set output png
plot dat using 1:2:(0.5):(0.5):5 with boxxyerror fc palette, \
     dat using ($4 == 0 ? $1 : NaN):2:(0.5):(0.5) with boxxyerror fc rgb '#d9d9d9', \
     dat using 1:2:6 with labels noenhanced

set terminal svg size 560,310 dynamic enhanced font "DejaVu Sans,10" background rgb 'white'
set output svg
plot dat using 1:2:(0.5):(0.5):5 with boxxyerror fc palette, \
     dat using ($4 == 0 ? $1 : NaN):2:(0.5):(0.5) with boxxyerror fc rgb '#d9d9d9', \
     dat using 1:2:6 with labels noenhanced
unset output
