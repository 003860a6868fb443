#!/usr/bin/env python3
"""Bootstrap generator for crates/config/src/keys.rs (the key registry table).

It was run once to produce the table from facts of pmacct 1.7.7: the key names its config
dictionary accepts (src/cfg.c), which struct field each key's handler writes (keys writing
one field form a "grouped directive" and share a canonical `field`), whether the handler
forces global scope ("Globalized"), the value kind (bool / integer / enum / history...),
and from CONFIG-KEYS the command-line flag, daemon restrictions and defaults. No prose is
copied. After generation keys.rs is the source of truth and is edited by hand (docs,
implemented flags); re-running this overwrites those edits, so diff before replacing.

  git -C pmacct show v1.7.7:src/cfg.c > cfg.c; git -C pmacct show v1.7.7:src/cfg_handlers.c > cfgh.c
  python3 gen_registry.py cfg.c cfgh.c /usr/share/doc/pmacct/CONFIG-KEYS.gz docs.tsv > keys.rs
"""
import gzip, re, sys

cfg_c, cfgh_c, ck_path = sys.argv[1:4]
docs = {}
if len(sys.argv) > 4:
    for l in open(sys.argv[4]):
        if '\t' in l:
            k, d = l.rstrip('\n').split('\t', 1)
            docs[k] = d

dict_ = re.findall(r'^  \{"([a-z0-9_]+)", (cfg_key_[a-z0-9_]+)\}', open(cfg_c).read(), re.M)
src = open(cfgh_c).read()
funcs = {}
for m in re.finditer(r'\nint (cfg_key_[a-z0-9_]+)\(char \*filename, char \*name, char \*value_ptr\)\n\{(.*?)\n\}\n', src, re.S):
    funcs[m.group(1)] = m.group(2)

# CONFIG-KEYS facts: flags, cli flag, default per name.
text = (gzip.open if ck_path.endswith('.gz') else open)(ck_path, 'rt', errors='replace').read()
lines = text.splitlines()
ck = {}
i = 0
while i < len(lines):
    l = lines[i]
    if l.startswith('KEY:'):
        key = l[4:]
        while key.count('[') > key.count(']') and i + 1 < len(lines):
            i += 1
            key += ' ' + lines[i]
        default = None
        j = i + 1
        while j < len(lines) and not lines[j].startswith('KEY:'):
            m = re.match(r'^DEFAULT:\s*(.*)$', lines[j])
            if m:
                default = m.group(1).strip()
            j += 1
        cli = re.search(r'\((-\w)\)', key)
        flags = re.search(r'\[\s*([A-Z_, ]+)\]', key)
        flags = [f.strip() for f in flags.group(1).split(',')] if flags else []
        k2 = re.sub(r'\(-\w\)', '', key)
        k2 = re.sub(r'\[\s*[A-Z_, ]+\]', '', k2)
        for n in re.findall(r'[a-z][a-z0-9_]+', k2):
            ck.setdefault(n, (cli.group(1)[1] if cli else None, flags, default))
        i = j
        continue
    i += 1

def kind_of(name, body):
    if name == 'aggregate':
        return 'Kind::List'
    if 'parse_truefalse' in body:
        return 'Kind::Bool'
    if 'parse_time(' in body:
        return 'Kind::History'
    if name.endswith('history_roundoff') or name.endswith('time_roundoff'):
        return 'Kind::Roundoff'
    if 'is expected in secs' in body:
        return 'Kind::Secs'
    if 'lower_string(value_ptr)' in body:
        opts = []
        for o in re.findall(r'strcmp\(value_ptr, "([^"]+)"\)', body):
            if o not in opts:
                opts.append(o)
        if opts:
            return 'Kind::Enum(&[%s])' % ', '.join('"%s"' % o for o in opts)
    if re.search(r'\b(atoi|strtoull|strtoul|strtol|atol|atoll)\(value_ptr', body):
        lo = 1 if re.search(r'value <= 0|value < 1\b', body) else 0
        m = re.search(r"in the range (\d+)-(\d+)", body)
        if m:
            return 'Kind::Int { min: %s, max: %s }' % (m.group(1), m.group(2))
        if re.search(r'value < 0', body) or lo:
            return 'Kind::Int { min: %d, max: i64::MAX }' % lo
        return 'Kind::Int { min: i64::MIN, max: i64::MAX }'
    return 'Kind::Str'

PLUG = [('print_', 'P_PRINT'), ('kafka_', 'P_KAFKA'), ('amqp_', 'P_AMQP'), ('sql_', 'P_SQL'),
        ('imt_', 'P_MEMORY'), ('tee_', 'P_TEE'), ('nfprobe_', 'P_NFPROBE'), ('sfprobe_', 'P_SFPROBE'),
        ('mongo_', 'P_NONE')]

