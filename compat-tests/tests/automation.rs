//! pmacct's own integration suite, run the way upstream runs it (issue 22 item 3): each
//! pmacct-test-automation case 100-111 of `corpus/` starts our nfacctd on the case's
//! `nfacctd-00.conf` with only the container paths, the addresses and the broker / schema
//! registry endpoints replaced; the case's traffic is replayed over UDP at its capture pace
//! (as its `traffic-reproducer-*.yml` says: pcap, one source address per exporter, several
//! reproducers at once for the multi-exporter cases 110 and 111); the records are read back
//! from the real Kafka broker (`.ci/kafka-broker.sh start`, 127.0.0.1:9092; one topic per
//! case), Avro decoded to JSON with the schema the registry holds for the record's schema id
//! (as the suite's Confluent AvroDeserializer does), and compared with the case's
//! `output-flow-00.json` by the suite's rule (library/py/json_tools.py, read, not copied):
//! - the time fields its tests ignore are dropped from both sides: `timestamp_arrival`,
//!   `timestamp_min`, `timestamp_max`, `stamp_inserted`, `stamp_updated` (every case 100-111
//!   passes exactly these; `writer_id` is compared: `writer_id_string: $proc_name`);
//! - what remains must be equal as JSON: the same keys, equal values, arrays of equal length
//!   compared in order, numbers by value; key order does not matter;
//! - as many messages as the file has lines, each matched to one line not matched before.
//!
//! Addresses: a reproducer's `repro_ip` a.b.c.d becomes 127.b.c.d, an IPv6 one ::1 (the suite
//! rewrites the expected output and maps to the addresses its containers get, `replace_IPs`:
//! 192.168.100.N is its 172.21.1.10N, cafe::N its fd25::10N); the maps' `ip=` and the
//! expected `peer_ip_src` follow. Traffic starts at second 2 of a
//! 10-second period, so that it falls in one `kafka_refresh_time: 10` purge (and in one
//! `kafka_history: 10s` bin of pmacct 1.8; 1.7.7, and so ours, warn and ignore that value),
//! as the reproducer's start at second 5 of a minute does.
//!
//! The schema registry is a small one in this file: the Confluent Schema Registry endpoints
//! pmacct and the suite's consumer use (`POST /subjects/<subject>/versions` answering the
//! schema id, `GET /schemas/ids/<id>` answering the schema); no Kafka-ecosystem registry
//! (karapace, Confluent's) installs from the package registries.
//!
//! Run: `cargo test -p pmacct-bin --test compat_automation -- --nocapture` (needs the
//! broker; each case takes 10-25 s, most of it waiting for the period and the purge).

#[path = "../../crates/plugins/tests/kafka_support/mod.rs"]
mod kafka_support;

use std::collections::HashMap;
use std::io::{Read, Write};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, TcpListener, TcpStream, UdpSocket};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use compat_tests::{pcap, root, run};
use serde_json::Value;

const TA: &str = "corpus/pmacct-test-automation";

/// The fields every test of cases 100-111 passes to `read_and_compare_messages` as ignored.
const IGNORED: [&str; 5] = [
    "timestamp_arrival",
    "timestamp_min",
    "timestamp_max",
    "stamp_inserted",
    "stamp_updated",
];

fn ours() -> PathBuf {
    run::ours_binary(Some(env!("CARGO_BIN_EXE_nfacctd"))).unwrap_or_else(|e| panic!("{e}"))
}

// ---------------------------------------------------------------------------------------
// Schema registry: the two Confluent Schema Registry endpoints pmacct and the consumer use.

struct Registry {
    port: u16,
}

/// One registry for the whole test binary (ids are unique across the cases, as in a real one).
fn registry() -> &'static Registry {
    static R: OnceLock<Registry> = OnceLock::new();
    R.get_or_init(|| {
        let l = TcpListener::bind("127.0.0.1:0").expect("bind registry");
        let port = l.local_addr().unwrap().port();
        let schemas: Arc<Mutex<Vec<String>>> = Arc::default();
        std::thread::spawn(move || {
            for conn in l.incoming().flatten() {
                let schemas = schemas.clone();
                std::thread::spawn(move || serve(conn, &schemas));
            }
        });
        Registry { port }
    })
}

