//! The README's commands: `earshot demo` and `earshot serve` on a fresh data directory start a
//! complete instance that prints where it listens and a login that works; the demo streams
//! customers in from every platform.
#![expect(
    clippy::unwrap_used,
    clippy::panic,
    reason = "test helpers fail the test at once on an unexpected answer"
)]

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use serde_json::{Value, json};

struct Server {
    child: Child,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn earshot(data_dir: &std::path::Path, port: u16) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_earshot"));
    command
        .current_dir(data_dir)
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("EARSHOT_BIND", format!("127.0.0.1:{port}"))
        .env("EARSHOT_LOG_FILTER", "warn");
    command
}

/// Reads stdout until the printed password appears; returns (base URL, email, password).
fn read_banner(child: &mut Child) -> (String, String, String) {
    let stdout = child.stdout.take().unwrap();
    let (mut base, mut email) = (String::new(), String::new());
    let mut lines = BufReader::new(stdout).lines();
    while let Some(line) = lines.next() {
        let line = line.unwrap();
        if let Some(rest) = line.strip_prefix("Earshot is listening on ") {
            base = rest.split_whitespace().next().unwrap().to_owned();
        } else if let Some(rest) = line.trim().strip_prefix("email:") {
            email = rest.trim().to_owned();
        } else if let Some(rest) = line.trim().strip_prefix("password:") {
            // Keep reading in the background so the server never writes to a closed pipe.
            std::thread::spawn(move || lines.for_each(drop));
            return (base, email, rest.trim().to_owned());
        }
    }
    panic!("the banner ended without credentials");
}

#[tokio::test]
async fn serve_on_a_fresh_directory_answers_healthz_and_the_printed_login_works() {
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let child = earshot(dir.path(), port)
        .arg("serve")
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut server = Server { child };
    let (base, email, password) = read_banner(&mut server.child);
    assert_eq!(base, format!("http://127.0.0.1:{port}"));
    let client = earshot_testkit::http_client();
    let health = client.get(format!("{base}/healthz")).send().await.unwrap();
    assert_eq!(health.status(), 200);
    let login = client
        .post(format!("{base}/v1/auth/login"))
        .json(&json!({ "email": email, "password": password }))
        .send()
        .await
        .unwrap();
    assert_eq!(login.status(), 200);
    let tokens: Value = login.json().await.unwrap();
    let me: Value = client
        .get(format!("{base}/v1/me"))
        .bearer_auth(tokens["access_token"].as_str().unwrap())
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(me["organizations"][0]["workspaces"][0]["role"], "owner");
    assert!(
        dir.path().join("data").join("earshot.db").exists(),
        "SQLite file in ./data"
    );
}

#[tokio::test]
async fn a_restart_keeps_the_data_and_does_not_print_new_credentials() {
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let mut first = Server {
        child: earshot(dir.path(), port)
            .arg("serve")
            .stdout(Stdio::piped())
            .spawn()
            .unwrap(),
    };
    let (_, email, password) = read_banner(&mut first.child);
    drop(first);
    let port = free_port();
    let mut second = Server {
        child: earshot(dir.path(), port)
            .arg("serve")
            .stdout(Stdio::piped())
            .spawn()
            .unwrap(),
    };
    let stdout = second.child.stdout.take().unwrap();
    let banner = BufReader::new(stdout).lines().next().unwrap().unwrap();
    assert!(banner.starts_with("Earshot is listening on"), "{banner}");
    let client = earshot_testkit::http_client();
    let login = client
        .post(format!("http://127.0.0.1:{port}/v1/auth/login"))
        .json(&json!({ "email": email, "password": password }))
        .send()
        .await
        .unwrap();
    assert_eq!(login.status(), 200, "the first credentials still work");
}

#[test]
fn a_bad_setting_stops_the_process_with_a_message_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    let output = earshot(dir.path(), free_port())
        .env("EARSHOT_BIND", "not-an-address")
        .arg("serve")
        .output()
        .unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("EARSHOT_BIND"), "{stderr}");
    let output = earshot(dir.path(), free_port())
        .env("EARSHOT_ACCESS_TOKEN_TTL_SECS", "soon")
        .arg("serve")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success());
    assert!(stderr.contains("EARSHOT_ACCESS_TOKEN_TTL_SECS"), "{stderr}");
}

#[test]
fn help_lists_the_subcommands() {
    let output = Command::new(env!("CARGO_BIN_EXE_earshot"))
        .arg("--help")
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&output.stdout);
    for sub in ["serve", "demo", "worker", "migrate", "openapi"] {
        assert!(text.contains(sub), "{sub} missing from {text}");
    }
}

