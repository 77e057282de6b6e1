//! `earshot-bench`: seeds a PostgreSQL database with a large, realistic inbox and measures
//! the inbox and conversation reads of the real API under concurrent load.
//!
//! ```text
//! cargo run --release -p earshot-bench -- seed            # 1,000,000 conversations
//! cargo run --release -p earshot-bench -- run             # 32 clients, 30 s
//! cargo run --release -p earshot-bench -- ingest          # webhooks into PostgreSQL + Redis
//! cargo run --release -p earshot-bench -- wake-index      # the Redis wake-up index alone
//! cargo run --release -p earshot-bench -- drop            # remove the database
//! ```
//!
//! This is a measuring tool, not a test: nothing here asserts a speed.

mod clocks;
mod clocks_pause;
mod harness;
mod ingest;
mod pacer;
mod reports;
mod run;
mod seed;
mod seed_sql;
mod stats;
mod wake_index;

use clap::{Args, Parser, Subcommand};

/// Command line.
#[derive(Debug, Parser)]
#[command(name = "earshot-bench", about = "Inbox benchmark on PostgreSQL")]
struct Cli {
    #[command(flatten)]
    db: DbArgs,
    #[command(subcommand)]
    command: Command,
}

/// Where the benchmark database lives.
#[derive(Debug, Clone, Args)]
pub struct DbArgs {
    /// A PostgreSQL URL the benchmark may create and drop databases through.
    #[arg(
        long,
        global = true,
        env = "BENCH_ADMIN_URL",
        default_value = "postgres://postgres@127.0.0.1:5432/postgres"
    )]
    pub admin_url: String,
    /// The benchmark database (dropped and re-created by `seed`).
    #[arg(
        long,
        global = true,
        env = "BENCH_DATABASE",
        default_value = "earshot_bench"
    )]
    pub database: String,
}

impl DbArgs {
    /// The URL of the benchmark database, keeping the admin URL's options (`?sslmode=…`).
    pub fn url(&self) -> String {
        let (base, options) = match self.admin_url.split_once('?') {
            Some((base, options)) => (base, format!("?{options}")),
            None => (self.admin_url.as_str(), String::new()),
        };
        let scheme_end = base.find("://").map_or(0, |i| i + 3);
        let root = match base[scheme_end..].find('/') {
            Some(slash) => &base[..scheme_end + slash],
            None => base,
        };
        format!("{root}/{}{options}", self.database)
    }
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Create the database afresh and bulk-load it.
    Seed(seed::SeedArgs),
    /// Serve the API in-process on the database and measure it.
    Run(run::RunArgs),
    /// Signed webhooks into PostgreSQL and Redis with the worker running, and PostgreSQL's
    /// own batched-insert ceiling for the same rows.
    Ingest(ingest::IngestArgs),
    /// SLA clocks on a seeded database fired by the worker from the Redis wake-up index.
    Clocks(clocks::ClocksArgs),
    /// The workspace report and the organization roll-up on the seeded database.
    Reports(reports::ReportsArgs),
    /// The Redis wake-up index alone: bytes per entry, time to add and take out.
    WakeIndex(wake_index::WakeIndexArgs),
    /// Drop the benchmark database.
    Drop,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    match cli.command {
        Command::Seed(args) => seed::seed(&cli.db, &args).await,
        Command::Run(args) => run::run(&cli.db, &args).await,
        Command::Ingest(args) => ingest::ingest(&cli.db, &args).await,
        Command::Clocks(args) => clocks::clocks(&cli.db, &args).await,
        Command::Reports(args) => reports::reports(&cli.db, &args).await,
        Command::WakeIndex(args) => wake_index::wake_index(&args).await,
        Command::Drop => {
            earshot_core::db::drop_postgres_database(&cli.db.admin_url, &cli.db.database).await?;
            eprintln!("dropped database {}", cli.db.database);
            Ok(())
        }
    }
}
