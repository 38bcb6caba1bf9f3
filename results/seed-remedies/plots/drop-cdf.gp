# drop-cdf
# experiment: seed-remedies
# description: Each remedy fixes its own failure and no other: turning the ALG off restores registration;
#   a NAT-aware PBX (rport, latching) restores the audio; the inbound call behind a 30 s UDP timeout
#   needs the provider's keepalives or a 300 s timeout; a VoIP priority queue restores MOS under the
#   bulk upload; TLS with SRTP hides the signalling from the ALG (registration works) but leaves a naive
#   PBX with a private SDP; only the combination of ALG off, NAT-aware PBX and priority queue gives every
#   call two-way audio with a good MOS; bypassing the router makes the naive PBX work, which diagnoses
#   the router.
# Written by algsim plot from cells.csv and calls.csv; reads drop-cdf.dat.
# Run `gnuplot drop-cdf.gp` in this directory to redraw drop-cdf.png and drop-cdf.svg.
if (!exists("png")) png = 'drop-cdf.png'
if (!exists("svg")) svg = 'drop-cdf.svg'
dat = 'drop-cdf.dat'
set datafile separator "\t"
set datafile missing "-"
set title 'seed-remedies: drop times of dropped calls, by router.alg' noenhanced
set xlabel 'drop time after call start (s)'
set ylabel 'fraction of dropped calls'
set yrange [0:1.05]
set ytics 0, 0.2, 1
set grid lt 1 lc rgb '#d9d9d9'
set xrange [0:1]
unset xtics
set label 1 'no call dropped' at graph 0.5, graph 0.5 center font ",14" noenhanced
unset key

set terminal pngcairo size 720,480 enhanced font "DejaVu Sans,10"
set output png
plot NaN notitle

set terminal svg size 720,480 dynamic enhanced font "DejaVu Sans,10" background rgb 'white'
set output svg
plot NaN notitle
unset output
