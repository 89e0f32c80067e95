# usage: gc-phases-table.py <client gc log> <-Xlog:gc+phases=debug,gc+heap=debug,gc+cpu log>  > <label>-table.tsv
# one line per pause: its parts (ms; worker maxima), cards scanned and dirty, bytes copied
import re,sys
from collections import defaultdict
gc=defaultdict(dict)
def num(s):
    return float(s)
for fn in sys.argv[1:]:
    for line in open(fn):
        m=re.match(r'\[([\d.]+)s\]\[\w+\s*\]\[([\w,]+)\s*\] GC\((\d+)\) (.*)',line)
        if not m: continue
        t,tag,i,rest=m.groups(); d=gc[int(i)]
        r=rest.strip()
        mm=re.match(r'(Pause \S+(?: \([^)]*\))*) .* ([\d.]+)ms$',r)
        if tag=='gc' and mm: d['type']=mm.group(1).replace('(G1 Evacuation Pause)','').strip(); d['ms']=num(mm.group(2)); d['t']=float(t)
        mm=re.match(r'User=([\d.]+)s Sys=([\d.]+)s Real=([\d.]+)s',r)
        if mm: d['cpu']='%s+%s/%s'%mm.groups()
        for key,lab in [('Ext Root Scanning','ext'),('Scan Heap Roots','shr'),('Code Root Scan','code'),('Object Copy','copy'),('Termination','term'),('GC Worker Total','wtot')]:
            mm=re.match(re.escape(key)+r' \(ms\):\s+Min:\s+([\d.]+), Avg:\s+([\d.]+), Max:\s+([\d.]+)',r)
            if mm and lab not in d: d[lab]=num(mm.group(3))
        mm=re.match(r'Scanned Cards:\s+Min: \d+, Avg:\s+[\d.]+, Max: \d+, Diff: \d+, Sum: (\d+)',r)
        if mm and 'cards' not in d: d['cards']=int(mm.group(1))
        mm=re.match(r'Copied Bytes\s+Min: \d+, Avg:\s+[\d.]+, Max: \d+, Diff: \d+, Sum: (\d+)',r)
        if mm: d['copied']=int(mm.group(1))
        for key,lab in [('Reference Processing','ref'),('Weak Processing','weak'),('Merge Heap Roots','merge'),('Pre Evacuate Collection Set','pre'),('Post Evacuate Collection Set','post'),('Post Evacuate Cleanup 2','clean2')]:
            mm=re.match(re.escape(key)+r': ([\d.]+)ms',r)
            if mm: d[lab]=num(mm.group(1))
        mm=re.match(r'Eden regions: (\d+)->',r)
        if mm: d['eden']=int(mm.group(1))
        mm=re.match(r'Dirty Cards:\s+Min: \d+, Avg:\s+[\d.]+, Max: \d+, Diff: \d+, Sum: (\d+)',r)
        if mm: d['dirty']=d.get('dirty',0)+int(mm.group(1))
cols=['t','type','ms','cpu','eden','pre','merge','ext','shr','cards','dirty','code','copy','copied','term','post','ref','weak','clean2']
print('\t'.join(cols))
for i in sorted(gc):
    d=gc[i]
    if 'type' not in d or 'Full' in d.get('type',''): continue
    print('\t'.join(str(d.get(c,'')) for c in cols))
