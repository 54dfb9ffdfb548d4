//! The compiled bot over the console (stdin/stdout), as a user runs it: spawned with a clean
//! environment, its stdout and stderr read line by line.

use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

/// A running `loyalty-bot` binary with the console messenger.
pub struct ConsoleBot {
    child: Child,
    stdin: Option<ChildStdin>,
    out: mpsc::Receiver<String>,
    err: mpsc::Receiver<String>,
    /// Every stdout line read so far.
    pub seen: Vec<String>,
    /// Every stderr line read so far.
    pub seen_err: Vec<String>,
}

fn lines(r: impl std::io::Read + Send + 'static) -> mpsc::Receiver<String> {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(r).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    rx
}

/// Reads lines from `rx` into `seen` until one matches `hit`; panics after 60 s with them.
fn wait(rx: &mpsc::Receiver<String>, seen: &mut Vec<String>, hit: impl Fn(&str) -> bool) -> String {
    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    loop {
        let left = deadline.saturating_duration_since(std::time::Instant::now());
        match rx.recv_timeout(left) {
            Ok(line) => {
                seen.push(line.clone());
                if hit(&line) {
                    return line;
                }
            }
            Err(_) => panic!("timed out; output so far:\n{}", seen.join("\n")),
        }
    }
}

impl ConsoleBot {
    /// Starts the binary in `dir` with only `PATH`, `PANEL_LISTEN_ADDR=off` and `vars` set
    /// (later entries win).
    pub fn start(dir: &Path, vars: &[(&str, &str)]) -> Self {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_loyalty-bot"));
        cmd.current_dir(dir)
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("PANEL_LISTEN_ADDR", "off");
        for (k, v) in vars {
            cmd.env(k, v);
        }
        let mut child = cmd
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let stdin = child.stdin.take();
        let out = lines(child.stdout.take().unwrap());
        let err = lines(child.stderr.take().unwrap());
        Self {
            child,
            stdin,
            out,
            err,
            seen: Vec::new(),
            seen_err: Vec::new(),
        }
    }

    /// Types one line.
    pub fn send(&mut self, line: &str) {
        writeln!(self.stdin.as_mut().unwrap(), "{line}").unwrap();
    }

    /// Waits for a stdout line that `hit` accepts and returns it.
    pub fn wait_out(&mut self, hit: impl Fn(&str) -> bool) -> String {
        wait(&self.out, &mut self.seen, hit)
    }

    /// Waits for a stderr line that `hit` accepts and returns it.
    pub fn wait_err(&mut self, hit: impl Fn(&str) -> bool) -> String {
        wait(&self.err, &mut self.seen_err, hit)
    }

    /// Ends the input (which ends the bot), asserts a clean exit and returns the stdout lines.
    pub fn finish(mut self) -> Vec<String> {
        drop(self.stdin.take());
        let status = self.child.wait().unwrap();
        self.seen.extend(self.out.try_iter());
        assert!(
            status.success(),
            "{status:?}\n{}\n{}",
            self.seen.join("\n"),
            self.seen_err.join("\n")
        );
        std::mem::take(&mut self.seen)
    }
}

impl Drop for ConsoleBot {
    fn drop(&mut self) {
        // A failing test leaves no bot behind.
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
