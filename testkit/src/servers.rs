//! PostgreSQL and Redis servers of a test's own, on ports of their own, so that a test can
//! stop, kill and restart them for real — and a TCP proxy in front of one, to refuse
//! connections as a network would.
//!
//! They run only in the PostgreSQL + Redis pass (`TEST_DATABASE_URL` set) and where the
//! servers' programs are installed; elsewhere `start` answers `None` and the test returns.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use tempfile::TempDir;

/// A free port on the loopback interface.
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

fn outage_tests_enabled() -> bool {
    std::env::var("TEST_DATABASE_URL").is_ok()
}

/// Whether something accepts connections on the port.
pub fn listening(port: u16) -> bool {
    std::net::TcpStream::connect_timeout(&([127, 0, 0, 1], port).into(), Duration::from_millis(200))
        .is_ok()
}

fn wait_until(what: &str, timeout: Duration, done: impl Fn() -> bool) {
    let deadline = Instant::now() + timeout;
    while !done() {
        assert!(Instant::now() < deadline, "{what} did not happen in time");
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// A PostgreSQL cluster in a temporary directory, listening on 127.0.0.1:`port`.
pub struct OwnPostgres {
    dir: TempDir,
    bin: PathBuf,
    /// Its port.
    pub port: u16,
}

impl OwnPostgres {
    /// Initialises and starts a cluster; `None` outside the PostgreSQL pass or without
    /// PostgreSQL's programs.
    pub fn start() -> Option<Self> {
        if !outage_tests_enabled() {
            return None;
        }
        let bin = postgres_bin()?;
        let dir = tempfile::tempdir().expect("temp dir");
        let server = Self {
            dir,
            bin,
            port: free_port(),
        };
        if is_root() {
            run(Command::new("chown")
                .args(["-R", "postgres:postgres"])
                .arg(server.dir.path()));
        }
        let data = server.data();
        run(server
            .as_postgres(&server.bin.join("initdb"))
            .args(["-A", "trust", "-U", "postgres", "--no-sync", "-D"])
            .arg(&data));
        server.start_again();
        Some(server)
    }

    fn data(&self) -> PathBuf {
        self.dir.path().join("data")
    }

    fn as_postgres(&self, program: &Path) -> Command {
        if is_root() {
            let mut command = Command::new("runuser");
            command.args(["-u", "postgres", "--"]).arg(program);
            command
        } else {
            Command::new(program)
        }
    }

    /// The URL of its `postgres` database.
    pub fn url(&self) -> String {
        format!("postgres://postgres@127.0.0.1:{}/postgres", self.port)
    }

    /// Starts the cluster (again) and waits until it accepts connections.
    pub fn start_again(&self) {
        let options = format!(
            "-c listen_addresses=127.0.0.1 -p {} -k {} -c fsync=off",
            self.port,
            self.dir.path().display()
        );
        run(self
            .as_postgres(&self.bin.join("pg_ctl"))
            .arg("-D")
            .arg(self.data())
            .args(["-o", &options, "-l"])
            .arg(self.dir.path().join("pg.log"))
            .args(["-w", "-t", "30", "start"]));
        wait_until(
            "PostgreSQL accepting connections",
            Duration::from_secs(30),
            || listening(self.port),
        );
    }

    /// Stops it as an operator would (`pg_ctl stop -m fast`).
    pub fn stop(&self) {
        run(self
            .as_postgres(&self.bin.join("pg_ctl"))
            .arg("-D")
            .arg(self.data())
            .args(["-m", "fast", "-w", "stop"]));
    }

    /// Kills the postmaster with `SIGKILL`, as a crash or the OOM killer would, and waits
    /// until its backends are gone too.
    pub fn kill(&self) {
        let pid_file =
            std::fs::read_to_string(self.data().join("postmaster.pid")).expect("postmaster.pid");
        let pid = pid_file.lines().next().expect("a pid").trim().to_owned();
        run(Command::new("kill").args(["-9", &pid]));
        wait_until("the port closing", Duration::from_secs(10), || {
            !listening(self.port)
        });
        // Backends leave once they notice; a new postmaster refuses to start before.
        wait_until("the backends leaving", Duration::from_secs(30), || {
            !Command::new("pgrep")
                .args(["-P", &pid])
                .stdout(Stdio::null())
                .status()
                .is_ok_and(|s| s.success())
        });
    }
}

impl Drop for OwnPostgres {
    fn drop(&mut self) {
        let _ = self
            .as_postgres(&self.bin.join("pg_ctl"))
            .arg("-D")
            .arg(self.data())
            .args(["-m", "immediate", "stop"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
    }
}

fn postgres_bin() -> Option<PathBuf> {
    let mut versions: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
        .ok()?
        .filter_map(|entry| entry.ok().map(|e| e.path().join("bin")))
        .filter(|bin| bin.join("pg_ctl").exists())
        .collect();
    versions.sort();
    versions.pop()
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|out| out.stdout.starts_with(b"0\n"))
}

fn run(command: &mut Command) {
    let output = command.output().expect("the command starts");
    assert!(
        output.status.success(),
        "{command:?} failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
}

/// A Redis server on 127.0.0.1:`port`, keeping nothing on disk.
pub struct OwnRedis {
    child: Option<Child>,
    /// Its port.
    pub port: u16,
}

impl OwnRedis {
    /// Starts one; `None` outside the PostgreSQL + Redis pass or without `redis-server`.
    pub fn start() -> Option<Self> {
        if !outage_tests_enabled() {
            return None;
        }
        let mut server = Self {
            child: None,
            port: free_port(),
        };
        server.start_again().ok()?;
        Some(server)
    }

    /// Its URL.
    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}", self.port)
    }

    /// Starts it (again) on the same port and waits until it answers.
    pub fn start_again(&mut self) -> std::io::Result<()> {
        let child = Command::new("redis-server")
            .args(["--bind", "127.0.0.1", "--port", &self.port.to_string()])
            .args(["--save", "", "--appendonly", "no"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()?;
        self.child = Some(child);
        wait_until(
            "Redis accepting connections",
            Duration::from_secs(10),
            || listening(self.port),
        );
        Ok(())
    }

    /// Kills it with `SIGKILL`.
    pub fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
        wait_until("Redis gone", Duration::from_secs(10), || {
            !listening(self.port)
        });
    }
}

impl Drop for OwnRedis {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// How often a proxied connection looks whether it is to be cut.
const CUT_WITHIN: Duration = Duration::from_millis(20);

/// A TCP proxy in front of a server: while refusing, it accepts no connection and cuts
/// every open one, as a network that refuses connections would.
pub struct Proxy {
    /// The port clients connect to.
    pub port: u16,
    refusing: Arc<AtomicBool>,
    task: tokio::task::JoinHandle<()>,
}

impl Proxy {
    /// Starts forwarding 127.0.0.1:`port` to 127.0.0.1:`target`.
    pub async fn start(target: u16) -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind the proxy");
        let port = listener.local_addr().expect("proxy address").port();
        let refusing = Arc::new(AtomicBool::new(false));
        let task = tokio::spawn(forward(listener, target, refusing.clone()));
        Self {
            port,
            refusing,
            task,
        }
    }

    /// Refuses new connections and cuts open ones (every one is cut when this returns).
    pub async fn refuse(&self) {
        self.refusing.store(true, Ordering::SeqCst);
        tokio::time::sleep(CUT_WITHIN * 5).await;
    }

    /// Forwards again.
    pub fn resume(&self) {
        self.refusing.store(false, Ordering::SeqCst);
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        self.task.abort();
    }
}

async fn forward(listener: tokio::net::TcpListener, target: u16, refusing: Arc<AtomicBool>) {
    while let Ok((mut inbound, _)) = listener.accept().await {
        if refusing.load(Ordering::SeqCst) {
            drop(inbound);
            continue;
        }
        let refusing = refusing.clone();
        tokio::spawn(async move {
            let Ok(mut outbound) = tokio::net::TcpStream::connect(("127.0.0.1", target)).await
            else {
                return;
            };
            let copy = tokio::io::copy_bidirectional(&mut inbound, &mut outbound);
            let cut = async {
                while !refusing.load(Ordering::SeqCst) {
                    tokio::time::sleep(CUT_WITHIN).await;
                }
            };
            tokio::select! {
                _ = copy => {}
                () = cut => {}
            }
        });
    }
}