def daemons_of(name, flags):
    d = {'nf', 'sf', 'pm', 'ua'}
    for f in flags:
        if f in ('NFACCTD_ONLY', 'ONLY_NFACCTD'): d &= {'nf'}
        if f in ('SFACCTD_ONLY',): d &= {'sf'}
        if f in ('PMACCTD_ONLY',): d &= {'pm', 'ua'} if 'pcap' not in name else {'pm'}
        if f in ('UACCTD_ONLY', 'ONLY_UACCTD'): d &= {'ua'}
        if f == 'NO_NFACCTD': d.discard('nf')
        if f == 'NO_SFACCTD': d.discard('sf')
        if f == 'NO_PMACCTD': d.discard('pm')
        if f == 'NO_UACCTD': d.discard('ua')
    if 'ONLY_PMACCTD' in flags and 'ONLY_UACCTD' in flags:
        d = {'pm', 'ua'}
    for p, dm in (('nfacctd_', 'nf'), ('sfacctd_', 'sf'), ('pmacctd_', 'pm'), ('uacctd_', 'ua')):
        if name.startswith(p):
            d = {dm}
    if not d:
        d = {'nf', 'sf', 'pm', 'ua'}
    return ' | '.join('D_' + x.upper() for x in ('nf', 'sf', 'pm', 'ua') if x in d)

IMPLEMENTED = set('''nfacctd_ip nfacctd_port pcap_savefile daemonize pidfile logfile syslog debug plugins
aggregate timestamps_secs timestamps_since_epoch timestamps_utc timestamps_rfc3339 nfacctd_time_new
nfacctd_time_secs nfacctd_renormalize plugin_pipe_size plugin_buffer_size core_proc_name'''.split())
DEFAULTS = {'nfacctd_port': '2100', 'sfacctd_port': '6343', 'plugin_pipe_size': '4096000',
            'kafka_broker_host': '127.0.0.1', 'amqp_host': '127.0.0.1', 'print_output_separator': ',',
            'print_cache_entries': '16411', 'kafka_output': 'json', 'kafka_max_writers': '10',
            'print_max_writers': '10', 'kafka_partition': '-1', 'debug': 'false', 'daemonize': 'false'}

def rs(s):
    return 'None' if s is None else 'Some("%s")' % s.replace('\\', '\\\\').replace('"', '\\"')

def clean_default(d, kind):
    if d is None:
        return None
    d = d.strip().strip("'")
    if kind == 'Kind::Bool':
        dl = d.lower()
        return dl if dl in ('true', 'false') else None
    if kind.startswith('Kind::Int') or kind == 'Kind::Secs':
        return d if re.fullmatch(r'-?\d+', d) else None
    if kind.startswith('Kind::Enum'):
        return d if re.fullmatch(r'[a-z0-9_]+', d) and '"%s"' % d in kind else None
    if re.fullmatch(r'[A-Za-z0-9_./:\-]{1,40}', d) and d.lower() not in ('none', 'unset'):
        return d
    return None

entries = [('plugins', None)] + dict_
dict_names = {n for n, _ in dict_}
out = []
for name, h in entries:
    if name == 'plugins':
        body = ''
        field = 'plugins'
        kind = 'Kind::Plugins'
        glob = True
    else:
        body = funcs.get(h, '')
        fields = []
        for f in re.findall(r'list->cfg\.([a-z0-9_]+)\s*=', body):
            if f not in fields:
                fields.append(f)
        keyish = [f for f in fields if f in dict_names]
        field = keyish[0] if keyish else (fields[0] if fields else name)
        kind = kind_of(name, body)
        glob = 'Globalized' in body
    cli, flags, default = ck.get(name, (None, [], None))
    if name.startswith('print_output_file') and name != 'print_output_file':
        pass
    scope = 'KeyScope::Global' if glob else ('KeyScope::NoGlobal' if 'NO_GLOBAL' in flags else 'KeyScope::Plugin')
    plugins = 'P_CORE' if glob else 'P_ALL'
    for p, mask in PLUG:
        if name.startswith(p):
            plugins = mask
    default = DEFAULTS.get(name, clean_default(default, kind))
    implemented = name in IMPLEMENTED or name.startswith('print_')
    out.append((name, field, kind, default, scope, daemons_of(name, flags), plugins,
                cli, implemented, docs.get(name, '')))

# A shared field is named after its first key in pmacct's dictionary order, except where
# pmacct's own field name is a key (sql_table, sql_refresh_time...).
names = {o[0] for o in out}
canon = {}
for o in out:
    canon.setdefault(o[1], o[1] if o[1] in names else o[0])

print('// Key registry of pmacct 1.7.7: every key its config dictionary accepts, plus `plugins`.')
print('// Bootstrapped by tools/gen_registry.py from pmacct facts; maintained by hand since.')
print('// `field`: keys with the same field write one shared value (pmacct "grouped directives").')
print('use crate::registry::*;')
print()
print('#[rustfmt::skip]')
print('pub static KEYS: &[KeyDef] = &[')
for (name, field, kind, default, scope, daemons, plugins, cli, impl_, doc) in out:
    print('    KeyDef { name: "%s", field: "%s", kind: %s, default: %s, scope: %s, daemons: %s, plugins: %s, cli: %s, implemented: %s, doc: "%s" },' % (
        name, canon[field], kind, rs(default), scope, daemons, plugins,
        "Some('%s')" % cli if cli else 'None', 'true' if impl_ else 'false', doc.replace('"', '\\"')))
print('];')
print()
print('/// Key names as constants, so a typo in calling code does not compile.')
print('pub mod key {')
print('    use crate::registry::Key;')
for o in out:
    print('    pub const %s: Key = Key("%s");' % (o[0].upper(), o[0]))
print('}')
print()
print('/// Every constant of `key`, for the test that checks them against `KEYS`.')
print('#[cfg(test)]')
print('pub(crate) static ALL_KEY_CONSTS: &[crate::registry::Key] = &[')
for o in out:
    print('    key::%s,' % o[0].upper())
print('];')