/// Read one HTTP/1.1 request: (method, path, body). Bounded: a request over 1 MiB is refused.
fn read_request(conn: &mut TcpStream) -> Option<(String, String, Vec<u8>)> {
    conn.set_read_timeout(Some(Duration::from_secs(10))).ok()?;
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    let head_end = loop {
        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break i + 4;
        }
        let n = conn.read(&mut chunk).ok()?;
        if n == 0 || buf.len() > 1 << 20 {
            return None;
        }
        buf.extend_from_slice(&chunk[..n]);
    };
    let head = String::from_utf8_lossy(&buf[..head_end]).to_string();
    let mut words = head.split_whitespace();
    let (method, path) = (words.next()?.to_string(), words.next()?.to_string());
    let len: usize = head
        .lines()
        .find_map(|l| {
            let (k, v) = l.split_once(':')?;
            k.eq_ignore_ascii_case("content-length")
                .then(|| v.trim().parse().ok())?
        })
        .unwrap_or(0);
    if len > 1 << 20 {
        return None;
    }
    while buf.len() < head_end + len {
        let n = conn.read(&mut chunk).ok()?;
        if n == 0 {
            return None;
        }
        buf.extend_from_slice(&chunk[..n]);
    }
    Some((method, path, buf[head_end..head_end + len].to_vec()))
}

fn serve(mut conn: TcpStream, schemas: &Mutex<Vec<String>>) {
    let Some((method, path, body)) = read_request(&mut conn) else {
        return;
    };
    let answer = |status: &str, body: Value| {
        format!(
            "HTTP/1.1 {status}\r\nContent-Type: application/vnd.schemaregistry.v1+json\r\n\
             Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.to_string().len()
        )
    };
    let not_found = || {
        answer(
            "404 Not Found",
            serde_json::json!({"error_code": 40401, "message": "Not found"}),
        )
    };
    let parts: Vec<&str> = path.trim_matches('/').split('/').collect();
    let text = match (method.as_str(), parts.as_slice()) {
        ("POST", ["subjects", _subject, "versions"]) => {
            let schema = serde_json::from_slice::<Value>(&body)
                .ok()
                .and_then(|v| v.get("schema")?.as_str().map(str::to_string));
            match schema.filter(|s| apache_avro::Schema::parse_str(s).is_ok()) {
                Some(s) => {
                    let mut all = schemas.lock().unwrap();
                    // The same schema text gets the id it already has, as Confluent's does.
                    let id = match all.iter().position(|x| *x == s) {
                        Some(i) => i + 1,
                        None => {
                            all.push(s);
                            all.len()
                        }
                    };
                    answer("200 OK", serde_json::json!({ "id": id }))
                }
                None => answer(
                    "422 Unprocessable Entity",
                    serde_json::json!({"error_code": 42201, "message": "Invalid schema"}),
                ),
            }
        }
        ("GET", ["schemas", "ids", id]) => {
            let all = schemas.lock().unwrap();
            match id
                .parse::<usize>()
                .ok()
                .and_then(|i| all.get(i.checked_sub(1)?))
            {
                Some(s) => answer("200 OK", serde_json::json!({ "schema": s })),
                None => not_found(),
            }
        }
        _ => not_found(),
    };
    let _ = conn.write_all(text.as_bytes());
}

