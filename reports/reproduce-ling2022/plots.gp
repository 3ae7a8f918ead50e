# Figure-1-like plots of deqcheck reproduce ling2022; run `gnuplot plots.gp` here.
set terminal svg size 760,460 font 'sans,12' background 'white'
set termoption noenhanced
set datafile separator ','
set datafile columnheaders
set grid
set key outside right
set xlabel 'epoch'
set output 'ling2022-loss.svg'
set logscale y
set title 'ling2022: training loss per width [REDUCED]'
set ylabel 'loss 1/2 |y^ - y|^2 (log scale)'
plot 'ling2022-m188.csv' using 1:2 with lines lw 2 lc 1 title 'train m=188', \
     'ling2022-m219.csv' using 1:2 with lines lw 2 lc 2 title 'train m=219', \
     'ling2022-m250.csv' using 1:2 with lines lw 2 lc 3 title 'train m=250', \
     'ling2022-m281.csv' using 1:2 with lines lw 2 lc 4 title 'train m=281', \
     'ling2022-m313.csv' using 1:2 with lines lw 2 lc 5 title 'train m=313'
unset logscale y
set output 'ling2022-opnorm.svg'
set title 'ling2022: |W(t)|_2 [REDUCED]'
set ylabel '|W(t)|_2'
set format y '%.4f'
plot 'ling2022-m188.csv' using 1:4 with lines lw 2 lc 1 title 'm=188', \
     'ling2022-m219.csv' using 1:4 with lines lw 2 lc 2 title 'm=219', \
     'ling2022-m250.csv' using 1:4 with lines lw 2 lc 3 title 'm=250', \
     'ling2022-m281.csv' using 1:4 with lines lw 2 lc 4 title 'm=281', \
     'ling2022-m313.csv' using 1:4 with lines lw 2 lc 5 title 'm=313'
