import re,sys,statistics as st
# usage: gc-phases-by-phase.py label...   in this directory: reads <label>.txt (scale.sh's output with the client's
# 'phases' line) and <label>-table.tsv (gc-phases-table.py's output); prints each phase's longest young pause and its parts
for L in sys.argv[1:]:
    txt=open('%s.txt'%L).read()
    m=re.search(r'phases \(JVM uptime, ms\): build (\d+), all open (\d+), hold measured (\d+), echo (\d+)-(\d+), close (\d+)-(\d+)',txt)
    row=re.search(r'^\| nio .*$',txt,re.M)
    if not m: print(L,'no phases'); continue
    b,o,h,e0,e1,c0,c1=[int(x)/1000 for x in m.groups()]
    wins={'ramp':(b,o),'hold':(o,h),'echo':(e0,e1),'close':(c0,c1+0.5)}
    rows=[r.split('\t') for r in open('%s-table.tsv'%L).read().strip().split('\n')]
    hdr=rows[0]; rows=[dict(zip(hdr,r)) for r in rows[1:]]
    print('==',L, row.group(0).split('|')[4].strip(), '| RSS',row.group(0).split('|')[7].strip(),'| live',row.group(0).split('|')[8].strip(),'| close',row.group(0).split('|')[12].strip())
    for ph,(a,z) in wins.items():
        g=[r for r in rows if r['t'] and a<=float(r['t'])<=z and 'Young' in r['type']]
        if not g: print('  %-5s no young pause'%ph); continue
        mx=max(g,key=lambda r:float(r['ms']))
        f=lambda k: [float(r[k] or 0) for r in g]
        cpu=[sum(map(float,re.match(r'([\d.]+)\+([\d.]+)/([\d.]+)',r['cpu']).groups()[:2])) for r in g if r.get('cpu')]
        print('  %-5s n=%2d max %6.1f ms (copy %5.1f ms %4.1f MB, scan roots %5.1f ms %6d cards, term %4.1f, cpu %s) | median pause %5.1f, copied MB med %4.1f max %4.1f, cards med %6d max %6d'%(
            ph,len(g),float(mx['ms']),float(mx['copy'] or 0),int(mx['copied'] or 0)/2**20,float(mx['shr'] or 0),int(mx['cards'] or 0),float(mx['term'] or 0),mx['cpu'],
            st.median(f('ms')),st.median(f('copied'))/2**20,max(f('copied'))/2**20,st.median(f('cards')),max(f('cards'))))