/// The schema of `id` as the registry answers it (None: 404), fetched as the consumer's
/// deserializer does.
fn get_schema(id: u32) -> Option<String> {
    let mut c = TcpStream::connect(("127.0.0.1", registry().port)).expect("registry");
    write!(
        c,
        "GET /schemas/ids/{id} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut text = String::new();
    c.read_to_string(&mut text).unwrap();
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    if !head.contains(" 200 ") {
        return None;
    }
    let v: Value = serde_json::from_str(body).ok()?;
    v["schema"].as_str().map(str::to_string)
}

// ---------------------------------------------------------------------------------------
// Case layout: config, maps, reproducers, expected output.

/// One `traffic-reproducer-NN.yml`: the pcap and the address its exporter is replayed from.
struct Reproducer {
    pcap: PathBuf,
    repro_ip: IpAddr,
}

/// The keys this test reads from the reproducer's YAML (flat `key: value` lines).
fn reproducer(dir: &Path, yml: &Path) -> Reproducer {
    let text = std::fs::read_to_string(yml).unwrap_or_else(|e| panic!("{}: {e}", yml.display()));
    let value = |key: &str| -> String {
        text.lines()
            .map(|l| l.split('#').next().unwrap_or("").trim())
            .map(|l| l.trim_start_matches("- "))
            .find_map(|l| l.strip_prefix(key)?.trim().strip_prefix(':'))
            .map(|v| v.trim().to_string())
            .unwrap_or_else(|| panic!("{}: no {key}", yml.display()))
    };
    Reproducer {
        pcap: dir.join(value("pcap")),
        repro_ip: value("repro_ip").parse().expect("repro_ip"),
    }
}

/// Where a reproducer's address is replayed from here: 127.b.c.d for a.b.c.d, ::1 for IPv6.
fn local_of(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V4(a) => {
            let o = a.octets();
            IpAddr::V4(Ipv4Addr::new(127, o[1], o[2], o[3]))
        }
        IpAddr::V6(_) => IpAddr::V6(Ipv6Addr::LOCALHOST),
    }
}

/// `text` with each address of `pairs` replaced where it stands alone (not inside a longer
/// address or number).
fn subst_ips(text: &str, pairs: &[(String, String)]) -> String {
    let mut out = text.to_string();
    for (from, to) in pairs {
        let addr_char = |c: char| c.is_ascii_hexdigit() || c == '.' || c == ':';
        let mut res = String::with_capacity(out.len());
        let mut rest = out.as_str();
        while let Some(i) = rest.find(from.as_str()) {
            let before = rest[..i].chars().next_back();
            let after = rest[i + from.len()..].chars().next();
            res.push_str(&rest[..i]);
            if before.is_some_and(addr_char) || after.is_some_and(addr_char) {
                res.push_str(from);
            } else {
                res.push_str(to);
            }
            rest = &rest[i + from.len()..];
        }
        res.push_str(rest);
        out = res;
    }
    out
}

/// What a run of one case needs, set up in a scratch directory.
struct Setup {
    scratch: run::Scratch,
    conf: String,
    port: u16,
    topic: String,
    json: bool,
    listen_v6: bool,
    reproducers: Vec<Reproducer>,
    pairs: Vec<(String, String)>,
}