#[test]
fn sigterm_stops_the_server_gracefully() {
    let dir = tempfile::tempdir().unwrap();
    let mut server = Server {
        child: earshot(dir.path(), free_port())
            .env("EARSHOT_SHUTDOWN_TIMEOUT_SECS", "2")
            .arg("serve")
            .stdout(Stdio::piped())
            .spawn()
            .unwrap(),
    };
    read_banner(&mut server.child);
    let pid = server.child.id().to_string();
    assert!(
        Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .unwrap()
            .success()
    );
    let deadline = std::time::Instant::now() + Duration::from_secs(15);
    loop {
        if let Some(status) = server.child.try_wait().unwrap() {
            assert!(status.success(), "exit status {status}");
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "still running after SIGTERM"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[test]
fn migrate_applies_the_migrations_and_exits() {
    let dir = tempfile::tempdir().unwrap();
    let database = dir.path().join("migrated.db");
    let output = earshot(dir.path(), free_port())
        .env(
            "DATABASE_URL",
            format!("sqlite://{}?mode=rwc", database.display()),
        )
        .env("EARSHOT_MIGRATE_ON_START", "false")
        .arg("migrate")
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let bytes = std::fs::read(&database).unwrap();
    assert!(String::from_utf8_lossy(&bytes).contains("seaql_migrations"));
}

#[test]
fn settings_are_read_from_the_configuration_file_and_checked_there_too() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("earshot.toml");
    std::fs::write(&file, "bind = \"nowhere\"\n").unwrap();
    let output = earshot(dir.path(), free_port())
        .env_remove("EARSHOT_BIND")
        .env("EARSHOT_CONFIG", &file)
        .arg("serve")
        .output()
        .unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("EARSHOT_BIND") && stderr.contains("nowhere"),
        "{stderr}"
    );
    let missing = earshot(dir.path(), free_port())
        .env("EARSHOT_CONFIG", dir.path().join("absent.toml"))
        .arg("serve")
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&missing.stderr).contains("EARSHOT_CONFIG"));
}

/// The commands of the README's first `sh` block, in order.
fn readme_commands() -> Vec<String> {
    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../README.md"));
    let readme = readme.unwrap();
    let block = readme.split("```sh\n").nth(1).unwrap();
    let block = block.split("```").next().unwrap();
    block
        .lines()
        .map(|line| line.split('#').next().unwrap().trim().to_owned())
        .filter(|line| !line.is_empty())
        .collect()
}

#[test]
fn the_readmes_first_command_is_the_demo() {
    let commands = readme_commands();
    assert_eq!(commands[0], "cargo run -p earshot-api -- demo");
    assert_eq!(commands[1], "cargo test --workspace");
}

#[tokio::test]
async fn demo_on_a_fresh_directory_streams_customers_from_several_platforms_until_stopped() {
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let args = readme_commands()[0].split("-- ").nth(1).unwrap().to_owned();
    let mut server = Server {
        child: earshot(dir.path(), port)
            .args(args.split_whitespace())
            .args(["--every", "100ms", "--count", "12"])
            .stdout(Stdio::piped())
            .spawn()
            .unwrap(),
    };
    let (base, email, password) = read_banner(&mut server.child);
    let client = earshot_testkit::http_client();
    let login = client
        .post(format!("{base}/v1/auth/login"))
        .json(&json!({ "email": email, "password": password }))
        .send()
        .await
        .unwrap();
    let tokens: Value = login.json().await.unwrap();
    let token = tokens["access_token"].as_str().unwrap().to_owned();
    let me: Value = client
        .get(format!("{base}/v1/me"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let workspace = me["organizations"][0]["workspaces"][0]["id"]
        .as_str()
        .unwrap();
    let path = format!("{base}/v1/workspaces/{workspace}/conversations?limit=100");
    let wanted = ["x", "facebook", "instagram", "whatsapp", "telegram"];
    let mut kinds = std::collections::BTreeSet::new();
    for _ in 0..300 {
        let inbox: Value = client
            .get(&path)
            .bearer_auth(&token)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        kinds = inbox["items"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|c| c["channel_kind"].as_str().map(str::to_owned))
            .collect();
        if wanted.iter().all(|k| kinds.contains(*k)) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(wanted.iter().all(|k| kinds.contains(*k)), "{kinds:?}");
    let pid = server.child.id().to_string();
    let term = Command::new("kill").args(["-TERM", &pid]).status().unwrap();
    assert!(term.success());
    for _ in 0..150 {
        if let Some(status) = server.child.try_wait().unwrap() {
            assert!(status.success(), "exit status {status}");
            return;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    panic!("still running after SIGTERM");
}
