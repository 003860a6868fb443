//! `kafka_avro_schema_registry`: register the plugin's Avro schema with a Confluent schema
//! registry at start-up (pmacct does it through libserdes) and frame every record as the
//! Confluent wire format: magic byte 0, the schema id (4 bytes, big endian), the datum.
//!
//! A small HTTP/1.1 client over `std::net::TcpStream`: one POST at start-up does not justify
//! an HTTP stack. `https://` registries are refused with a clear error (no TLS here).

use std::io::{Read, Write};
use std::net::{TcpStream, ToSocketAddrs};
use std::time::Duration;

/// How long the registry may take to answer at start-up.
const TIMEOUT: Duration = Duration::from_secs(10);
/// Largest registry answer read (its answer to a POST is a few bytes of JSON).
const MAX_ANSWER: u64 = 64 * 1024;

/// The Confluent wire-format header of schema `id`.
pub fn header(id: u32) -> [u8; 5] {
    let b = id.to_be_bytes();
    [0, b[0], b[1], b[2], b[3]]
}

/// The subject pmacct registers the schema under: the topic when it is static,
/// `pmacct_kafka_<plugin name>` when it has `$variables`.
pub fn subject(topic: &str, dynamic: bool, plugin_name: &str) -> String {
    if dynamic {
        format!("pmacct_kafka_{plugin_name}")
    } else {
        topic.to_string()
    }
}

/// `http://host[:port][/prefix]` split into the address to connect to, the Host header and
/// the path prefix.
fn split_url(url: &str) -> Result<(String, String, String), String> {
    let rest = if let Some(r) = url.strip_prefix("http://") {
        r
    } else if url.starts_with("https://") {
        return Err(format!(
            "kafka_avro_schema_registry: '{url}': https is not supported by pmacct-rs yet; use http://"
        ));
    } else {
        return Err(format!(
            "kafka_avro_schema_registry: '{url}' is not an http:// URL"
        ));
    };
    let (hostport, path) = match rest.find('/') {
        Some(i) => (&rest[..i], rest[i..].trim_end_matches('/')),
        None => (rest, ""),
    };
    if hostport.is_empty() {
        return Err(format!("kafka_avro_schema_registry: '{url}' has no host"));
    }
    let addr = if hostport.starts_with('[') || hostport.matches(':').count() == 1 {
        hostport.to_string()
    } else {
        format!("{hostport}:80")
    };
    Ok((addr, hostport.to_string(), path.to_string()))
}

/// JSON string escaping of the schema text for the request body.
fn json_string(s: &str) -> String {
    let mut o = String::with_capacity(s.len() + 8);
    o.push('"');
    for c in s.chars() {
        match c {
            '"' => o.push_str("\\\""),
            '\\' => o.push_str("\\\\"),
            '\n' => o.push_str("\\n"),
            '\r' => o.push_str("\\r"),
            '\t' => o.push_str("\\t"),
            c if (c as u32) < 0x20 => o.push_str(&format!("\\u{:04x}", c as u32)),
            c => o.push(c),
        }
    }
    o.push('"');
    o
}

/// The `"id"` number of the registry's JSON answer.
fn id_of(body: &str) -> Option<u32> {
    let i = body.find("\"id\"")?;
    let rest = body[i + 4..].trim_start().strip_prefix(':')?.trim_start();
    let end = rest
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(rest.len());
    rest[..end].parse().ok()
}

/// Register `schema` under `subject` (`POST /subjects/<subject>/versions`) and return its id.
pub fn register(url: &str, subject: &str, schema: &str) -> Result<u32, String> {
    let (addr, host, prefix) = split_url(url)?;
    let fail = |e: &dyn std::fmt::Display| format!("schema registry {url}: {e}");
    let sa = addr
        .to_socket_addrs()
        .map_err(|e| fail(&e))?
        .next()
        .ok_or_else(|| fail(&"no address"))?;
    let mut conn = TcpStream::connect_timeout(&sa, TIMEOUT).map_err(|e| fail(&e))?;
    conn.set_read_timeout(Some(TIMEOUT)).map_err(|e| fail(&e))?;
    conn.set_write_timeout(Some(TIMEOUT))
        .map_err(|e| fail(&e))?;
    let body = format!("{{\"schema\": {}}}", json_string(schema));
    let req = format!(
        "POST {prefix}/subjects/{subject}/versions HTTP/1.1\r\nHost: {host}\r\n\
         Content-Type: application/vnd.schemaregistry.v1+json\r\n\
         Accept: application/vnd.schemaregistry.v1+json, application/json\r\n\
         Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    conn.write_all(req.as_bytes()).map_err(|e| fail(&e))?;
    let mut answer = Vec::new();
    conn.take(MAX_ANSWER)
        .read_to_end(&mut answer)
        .map_err(|e| fail(&e))?;
    let text = String::from_utf8_lossy(&answer);
    let status: u16 = text
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| fail(&"no HTTP answer"))?;
    let body = text.split_once("\r\n\r\n").map_or("", |(_, b)| b);
    if !(200..300).contains(&status) {
        return Err(fail(&format!("HTTP {status}: {}", body.trim())));
    }
    id_of(body).ok_or_else(|| fail(&format!("no schema id in '{}'", body.trim())))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_subjects_and_header() {
        assert_eq!(
            split_url("http://127.0.0.1:8081").unwrap(),
            ("127.0.0.1:8081".into(), "127.0.0.1:8081".into(), "".into())
        );
        assert_eq!(
            split_url("http://reg/api/").unwrap(),
            ("reg:80".into(), "reg".into(), "/api".into())
        );
        assert!(split_url("https://reg").unwrap_err().contains("https"));
        assert_eq!(subject("daisy.flow", false, "k"), "daisy.flow");
        assert_eq!(subject("t.$peer_src_ip", true, "k"), "pmacct_kafka_k");
        assert_eq!(header(0x01020304), [0, 1, 2, 3, 4]);
        assert_eq!(id_of("{\"id\": 17}"), Some(17));
        assert_eq!(id_of("{\"id\":3,\"x\":1}"), Some(3));
        assert_eq!(json_string("{\"a\"}\n"), "\"{\\\"a\\\"}\\n\"");
    }

    /// A one-shot registry on a local port: the request is a POST to the subject's
    /// versions, the answer's id comes back.
    #[test]
    fn registers_against_a_registry() {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = l.local_addr().unwrap().port();
        let t = std::thread::spawn(move || {
            let (mut s, _) = l.accept().unwrap();
            let mut buf = vec![0u8; 4096];
            let n = s.read(&mut buf).unwrap();
            let req = String::from_utf8_lossy(&buf[..n]).to_string();
            s.write_all(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n\r\n{\"id\":5}")
                .unwrap();
            req
        });
        let id = register(&format!("http://127.0.0.1:{port}"), "topic", "\"long\"").unwrap();
        assert_eq!(id, 5);
        let req = t.join().unwrap();
        assert!(
            req.starts_with("POST /subjects/topic/versions HTTP/1.1"),
            "{req}"
        );
        assert!(req.ends_with("{\"schema\": \"\\\"long\\\"\"}"), "{req}");
    }
}