/// The case's config with only the container paths, addresses and endpoints replaced:
/// `/etc/pmacct/<map>.map` -> the case's `pmacct_mount/<map>-00.map` (copied, addresses
/// substituted; a scenario's own maps over them), `/var/log/pmacct/...` -> the scratch dir,
/// `nfacctd_port` -> a free port, the kafka config file -> one naming the test broker,
/// `kafka_topic` -> a topic of its own, the registry -> this file's.
fn setup(case: &str, scenario: Option<&str>, bs: &str) -> Setup {
    let dir = root().join(TA).join(case);
    let cdir = scenario.map_or(dir.clone(), |s| dir.join(s));
    let scratch = run::Scratch::new(&format!("automation-{case}")).unwrap();
    let s = scratch.0.clone();
    let mut ymls: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| {
            p.file_name()
                .and_then(|f| f.to_str())
                .is_some_and(|f| f.starts_with("traffic-reproducer-") && f.ends_with(".yml"))
        })
        .collect();
    ymls.sort();
    let reproducers: Vec<Reproducer> = ymls.iter().map(|y| reproducer(&dir, y)).collect();
    assert!(!reproducers.is_empty(), "{case}: no reproducer");
    let mut pairs: Vec<(String, String)> = Vec::new();
    for r in &reproducers {
        let (ip, local) = (r.repro_ip.to_string(), local_of(r.repro_ip).to_string());
        // The current framework rewrites a case's subnet to its own (`replace_IPs`:
        // 192.168.100.N -> 172.21.1.10N, cafe::N -> fd25::10N); outputs regenerated since
        // (103's scenarios) carry the framework's address: the same exporter.
        for (case_net, fw_net) in [("192.168.100.", "172.21.1.10"), ("cafe::", "fd25::10")] {
            if let Some(n) = ip.strip_prefix(case_net) {
                pairs.push((format!("{fw_net}{n}"), local.clone()));
            }
        }
        pairs.push((ip, local));
    }
    for mdir in [dir.join("pmacct_mount"), cdir.clone()] {
        for e in std::fs::read_dir(&mdir).into_iter().flatten().flatten() {
            let p = e.path();
            if p.extension().is_some_and(|x| x == "map") {
                let t = std::fs::read_to_string(&p).unwrap();
                std::fs::write(s.join(p.file_name().unwrap()), subst_ips(&t, &pairs)).unwrap();
            }
        }
    }
    std::fs::create_dir_all(s.join("avsc")).unwrap();
    let port = run::free_port().unwrap();
    let topic = kafka_support::unique(&format!("automation.{}", &case[..3]));
    let kconf = s.join("librdkafka.conf");
    std::fs::write(
        &kconf,
        format!("global, bootstrap.servers, {bs}\nglobal, security.protocol, plaintext\n"),
    )
    .unwrap();
    let text = std::fs::read_to_string(cdir.join("nfacctd-00.conf")).unwrap();
    let mut conf = String::new();
    let (mut json, mut listen_v6) = (false, false);
    for line in text.lines() {
        let key = line.split(':').next().unwrap_or("").trim();
        let base = key.split('[').next().unwrap_or("");
        let set = |v: &str| format!("{key}: {v}");
        let l = match base {
            "pidfile" => set(&s.join("nfacctd.pid").display().to_string()),
            "logfile" => set(&s.join("nfacctd.log").display().to_string()),
            "nfacctd_port" => set(&port.to_string()),
            "kafka_config_file" => set(&kconf.display().to_string()),
            "kafka_topic" => set(&topic),
            "kafka_avro_schema_registry" => set(&format!("http://127.0.0.1:{}", registry().port)),
            "avro_schema_output_file" => set(&s.join("avsc/nfacctd.avsc").display().to_string()),
            _ => {
                if base == "kafka_output" {
                    json = line.split(':').nth(1).is_some_and(|v| v.trim() == "json");
                }
                if base == "nfacctd_ip" {
                    listen_v6 = line.split_once(':').is_some_and(|(_, v)| v.contains(':'));
                }
                match line.find("/etc/pmacct/") {
                    Some(i) => {
                        let file = line[i + "/etc/pmacct/".len()..].trim();
                        let local = file.replace(".map", "-00.map");
                        format!("{}{}", &line[..i], s.join(local).display())
                    }
                    None => line.to_string(),
                }
            }
        };
        conf.push_str(&l);
        conf.push('\n');
    }
    std::fs::write(s.join("nfacctd.conf"), &conf).unwrap();
    Setup {
        scratch,
        conf,
        port,
        topic,
        json,
        listen_v6,
        reproducers,
        pairs,
    }
}

// ---------------------------------------------------------------------------------------
// Replay, consume, decode.

/// Sleep until second 2 (+0.1 s) of a 10-second period: the replay then lies in one history
/// bin and one purge period (the cases' captures last under 0.1 s).
fn align() {
    let now = SystemTime::now().duration_since(UNIX_EPOCH).unwrap();
    let in_period = Duration::from_millis(u64::try_from(now.as_millis() % 10_000).unwrap());
    let target = Duration::from_millis(2_100);
    let wait = if in_period <= target {
        target - in_period
    } else {
        Duration::from_secs(10) - in_period + target
    };
    std::thread::sleep(wait);
}

/// Replay every reproducer at once (as the suite's detached reproducers), each at its
/// capture's pace from its own address; datagrams sent.
fn replay(st: &Setup) -> usize {
    let threads: Vec<_> = st
        .reproducers
        .iter()
        .map(|r| {
            let data = std::fs::read(&r.pcap).unwrap();
            let dgrams = pcap::udp_datagrams_timed(&data).unwrap();
            let local = local_of(r.repro_ip);
            let target = match local {
                IpAddr::V6(_) => SocketAddr::from((Ipv6Addr::LOCALHOST, st.port)),
                IpAddr::V4(_) => SocketAddr::from((Ipv4Addr::LOCALHOST, st.port)),
            };
            std::thread::spawn(move || {
                let sock = UdpSocket::bind((local, 0)).expect("bind replay source");
                let t0 = Instant::now();
                let first = dgrams.first().map_or(0, |d| d.0);
                for (ts, d) in &dgrams {
                    let due = Duration::from_micros(ts.saturating_sub(first));
                    if let Some(w) = due.checked_sub(t0.elapsed()) {
                        std::thread::sleep(w);
                    }
                    sock.send_to(&d.payload, target).expect("send");
                }
                dgrams.len()
            })
        })
        .collect();
    threads.into_iter().map(|t| t.join().unwrap()).sum()
}

