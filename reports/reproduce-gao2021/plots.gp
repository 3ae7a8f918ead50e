# Figure-1-like plots of deqcheck reproduce gao2021; run `gnuplot plots.gp` here.
set terminal svg size 760,460 font 'sans,12' background 'white'
set termoption noenhanced
set datafile separator ','
set datafile columnheaders
set grid
set key outside right
set xlabel 'epoch'
set output 'gao2021-loss.svg'
set logscale y
set title 'gao2021: train (solid), test (dashed) loss per width [REDUCED]'
set ylabel 'loss 1/2 |y^ - y|^2 (log scale)'
plot 'gao2021-m63.csv' using 1:2 with lines lw 2 lc 1 title 'train m=63', \
     'gao2021-m63.csv' using 1:3 with lines lw 2 dt 2 lc 1 title 'test m=63', \
     'gao2021-m125.csv' using 1:2 with lines lw 2 lc 2 title 'train m=125', \
     'gao2021-m125.csv' using 1:3 with lines lw 2 dt 2 lc 2 title 'test m=125', \
     'gao2021-m250.csv' using 1:2 with lines lw 2 lc 3 title 'train m=250', \
     'gao2021-m250.csv' using 1:3 with lines lw 2 dt 2 lc 3 title 'test m=250', \
     'gao2021-m500.csv' using 1:2 with lines lw 2 lc 4 title 'train m=500', \
     'gao2021-m500.csv' using 1:3 with lines lw 2 dt 2 lc 4 title 'test m=500'
unset logscale y
set output 'gao2021-opnorm.svg'
set title 'gao2021: operator norm (gamma/sqrt(m)) |A(k)|_2 [REDUCED]'
set ylabel '(gamma/sqrt(m)) |A(k)|_2'
set format y '%.4f'
plot 'gao2021-m63.csv' using 1:4 with lines lw 2 lc 1 title 'm=63', \
     'gao2021-m125.csv' using 1:4 with lines lw 2 lc 2 title 'm=125', \
     'gao2021-m250.csv' using 1:4 with lines lw 2 lc 3 title 'm=250', \
     'gao2021-m500.csv' using 1:4 with lines lw 2 lc 4 title 'm=500'
