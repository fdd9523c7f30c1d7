" Voronka sales funnels: *.funnel files.
autocmd BufRead,BufNewFile *.funnel setfiletype funnel