/// One consumed record as JSON: Avro (Confluent framing, schema from the registry) or text.
fn decode(payload: &[u8], json: bool, schemas: &mut HashMap<u32, apache_avro::Schema>) -> Value {
    if json {
        return serde_json::from_slice(payload)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(payload)));
    }
    assert!(
        payload.len() > 5 && payload[0] == 0,
        "not Confluent-framed Avro: {payload:?}"
    );
    let id = u32::from_be_bytes([payload[1], payload[2], payload[3], payload[4]]);
    let schema = schemas.entry(id).or_insert_with(|| {
        let text = get_schema(id).unwrap_or_else(|| panic!("registry has no schema {id}"));
        apache_avro::Schema::parse_str(&text).expect("registry schema parses")
    });
    let mut datum = &payload[5..];
    let v = apache_avro::from_avro_datum(schema, &mut datum, None).expect("Avro datum");
    assert!(datum.is_empty(), "{} bytes after the datum", datum.len());
    Value::try_from(v).expect("Avro value as JSON")
}

// ---------------------------------------------------------------------------------------
// The suite's comparison.

/// Equal as the suite compares parsed JSON: same keys, equal values, arrays in order,
/// numbers by value (Python's 1 == 1.0).
fn json_equal(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len()
                && x.iter()
                    .all(|(k, v)| y.get(k).is_some_and(|w| json_equal(v, w)))
        }
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(v, w)| json_equal(v, w))
        }
        (Value::Number(x), Value::Number(y)) => match (x.as_i64(), y.as_i64()) {
            (Some(i), Some(j)) => i == j,
            _ => x.as_f64() == y.as_f64(),
        },
        _ => a == b,
    }
}

/// The fields of `a` and `b` that differ (keys missing on one side included).
fn delta(a: &Value, b: &Value) -> Vec<String> {
    let (Some(x), Some(y)) = (a.as_object(), b.as_object()) else {
        return vec!["<not objects>".into()];
    };
    let mut d: Vec<String> = x
        .iter()
        .filter(|(k, v)| !y.get(*k).is_some_and(|w| json_equal(v, w)))
        .map(|(k, v)| {
            format!(
                "{k}: ours {v}, expected {}",
                y.get(k).unwrap_or(&Value::Null)
            )
        })
        .collect();
    d.extend(
        y.iter()
            .filter(|(k, _)| !x.contains_key(*k))
            .map(|(k, v)| format!("{k}: ours absent, expected {v}")),
    );
    d
}

/// How a case's records compared.
struct Outcome {
    expected: usize,
    received: usize,
    equal: usize,
    report: String,
}

fn compare(received: &[Value], expected_text: &str) -> Outcome {
    let strip = |v: &Value| -> Value {
        let mut v = v.clone();
        if let Some(o) = v.as_object_mut() {
            for f in IGNORED {
                o.remove(f);
            }
        }
        v
    };
    let expected: Vec<Value> = expected_text
        .lines()
        .filter(|l| l.trim().len() > 3)
        .map(|l| serde_json::from_str(l.trim()).expect("expected line is JSON"))
        .collect();
    let mut left: Vec<Value> = expected.iter().map(strip).collect();
    let mut equal = 0;
    let mut report = String::new();
    for r in received {
        let r = strip(r);
        match left.iter().position(|e| json_equal(&r, e)) {
            Some(i) => {
                left.remove(i);
                equal += 1;
            }
            None => {
                let closest = left
                    .iter()
                    .map(|e| delta(&r, e))
                    .min_by_key(Vec::len)
                    .unwrap_or_default();
                report.push_str(&format!(
                    "  ours not matched: {r}\n    closest expected differs in: {closest:?}\n"
                ));
            }
        }
    }
    for e in &left {
        report.push_str(&format!("  expected not matched: {e}\n"));
    }
    Outcome {
        expected: expected.len(),
        received: received.len(),
        equal,
        report,
    }
}

