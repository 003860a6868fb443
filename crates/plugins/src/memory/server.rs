//! The memory plugin's query socket: an AF_UNIX stream socket at `imt_path`, one thread
//! accepting and one short-lived thread per client (at most [`MAX_CLIENTS`] at once, the
//! others wait in the socket's backlog). A
//! request is read with a deadline and a size bound, decoded ([`super::proto`]) and
//! answered ([`super::query`]); the table lock is held only while the answer's rows are
//! copied, never while a client is written to.

use std::io::{self, Read, Write};
use std::os::unix::fs::{FileTypeExt, PermissionsExt};
use std::os::unix::net::{UnixListener, UnixStream};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use super::proto::{Request, MAX_REQUEST};
use super::query::{answer, ServerInfo};
use super::table::Table;
use crate::log::{plugin_log, PluginLog};

/// Most clients served at once; more wait in the socket's backlog.
pub const MAX_CLIENTS: usize = 64;
/// How long a client may take to send its request.
pub const READ_TIMEOUT: Duration = Duration::from_secs(10);
/// How long a write to a client may block before the client is dropped.
pub const WRITE_TIMEOUT: Duration = Duration::from_secs(30);
/// Socket mode: owner and group (1.7.7 makes it 0777).
pub const SOCKET_MODE: u32 = 0o660;

/// Counters of the query server.
#[derive(Debug, Default)]
pub struct ServerStats {
    pub served: AtomicU64,
    pub rejected: AtomicU64,
    active: AtomicUsize,
}

/// The running server.
pub struct Server {
    path: PathBuf,
    stop: Arc<AtomicBool>,
}

/// Make `path` free for our socket: a stale socket (nobody listening) is removed with a log
/// line; a live one or a file that is not a socket is an error.
fn clear_path(path: &Path, log: &PluginLog) -> Result<(), String> {
    let Ok(md) = std::fs::symlink_metadata(path) else {
        return Ok(());
    };
    if !md.file_type().is_socket() {
        return Err(format!(
            "'{}' exists and is not a socket: refusing to replace it (imt_path).",
            path.display()
        ));
    }
    if UnixStream::connect(path).is_ok() {
        return Err(format!(
            "another process is listening on '{}' (imt_path). Exiting ..",
            path.display()
        ));
    }
    std::fs::remove_file(path)
        .map_err(|e| format!("cannot remove stale socket '{}': {e}", path.display()))?;
    plugin_log!(
        log,
        Warn,
        "removed stale socket '{}' (no process listening).",
        path.display()
    );
    Ok(())
}

impl Server {
    pub fn start(
        path: &str,
        table: Arc<Mutex<Table>>,
        info: ServerInfo,
        stats: Arc<ServerStats>,
        log: PluginLog,
    ) -> Result<Server, String> {
        let p = PathBuf::from(path);
        clear_path(&p, &log)?;
        let listener =
            UnixListener::bind(&p).map_err(|e| format!("cannot bind to file {path} ({e})."))?;
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(SOCKET_MODE))
            .map_err(|e| format!("cannot set permissions of {path} ({e})."))?;
        let stop = Arc::new(AtomicBool::new(false));
        let stop2 = stop.clone();
        let info = Arc::new(info);
        std::thread::Builder::new()
            .name("imt-server".into())
            .spawn(move || accept_loop(listener, table, info, stats, log, stop2))
            .map_err(|e| format!("cannot start the query server thread: {e}"))?;
        Ok(Server { path: p, stop })
    }

    /// Stop accepting and remove the socket.
    pub fn stop(&mut self) {
        if !self.stop.swap(true, Ordering::SeqCst) {
            // Wake the accept loop.
            let _ = UnixStream::connect(&self.path);
            let _ = std::fs::remove_file(&self.path);
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.stop();
    }
}

fn accept_loop(
    listener: UnixListener,
    table: Arc<Mutex<Table>>,
    info: Arc<ServerInfo>,
    stats: Arc<ServerStats>,
    log: PluginLog,
    stop: Arc<AtomicBool>,
) {
    let mut waiting_logged = false;
    for conn in listener.incoming() {
        if stop.load(Ordering::SeqCst) {
            break;
        }
        let Ok(conn) = conn else {
            continue;
        };
        stats.active.fetch_add(1, Ordering::SeqCst);
        let (table, info, stats2, log2) = (table.clone(), info.clone(), stats.clone(), log.clone());
        let spawned = std::thread::Builder::new()
            .name("imt-client".into())
            .spawn(move || {
                serve(conn, &table, &info, &stats2, &log2);
                stats2.active.fetch_sub(1, Ordering::SeqCst);
            });
        if spawned.is_err() {
            stats.active.fetch_sub(1, Ordering::SeqCst);
            stats.rejected.fetch_add(1, Ordering::Relaxed);
        }
        // At MAX_CLIENTS, the next clients wait in the socket's backlog (not turned away)
        // until one is done or times out (READ_TIMEOUT, WRITE_TIMEOUT).
        if stats.active.load(Ordering::SeqCst) >= MAX_CLIENTS {
            if !waiting_logged {
                plugin_log!(
                    log,
                    Info,
                    "{MAX_CLIENTS} clients at once: the next ones wait their turn."
                );
                waiting_logged = true;
            }
            while stats.active.load(Ordering::SeqCst) >= MAX_CLIENTS && !stop.load(Ordering::SeqCst)
            {
                std::thread::sleep(Duration::from_millis(1));
            }
        }
    }
}

/// Read a request: at most `MAX_REQUEST` bytes, until the client shuts its side.
fn read_request(conn: &mut UnixStream) -> io::Result<Vec<u8>> {
    let mut buf = Vec::new();
    conn.take(MAX_REQUEST as u64 + 1).read_to_end(&mut buf)?;
    Ok(buf)
}

fn serve(
    mut conn: UnixStream,
    table: &Mutex<Table>,
    info: &ServerInfo,
    stats: &ServerStats,
    log: &PluginLog,
) {
    let _ = conn.set_read_timeout(Some(READ_TIMEOUT));
    let _ = conn.set_write_timeout(Some(WRITE_TIMEOUT));
    let raw = match read_request(&mut conn) {
        Ok(b) => b,
        Err(e) => {
            stats.rejected.fetch_add(1, Ordering::Relaxed);
            plugin_log!(log, Warn, "request rejected: {e}.");
            return;
        }
    };
    if raw.is_empty() {
        // A client that connected and went away (a check by pmacct's own client).
        return;
    }
    let req = match Request::decode(&raw) {
        Ok(r) => r,
        Err(e) => {
            stats.rejected.fetch_add(1, Ordering::Relaxed);
            plugin_log!(log, Warn, "request rejected: {e}.");
            let _ = conn.write_all(b"\x01ERROR: malformed request.\n");
            return;
        }
    };
    let mut out = io::BufWriter::with_capacity(64 * 1024, &mut conn);
    match answer(&req, table, info, &mut out).and_then(|a| out.flush().map(|_| a)) {
        Ok(_) => {
            stats.served.fetch_add(1, Ordering::Relaxed);
        }
        Err(e) => {
            stats.rejected.fetch_add(1, Ordering::Relaxed);
            plugin_log!(log, Info, "client went away: {e}.");
        }
    }
}
