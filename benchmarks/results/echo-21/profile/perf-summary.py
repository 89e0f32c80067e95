# Summarises `perf script` output of one client JVM: share of samples per thread, per kind (kernel socket I/O,
# futex/scheduling, JIT, GC, user code), and the first syscall per thread. Used for results/echo-21/profile.
import sys, re, collections
# perf script output -> per-thread share, leaf category, inclusive frames of interest
samples=[]; cur=None
for line in open(sys.argv[1], errors='replace'):
    if not line.strip():
        if cur: samples.append(cur); cur=None
        continue
    if not line.startswith((' ','\t')):
        comm=line.split()[0] if not line.startswith(' ') else '?'
        m=re.match(r'^(.*?)\s+\d+(/\d+)?\s+',line)
        cur={'comm':(m.group(1).strip() if m else comm),'f':[]}
    else:
        s=line.strip(); parts=s.split(' ',1)
        sym=parts[1] if len(parts)>1 else s
        sym=re.sub(r'\s*\(\S*\)$','',sym)
        cur['f'].append(sym)
if cur: samples.append(cur)
n=len(samples); print('samples',n)
def g(t): return re.sub(r'\d+','N',t)
c=collections.Counter(g(s['comm']) for s in samples)
print('-- by thread'); [print(f'{v*100/n:5.1f}% {k}') for k,v in c.most_common(8)]
def cat(s):
    f=s['f']
    if not f: return 'unknown'
    leaf=f[0]
    joined=' '.join(f[:60])
    if any(x in joined for x in ('futex','schedule','finish_task_switch','try_to_wake_up','ttwu','Unsafe_Park','Unsafe_Unpark','Parker::')): 
        if 'futex' in joined or 'Park' in joined: return 'kernel/JVM: park/unpark (futex) and scheduling'
        return 'kernel: scheduling'
    if any(x in joined for x in ('tcp_','sock_','inet_','ip_','__dev_queue','net_rx','sys_write','sys_read','ksys_write','ksys_read','do_epoll','ep_poll','sys_epoll')):
        return 'kernel: socket I/O and epoll'
    if re.search(r'Phase|Compile|C2Compiler|Matcher|PhaseChaitin|IndexSet|Node::|Parse::',joined): return 'JIT compiler'
    if re.search(r'G1|GC|Gc|gc_',joined): return 'GC'
    if leaf.startswith(('[k]',)) or re.match(r'^[a-z_0-9.]+$',leaf): return 'kernel: other'
    return 'user code (Java, JVM runtime)'
cc=collections.Counter(cat(s) for s in samples)
print('-- category'); [print(f'{v*100/n:5.1f}% {k}') for k,v in cc.most_common()]
pats=sys.argv[2:]
inc=collections.Counter()
for s in samples:
    j=' | '.join(s['f'])
    for p in pats:
        if p in j: inc[p]+=1
print('-- inclusive'); [print(f'{inc[p]*100/n:5.1f}% {p}') for p in pats]
print('-- thread x category')
tc=collections.Counter((g(s['comm']),cat(s)) for s in samples)
for (t,k),v in sorted(tc.items(), key=lambda x:-x[1])[:14]: print(f'{v*100/n:5.1f}% {t:20s} {k}')
# syscalls: the first kernel frame under entry_SYSCALL
sc=collections.Counter()
for s in samples:
    f=s['f']
    for i,x in enumerate(f):
        if x.startswith('__x64_sys_') or x.startswith('__do_sys_'):
            sc[(g(s['comm']),x)]+=1; break
print('-- syscalls by thread')
for (t,k),v in sc.most_common(12): print(f'{v*100/n:5.1f}% {t:20s} {k}')