// ---------------------------------------------------------------------------------------
// Running a case.

struct Daemon {
    child: Child,
    log: PathBuf,
    stderr: PathBuf,
}

impl Daemon {
    fn start(st: &Setup) -> Daemon {
        let s = &st.scratch.0;
        let stderr = s.join("stderr");
        let child = Command::new(ours())
            .arg("-f")
            .arg(s.join("nfacctd.conf"))
            .env("TZ", "UTC")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(&stderr).unwrap())
            .spawn()
            .expect("start nfacctd");
        let d = Daemon {
            child,
            log: s.join("nfacctd.log"),
            stderr,
        };
        let port = st.port;
        let up = run::wait_until(
            "nfacctd listening, plugin up",
            Duration::from_secs(20),
            || {
                run::udp_bound(port)
                    && (run::lines_with(&d.log, run::PLUGIN_UP)
                        + run::lines_with(&d.stderr, run::PLUGIN_UP))
                        >= 1
            },
        );
        if let Err(e) = up {
            panic!("{e}\n{}", d.logs());
        }
        d
    }

    fn logs(&self) -> String {
        let r = |p: &Path| std::fs::read_to_string(p).unwrap_or_default();
        format!("--- log\n{}--- stderr\n{}", r(&self.log), r(&self.stderr))
    }

    fn signal(&self, sig: i32) {
        // SAFETY: kill(2) on the pid of the child this test started and has not reaped.
        unsafe { libc::kill(self.child.id() as libc::pid_t, sig) };
    }
}

