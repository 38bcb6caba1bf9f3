# mos
# experiment: seed-remedies
# description: Each remedy fixes its own failure and no other: turning the ALG off restores registration;
#   a NAT-aware PBX (rport, latching) restores the audio; the inbound call behind a 30 s UDP timeout
#   needs the provider's keepalives or a 300 s timeout; a VoIP priority queue restores MOS under the
#   bulk upload; TLS with SRTP hides the signalling from the ALG (registration works) but leaves a naive
#   PBX with a private SDP; only the combination of ALG off, NAT-aware PBX and priority queue gives every
#   call two-way audio with a good MOS; bypassing the router makes the naive PBX work, which diagnoses
#   the router.
# Written by algsim plot from cells.csv and calls.csv; reads mos.dat.
# Run `gnuplot mos.gp` in this directory to redraw mos.png and mos.svg.
if (!exists("png")) png = 'mos.png'
if (!exists("svg")) svg = 'mos.svg'
dat = 'mos.dat'
set datafile separator "\t"
set datafile missing "-"
set title 'seed-remedies: MOS per cell (mean; bars: 10th to 90th percentile)' noenhanced
set ylabel 'MOS (E-model, worse direction)'
set yrange [1:4.5]
set ytics 1, 0.5, 4.5
set grid ytics lt 1 lc rgb '#d9d9d9'
set xlabel 'router.alg / pbx.profile / pbx.ping_interval_s / pbx.forced_expires_s / nat.udp_timeout_s / router.uplink_queue / phone.transport / phone.srtp / topology.mode' noenhanced
set xtics ('register-mangler / naive / 0 / 0 / 30 / fifo / udp / false / bypass' 0, 'register-mangler / naive / 0 / 0 / 30 / fifo / tls / true / nat' 1, 'register-mangler / naive / 0 / 0 / 30 / fifo / tls / true / bypass' 2, 'register-mangler / naive / 0 / 0 / 30 / priority / tls / true / nat' 3, 'register-mangler / naive / 0 / 0 / 300 / fifo / tls / true / nat' 4, 'register-mangler / naive / 0 / 0 / 300 / priority / tls / true / nat' 5, 'register-mangler / nat-aware / 0 / 0 / 30 / fifo / udp / false / bypass' 6, 'register-mangler / nat-aware / 0 / 0 / 30 / fifo / tls / true / nat' 7, 'register-mangler / nat-aware / 0 / 0 / 30 / fifo / tls / true / bypass' 8, 'register-mangler / nat-aware / 0 / 0 / 30 / priority / tls / true / nat' 9, 'register-mangler / nat-aware / 0 / 0 / 300 / fifo / tls / true / nat' 10, 'register-mangler / nat-aware / 0 / 0 / 300 / priority / tls / true / nat' 11, 'register-mangler / nat-aware / 20 / 60 / 30 / fifo / udp / false / bypass' 12, 'register-mangler / nat-aware / 20 / 60 / 30 / fifo / tls / true / nat' 13, 'register-mangler / nat-aware / 20 / 60 / 30 / fifo / tls / true / bypass' 14, 'register-mangler / nat-aware / 20 / 60 / 30 / priority / tls / true / nat' 15, 'register-mangler / nat-aware / 20 / 60 / 300 / fifo / tls / true / nat' 16, 'register-mangler / nat-aware / 20 / 60 / 300 / priority / tls / true / nat' 17, 'off / naive / 0 / 0 / 30 / fifo / udp / false / nat' 18, 'off / naive / 0 / 0 / 30 / fifo / tls / true / nat' 19, 'off / naive / 0 / 0 / 30 / priority / udp / false / nat' 20, 'off / naive / 0 / 0 / 30 / priority / tls / true / nat' 21, 'off / naive / 0 / 0 / 300 / fifo / udp / false / nat' 22, 'off / naive / 0 / 0 / 300 / fifo / tls / true / nat' 23, 'off / naive / 0 / 0 / 300 / priority / udp / false / nat' 24, 'off / naive / 0 / 0 / 300 / priority / tls / true / nat' 25, 'off / nat-aware / 0 / 0 / 30 / fifo / udp / false / nat' 26, 'off / nat-aware / 0 / 0 / 30 / fifo / tls / true / nat' 27, 'off / nat-aware / 0 / 0 / 30 / priority / udp / false / nat' 28, 'off / nat-aware / 0 / 0 / 30 / priority / tls / true / nat' 29, 'off / nat-aware / 0 / 0 / 300 / fifo / udp / false / nat' 30, 'off / nat-aware / 0 / 0 / 300 / fifo / tls / true / nat' 31, 'off / nat-aware / 0 / 0 / 300 / priority / udp / false / nat' 32, 'off / nat-aware / 0 / 0 / 300 / priority / tls / true / nat' 33, 'off / nat-aware / 20 / 60 / 30 / fifo / udp / false / nat' 34, 'off / nat-aware / 20 / 60 / 30 / fifo / tls / true / nat' 35, 'off / nat-aware / 20 / 60 / 30 / priority / udp / false / nat' 36, 'off / nat-aware / 20 / 60 / 30 / priority / tls / true / nat' 37, 'off / nat-aware / 20 / 60 / 300 / fifo / udp / false / nat' 38, 'off / nat-aware / 20 / 60 / 300 / fifo / tls / true / nat' 39, 'off / nat-aware / 20 / 60 / 300 / priority / udp / false / nat' 40, 'off / nat-aware / 20 / 60 / 300 / priority / tls / true / nat' 41) noenhanced nomirror scale 0 rotate by 40 right
set xrange [-0.6:41.4]
unset key
set rmargin 3
# A mean below 1 (calls with a direction not heard have MOS 0) is marked at the
# bottom with a red triangle and its value.

set terminal pngcairo size 2692,720 enhanced font "DejaVu Sans,10"
set output png
plot dat using 1:2:3:4 with yerrorbars pt 7 ps 1.2 lw 1.5 lc rgb '#1f77b4' notitle, \
     dat using 1:($2 < 1 ? 1.06 : NaN) with points pt 11 ps 1.5 lc rgb '#d62728' notitle, \
     dat using 1:($2 < 1 ? 1.18 : NaN):(sprintf('%.2f', $2)) with labels tc rgb '#d62728' notitle

set terminal svg size 2692,720 dynamic enhanced font "DejaVu Sans,10" background rgb 'white'
set output svg
plot dat using 1:2:3:4 with yerrorbars pt 7 ps 1.2 lw 1.5 lc rgb '#1f77b4' notitle, \
     dat using 1:($2 < 1 ? 1.06 : NaN) with points pt 11 ps 1.5 lc rgb '#d62728' notitle, \
     dat using 1:($2 < 1 ? 1.18 : NaN):(sprintf('%.2f', $2)) with labels tc rgb '#d62728' notitle
unset output
