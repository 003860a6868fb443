//! Starting a `*_trigger_exec` program as pmacct 1.7.7 does (`sql_trigger_exec()`,
//! `P_trigger_exec()`: vfork + execv): the path as written (a name without `/` is relative
//! to the working directory, not looked up in `PATH`), argv[0] only, the daemon's
//! environment plus `env`, not waited for.

use std::os::unix::process::CommandExt as _;
use std::path::Path;

use crate::log::{plugin_log, PluginLog};

/// Start `exec` with `env` added; reaped by a thread so that no zombie is left (1.7.7 reaps
/// in its SIGCHLD handler). `key` names the setting in the log line of a failed start.
pub fn spawn(key: &str, exec: &str, env: &[(String, String)], log: &PluginLog) {
    // execv() takes a slash-less name as a relative path; Command would search PATH.
    let path = if exec.contains('/') {
        Path::new(exec).to_path_buf()
    } else {
        Path::new(".").join(exec)
    };
    let mut cmd = std::process::Command::new(path);
    cmd.arg0(exec)
        .envs(env.iter().map(|(k, v)| (k, v)))
        .stdin(std::process::Stdio::null());
    match cmd.spawn() {
        Ok(mut child) => {
            let _ = std::thread::Builder::new()
                .name("trigger-reaper".into())
                .spawn(move || {
                    let _ = child.wait();
                });
        }
        Err(e) => plugin_log!(log, Warn, "{key} '{exec}' not started: {e}"),
    }
}