impl Drop for Daemon {
    fn drop(&mut self) {
        self.signal(libc::SIGINT);
        let t0 = Instant::now();
        while t0.elapsed() < Duration::from_secs(10) {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Replay the case's traffic, read what arrives on the topic after the `skip` messages of
/// earlier parts and compare with `expected_file` (its addresses substituted); the outcome
/// line is printed. (The topic is read from its start: tansu's high watermark counts
/// batches, not messages, so it cannot say where the earlier part ended.)
fn part(
    label: &str,
    st: &Setup,
    d: &Daemon,
    bs: &str,
    expected_file: &Path,
    skip: usize,
) -> Outcome {
    align();
    let sent = replay(st);
    let expected_text = subst_ips(&std::fs::read_to_string(expected_file).unwrap(), &st.pairs);
    let n = expected_text.lines().filter(|l| l.trim().len() > 3).count();
    let mut msgs = kafka_support::consume_until(bs, &st.topic, &[], Duration::from_secs(45), |m| {
        m.len() >= skip + n
    });
    msgs.drain(..skip.min(msgs.len()));
    let mut schemas = HashMap::new();
    let received: Vec<Value> = msgs
        .iter()
        .map(|m| decode(&m.payload, st.json, &mut schemas))
        .collect();
    let o = compare(&received, &expected_text);
    println!(
        "{label}: datagrams sent {sent}, records expected {}, received {}, equal {}",
        o.expected, o.received, o.equal
    );
    if !(o.expected > 0 && o.received == o.expected && o.equal == o.expected) {
        panic!(
            "{label}: expected {}, received {}, equal {}\n{}\n{}\nconfig:\n{}",
            o.expected,
            o.received,
            o.equal,
            o.report,
            d.logs(),
            st.conf
        );
    }
    o
}

/// Avro cases: the schema written to `avro_schema_output_file` is the one the registry holds.
fn check_schema_file(st: &Setup) {
    if st.json {
        return;
    }
    let file = std::fs::read_to_string(st.scratch.0.join("avsc/nfacctd.avsc"))
        .expect("avro_schema_output_file written");
    let a = apache_avro::Schema::parse_str(&file).expect("schema file parses");
    let registered = (1..).map_while(get_schema);
    let same = registered
        .filter_map(|t| apache_avro::Schema::parse_str(&t).ok())
        .any(|b| b.canonical_form() == a.canonical_form());
    assert!(same, "avro_schema_output_file is not a registered schema");
}

fn case(case: &str, scenario: Option<&str>) {
    let bs = kafka_support::bootstrap();
    let st = setup(case, scenario, &bs);
    kafka_support::create_topics(&bs, &[&st.topic], 1);
    assert!(
        !st.listen_v6 || UdpSocket::bind("[::1]:0").is_ok(),
        "{case}: needs IPv6 on lo"
    );
    let d = Daemon::start(&st);
    let label = match scenario {
        Some(s) => format!("{case}/{s}"),
        None => case.to_string(),
    };
    let dir = root().join(TA).join(case);
    let cdir = scenario.map_or(dir.clone(), |s| dir.join(s));
    part(&label, &st, &d, &bs, &cdir.join("output-flow-00.json"), 0);
    check_schema_file(&st);
}

#[test]
fn case_100_ipfix_cisco() {
    case("100-IPFIXv10-CISCO", None);
}

#[test]
fn case_100_scenario_01() {
    case("100-IPFIXv10-CISCO", Some("scenario-01"));
}

#[test]
fn case_101_nfv9_custom_primitives() {
    case("101-NFv9-CISCO-cust_primitives", None);
}

/// 102 as upstream's test runs it: traffic, compare with output-flow-00; the -01 maps
/// (pretag, f2rd, sampling) copied over the -00 ones, SIGUSR2, the same traffic again,
/// compare with output-flow-01 (the new labels, route distinguishers and sampling rate).
#[test]
fn case_102_f2rd_pretag_sampling_reload() {
    let c = "102-NFv9-CISCO-f2rd-pretag-sampling-reload";
    let bs = kafka_support::bootstrap();
    let st = setup(c, None, &bs);
    kafka_support::create_topics(&bs, &[&st.topic], 1);
    let d = Daemon::start(&st);
    let dir = root().join(TA).join(c);
    let first = part(c, &st, &d, &bs, &dir.join("output-flow-00.json"), 0);
    let reloads =
        || run::lines_with(&d.log, "maps reloaded") + run::lines_with(&d.stderr, "maps reloaded");
    let before = reloads();
    for m in ["f2rd", "pretag", "sampling"] {
        let t = std::fs::read_to_string(dir.join(format!("pmacct_mount/{m}-01.map"))).unwrap();
        std::fs::write(
            st.scratch.0.join(format!("{m}-00.map")),
            subst_ips(&t, &st.pairs),
        )
        .unwrap();
    }
    d.signal(libc::SIGUSR2);
    run::wait_until("maps reloaded", Duration::from_secs(10), || {
        reloads() > before
    })
    .unwrap_or_else(|e| panic!("{e}\n{}", d.logs()));
    part(
        &format!("{c} (after SIGUSR2)"),
        &st,
        &d,
        &bs,
        &dir.join("output-flow-01.json"),
        first.received,
    );
    check_schema_file(&st);
}

#[test]
fn case_103_pretag_json_encoding() {
    case("103-IPFIXv10-CISCO-pretag-JSON_encoding", None);
}

#[test]
fn case_103_scenarios() {
    for s in 1..=5 {
        case(
            "103-IPFIXv10-CISCO-pretag-JSON_encoding",
            Some(&format!("scenario-0{s}")),
        );
    }
}

#[test]
fn case_104_ipv6_sampling_option() {
    case("104-IPFIXv10-IPv6-CISCO-sampling_option", None);
}

/// Three exporters (IPFIX, NetFlow v9, NetFlow v9) replayed at once into one nfacctd.
#[test]
fn case_110_multiple_sources() {
    case("110-IPFIXv10-NFv9-multiple-sources", None);
}

/// An IPv4 and an IPv6 exporter at once into one nfacctd listening on `::`.
#[test]
fn case_111_ipv6_ipv4_mix_sources() {
    case("111-IPFIXv10-NFv9-IPv6-IPv4-mix_sources", None);
}

#[test]
fn address_substitution_is_exact() {
    let pairs = vec![("192.168.100.1".to_string(), "127.168.100.1".to_string())];
    assert_eq!(
        subst_ips("ip=192.168.100.1/32 192.168.100.10 1:192.168.100.1", &pairs),
        "ip=127.168.100.1/32 192.168.100.10 1:192.168.100.1"
    );
}
