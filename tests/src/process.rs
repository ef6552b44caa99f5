//! The `muster` binary as a process, for the end-to-end tests and the
//! drills: where the binary is, a command with the test's database, a
//! server started on a free port and awaited until `/ready` answers (killed
//! when dropped), and SIGTERM.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus};
use std::time::Duration;

/// `MUSTER_BIN`, or the `muster` next to the test binary.
pub fn muster_bin() -> PathBuf {
    if let Ok(p) = std::env::var("MUSTER_BIN") {
        return PathBuf::from(p);
    }
    // target/debug/deps/suite-… → target/debug/muster
    let exe = std::env::current_exe().unwrap();
    let bin = exe.parent().unwrap().parent().unwrap().join("muster");
    assert!(
        bin.exists(),
        "build the binary first (`cargo build -p api --bin muster`) or set MUSTER_BIN; scripts/test does both"
    );
    bin
}

/// A port nothing listens on right now.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// `muster` run in `dir` on the database at `db_url`, logging only
/// warnings (the Matrix client's chatter off).
pub fn muster(dir: &Path, db_url: &str) -> Command {
    let mut cmd = Command::new(muster_bin());
    cmd.current_dir(dir)
        .env_remove("MUSTER_LISTEN")
        .env("MUSTER_DATABASE_URL", db_url)
        .env(
            "MUSTER_LOG",
            "warn,matrix_sdk=error,matrix_sdk::http_client=off,matrix_sdk_crypto=error",
        );
    cmd
}

/// A running `muster serve`, killed when dropped.
pub struct Server {
    pub child: Child,
    pub base: String,
    pub port: u16,
}

impl Server {
    /// Runs `cmd` (a `muster serve …`) listening on a free port, and waits
    /// (up to 30 s) until it is ready.
    pub async fn start(mut cmd: Command) -> Self {
        let port = free_port();
        let child = cmd
            .env("MUSTER_LISTEN", format!("127.0.0.1:{port}"))
            .spawn()
            .unwrap();
        let server = Self {
            child,
            base: format!("http://127.0.0.1:{port}"),
            port,
        };
        let client = reqwest::Client::new();
        for _ in 0..300 {
            if let Ok(r) = client.get(format!("{}/ready", server.base)).send().await
                && r.status() == 200
            {
                return server;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("muster did not become ready on port {port}");
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Sends SIGTERM.
pub fn sigterm(child: &Child) {
    let status = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
}

/// Sends SIGTERM and waits (up to 20 s) for the process to exit.
pub fn terminate(child: &mut Child) -> ExitStatus {
    sigterm(child);
    for _ in 0..200 {
        if let Some(s) = child.try_wait().unwrap() {
            return s;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    panic!("muster did not stop within 20 s of SIGTERM");
}
