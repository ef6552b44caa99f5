//! `muster`: serve the API, apply migrations, load the demo data, print the
//! schema, create tokens. `muster --help` and `muster <command> --help` say
//! more.

use std::path::PathBuf;

use anyhow::Context as _;
use api::{AppState, Settings, db, router};
use clap::{Parser, Subcommand};
use entities::Actor;
use metrics_exporter_prometheus::PrometheusHandle;
use migration::{Migrator, MigratorTrait};
use tracing_subscriber::EnvFilter;

/// Muster: the back end for a federation's working groups.
#[derive(Parser, Debug)]
#[command(name = "muster", version, about = "Muster: the back end for a federation of co-operatives' working groups (GraphQL API and Matrix bridge).", long_about = None)]
struct Cli {
    /// Settings file (TOML). Default: ./muster.toml when it exists. Every
    /// setting can also be given as a MUSTER_… environment variable.
    #[arg(long, global = true, env = "MUSTER_CONFIG", value_name = "FILE")]
    config: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Serve the GraphQL API (applies pending migrations first).
    Serve {
        /// Load the demo data when the database is empty.
        #[arg(long)]
        demo: bool,
        /// Address to listen on (overrides `MUSTER_LISTEN`).
        #[arg(long, value_name = "ADDR")]
        listen: Option<std::net::SocketAddr>,
        /// Do not run the Matrix bridge here even when a homeserver is
        /// configured (run `muster bridge` elsewhere).
        #[arg(long)]
        no_bridge: bool,
    },
    #[command(
        about = "Run the Matrix bridge alone: the bot that answers commands in project rooms and posts notices (needs MUSTER_MATRIX_HOMESERVER, MUSTER_MATRIX_USER and MUSTER_MATRIX_PASSWORD)"
    )]
    Bridge {
        /// Serve `GET /metrics` (Prometheus) for this process on this
        /// address, e.g. `127.0.0.1:9187`.
        #[arg(long, value_name = "ADDR")]
        metrics: Option<std::net::SocketAddr>,
    },
    /// Apply, roll back or list migrations.
    Migrate {
        #[command(subcommand)]
        action: Option<MigrateAction>,
    },
    /// Load data.
    Seed {
        #[command(subcommand)]
        what: SeedWhat,
    },
    /// Print the GraphQL schema (SDL).
    Schema,
    /// Check the settings, the database and the homeserver, and say what is
    /// wrong and how to fix it (exit status 1 when something fails).
    Doctor,
    /// Move a whole database: `muster db copy --from sqlite://muster.db --to postgres://…`.
    Db {
        #[command(subcommand)]
        action: DbAction,
    },
    /// Back up the configured database to a new file. SQLite: a consistent
    /// copy taken while Muster keeps serving, then checked. PostgreSQL:
    /// prints the `pg_dump` command to run (exit status 2).
    Backup {
        /// The file to write; it must not exist yet.
        file: PathBuf,
    },
    /// Restore a backup into the configured database, in one verified
    /// transaction. A `pg_dump` file gets the `pg_restore` command printed
    /// instead (exit status 2).
    Restore {
        /// A file written by `muster backup` (or by `pg_dump`).
        file: PathBuf,
        /// Delete what the configured database holds first (same
        /// transaction). Without it, a database with data is refused.
        #[arg(long)]
        replace: bool,
    },
    /// Manage API tokens.
    Token {
        #[command(subcommand)]
        action: TokenAction,
    },
}

#[derive(Subcommand, Debug)]
enum DbAction {
    /// Copy every table from one database into another (e.g. SQLite to
    /// PostgreSQL), in dependency order, in one transaction on the target,
    /// then check row counts and a checksum per table before committing.
    /// The target gets Muster's migrations first; one that already holds
    /// data is refused unless --replace. Stop `muster serve` on the source
    /// first if writes must not be missed; the copy itself is a consistent
    /// snapshot either way.
    Copy {
        /// The database to read, e.g. `sqlite://muster.db`.
        #[arg(long, value_name = "URL")]
        from: String,
        /// The database to write, e.g. `postgres://muster@db/muster`.
        #[arg(long, value_name = "URL")]
        to: String,
        /// Delete what the target holds first (in the same transaction).
        #[arg(long)]
        replace: bool,
    },
}

#[derive(Subcommand, Debug)]
enum MigrateAction {
    /// Apply every pending migration (the default).
    Up,
    /// Roll back the last N migrations.
    Down {
        #[arg(long, default_value_t = 1)]
        steps: u32,
    },
    /// List migrations and whether each is applied.
    Status,
}

#[derive(Subcommand, Debug)]
enum SeedWhat {
    /// The Movement Building demo data (only into an empty database).
    Demo,
    /// Generated volume for benchmarks, into an empty database:
    /// `seed scale --groups 20 --projects 10 --meetings 20 --rsvps 15`.
    Scale(ScaleArgs),
}

/// How much `seed scale` generates (defaults: the benchmark's data set).
#[derive(clap::Args, Debug)]
struct ScaleArgs {
    /// Strategic working groups.
    #[arg(long, default_value_t = 20)]
    groups: usize,
    /// Project groups per group.
    #[arg(long, default_value_t = 10)]
    projects: usize,
    /// Meetings per project (half held, half to come).
    #[arg(long, default_value_t = 20)]
    meetings: usize,
    /// RSVPs per meeting (and members per project).
    #[arg(long, default_value_t = 15)]
    rsvps: usize,
    /// Members in all.
    #[arg(long, default_value_t = 500)]
    members: usize,
    /// Member co-ops in all.
    #[arg(long, default_value_t = 100)]
    organisations: usize,
}

impl ScaleArgs {
    fn scale(&self) -> entities::scale::Scale {
        entities::scale::Scale {
            groups: self.groups,
            projects: self.projects,
            meetings: self.meetings,
            rsvps: self.rsvps,
            members: self.members,
            organisations: self.organisations,
        }
    }
}

#[derive(Subcommand, Debug)]
enum TokenAction {
    /// Create a key and print its secret (shown once, stored hashed).
    #[command(group(clap::ArgGroup::new("kind").required(true).args(["admin", "partner", "member"])))]
    Create {
        /// An admin key: may do everything.
        #[arg(long)]
        admin: bool,
        /// A partner key for the organisation with this slug: reads public
        /// data, rate-limited.
        #[arg(long, value_name = "ORGANISATION_SLUG")]
        partner: Option<String>,
        /// A member session for scripts, for the member with this Matrix id.
        #[arg(long, value_name = "MATRIX_ID")]
        member: Option<String>,
        /// Scopes of a partner key (default read:public).
        #[arg(long = "scope", value_name = "SCOPE")]
        scopes: Vec<String>,
        /// Days a member session lasts.
        #[arg(long, default_value_t = 30)]
        days: u32,
        /// What the key is for, e.g. "website".
        #[arg(long)]
        name: String,
    },
    /// Revoke a key by id (see `token list`).
    Revoke { id: uuid::Uuid },
    /// List keys (never their secrets).
    List,
}

/// mimalloc rather than glibc's allocator: a large page allocates and frees
/// hundreds of thousands of small values (async-graphql's field maps, rows,
/// strings), and glibc's `malloc`/`free` were a third of a page's
/// instructions under callgrind; its per-thread arenas also held on to
/// memory after load (see bench/RESULTS.md).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// mimalloc's settings for a long-running server, and the value each gets
/// unless the operator set it: commit its arena as it is used rather than
/// up front (`ARENA_EAGER_COMMIT`), and hand freed memory back to the
/// system 100 ms after it was freed (`PURGE_DELAY`; mimalloc's default is
/// 10). Memory handed back is faulted in again, page by page, by the next
/// request that needs it: at 2 ms (the setting before) a page of the
/// benchmark took 260–510 page faults and Muster spent 2.3 times PostgreSQL's
/// CPU on it; at 100 ms, about 130 faults and 1.97 times, for 8 MiB more peak
/// memory (55 → 63 MiB at 64 clients; bench/RESULTS.md, session 21).
/// Memory still goes back a tenth of a second after a burst of load.
const ALLOCATOR: [(&str, &str); 2] = [
    ("MIMALLOC_PURGE_DELAY", "100"),
    ("MIMALLOC_ARENA_EAGER_COMMIT", "0"),
];

/// mimalloc reads its settings from the environment once, as the process
/// starts, before `main`; the workspace forbids the `unsafe` FFI call that
/// would change them later. So a server started without them runs itself
/// again, in place (`exec`: same process id, same arguments, nothing else
/// has happened yet), with [`ALLOCATOR`]'s values added. Values the
/// operator set are kept; once all are set there is no second `exec`.
fn settle_allocator() {
    use std::os::unix::process::CommandExt;
    if ALLOCATOR.iter().all(|(k, _)| std::env::var_os(k).is_some()) {
        return;
    }
    let Ok(exe) = std::env::current_exe() else {
        return;
    };
    let mut again = std::process::Command::new(exe);
    again.args(std::env::args_os().skip(1));
    for (k, v) in ALLOCATOR {
        if std::env::var_os(k).is_none() {
            again.env(k, v);
        }
    }
    // `exec` returns only if it failed: carry on with mimalloc's defaults.
    let failed = again.exec();
    eprintln!(
        "note: could not apply the allocator's settings ({failed}); running with its defaults"
    );
}

fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    if matches!(cli.command, Command::Serve { .. } | Command::Bridge { .. }) {
        settle_allocator();
    }
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("could not start the async runtime")?
        .block_on(run(cli))
}

async fn run(cli: Cli) -> anyhow::Result<()> {
    if let Command::Schema = cli.command {
        print!("{}", api::graphql::sdl());
        return Ok(());
    }
    if let Command::Doctor = cli.command {
        let findings = api::doctor::diagnose(Settings::load(cli.config.as_deref())).await;
        for f in &findings {
            println!("{f}");
        }
        let worst = api::doctor::worst(&findings);
        if worst == api::doctor::Status::Fail {
            std::process::exit(1);
        }
        return Ok(());
    }
    let mut settings =
        Settings::load(cli.config.as_deref()).context("could not read the settings")?;
    let _otel = logging(&settings)?;
    if let Command::Db {
        action: DbAction::Copy { from, to, replace },
    } = &cli.command
    {
        return copy(from, to, *replace).await;
    }
    let conn = db::connect_with(
        &settings.database_url,
        settings.database_max_connections,
        std::time::Duration::from_millis(settings.database_acquire_timeout_ms.max(1)),
    )
    .await
    .with_context(|| {
        format!(
            "could not open the database at {}",
            settings.redacted_database_url()
        )
    })?;

    match cli.command {
        Command::Schema | Command::Doctor | Command::Db { .. } => {}
        Command::Backup { file } => {
            match api::backup::backup(&conn, &settings.database_url, &file)
                .await
                .map_err(|e| anyhow::anyhow!("[{}] {e}", e.code()))?
            {
                api::backup::Backup::Written { bytes, tables } => {
                    print_tables(&tables);
                    eprintln!(
                        "backed up to {} ({} KiB, {} rows); integrity check: ok",
                        file.display(),
                        bytes / 1024,
                        tables.iter().map(|t| t.rows).sum::<u64>()
                    );
                }
                api::backup::Backup::UsePgDump { command } => {
                    eprintln!(
                        "Muster does not back up PostgreSQL itself; pg_dump takes a consistent snapshot while Muster runs. Run (with PGPASSWORD set or a ~/.pgpass entry):"
                    );
                    println!("{command}");
                    std::process::exit(2);
                }
            }
        }
        Command::Restore { file, replace } => {
            use api::backup::Kind;
            match api::backup::sniff(&file).map_err(anyhow::Error::msg)? {
                Kind::Sqlite => {
                    conn.close().await.ok();
                    copy(
                        &api::backup::sqlite_url(&file, "ro"),
                        &settings.database_url,
                        replace,
                    )
                    .await?;
                }
                kind => {
                    eprintln!(
                        "{} is a pg_dump file; restore it with (PGPASSWORD set or a ~/.pgpass entry):",
                        file.display()
                    );
                    println!(
                        "{}",
                        api::backup::pg_restore_command(kind, &file, &settings.database_url)
                    );
                    std::process::exit(2);
                }
            }
        }
        Command::Migrate { action } => match action.unwrap_or(MigrateAction::Up) {
            MigrateAction::Up => {
                Migrator::up(&conn, None)
                    .await
                    .context("migration failed")?;
                eprintln!("database is up to date");
            }
            MigrateAction::Down { steps } => {
                Migrator::down(&conn, Some(steps))
                    .await
                    .context("rollback failed")?;
                eprintln!("rolled back {steps} migration(s)");
            }
            MigrateAction::Status => Migrator::status(&conn)
                .await
                .context("could not read migrations")?,
        },
        Command::Seed {
            what: SeedWhat::Scale(args),
        } => {
            db::migrate(&conn).await.context("migration failed")?;
            let scale = args.scale();
            let bar = indicatif::ProgressBar::new(scale.rows()).with_style(
                indicatif::ProgressStyle::with_template(
                    "{spinner} [{elapsed_precise}] {wide_bar} {pos}/{len} rows ({per_sec}, {eta} left)",
                )
                .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
            );
            let started = std::time::Instant::now();
            let rows = entities::scale::seed(&conn, scale, |n| bar.set_position(n))
                .await
                .context("could not generate the data")?;
            bar.finish_and_clear();
            eprintln!(
                "generated {rows} rows in {:.1} s: {} groups × {} projects × {} meetings × {} RSVPs, {} members, {} organisations",
                started.elapsed().as_secs_f64(),
                scale.groups,
                scale.projects,
                scale.meetings,
                scale.rsvps,
                scale.members,
                scale.organisations
            );
        }
        Command::Seed {
            what: SeedWhat::Demo,
        } => {
            db::migrate(&conn).await.context("migration failed")?;
            match entities::demo::seed_if_empty(&conn)
                .await
                .context("could not load the demo data")?
            {
                Some(s) => eprintln!(
                    "loaded the demo: {} groups, {} projects, {} meetings, {} members",
                    s.groups, s.projects, s.meetings, s.members
                ),
                None => eprintln!("the database already has groups; the demo was not loaded"),
            }
        }
        Command::Token { action } => {
            db::migrate(&conn).await.context("migration failed")?;
            token(&conn, action).await?;
        }
        Command::Serve {
            demo,
            listen,
            no_bridge,
        } => {
            settings.demo |= demo;
            if let Some(l) = listen {
                settings.listen = l;
            }
            if no_bridge {
                settings.matrix_homeserver = None;
            }
            let (conn, metrics) = measured(conn)?;
            serve(conn, settings, Some(metrics)).await?;
        }
        Command::Bridge { metrics } => {
            let config = settings.bridge()?.context(
                "no homeserver is configured: set MUSTER_MATRIX_HOMESERVER, MUSTER_MATRIX_USER and MUSTER_MATRIX_PASSWORD",
            )?;
            db::migrate(&conn).await.context("migration failed")?;
            let (conn, handle) = measured(conn)?;
            let (stop, stopped) = tokio::sync::watch::channel(false);
            if let Some(addr) = metrics {
                let listener = tokio::net::TcpListener::bind(addr)
                    .await
                    .with_context(|| format!("could not listen on {addr} (--metrics)"))?;
                tracing::info!(
                    "bridge metrics at http://{}/metrics",
                    listener.local_addr()?
                );
                tokio::spawn(api::telemetry::serve_metrics(
                    listener,
                    conn.clone(),
                    handle,
                    stopped.clone(),
                ));
            }
            let mut bot = tokio::spawn(bridge::bot::serve(config, conn, stopped));
            tokio::select! {
                () = shutdown_signal() => {
                    let _ = stop.send(true);
                    (&mut bot).await.context("the bridge failed")??;
                }
                r = &mut bot => r.context("the bridge failed")??,
            }
            tracing::info!("stopped");
        }
    }
    Ok(())
}

/// Logs to stderr as text or JSON lines (`log_format`), filtered by `log`,
/// and sends spans to an OpenTelemetry collector when `otlp_endpoint` is
/// set; the returned guard flushes them at the end.
fn logging(settings: &Settings) -> anyhow::Result<Option<api::otel::Otel>> {
    use tracing_subscriber::Layer as _;
    use tracing_subscriber::layer::SubscriberExt as _;
    use tracing_subscriber::util::SubscriberInitExt as _;
    let filter =
        EnvFilter::try_new(&settings.log).context("setting `log` is not a valid filter")?;
    let lines = match settings.log_format {
        api::settings::LogFormat::Text => tracing_subscriber::fmt::layer()
            .with_writer(std::io::stderr)
            .boxed(),
        // One JSON object a line; `spans` carries the request's
        // `request_id` (and the operation's name) on every line.
        api::settings::LogFormat::Json => tracing_subscriber::fmt::layer()
            .json()
            .with_current_span(false)
            .with_span_list(true)
            .with_writer(std::io::stderr)
            .boxed(),
    };
    let (export, guard) = match settings.otlp_endpoint.as_deref() {
        Some(endpoint) => {
            let (layer, guard) = api::otel::layer(endpoint)?;
            (Some(layer), Some(guard))
        }
        None => (None, None),
    };
    tracing_subscriber::registry()
        .with(filter)
        .with(lines)
        .with(export)
        .init();
    Ok(guard)
}

/// `muster db copy` (and a restore): the copy with a progress bar, then
/// the per-table report.
async fn copy(from: &str, to: &str, replace: bool) -> anyhow::Result<()> {
    use api::dbcopy::{CopyOptions, Progress};
    let bar = indicatif::ProgressBar::new(0).with_style(
        indicatif::ProgressStyle::with_template(
            "{spinner} [{elapsed_precise}] {wide_bar} {pos}/{len} rows {msg}",
        )
        .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    let started = std::time::Instant::now();
    let tables = api::dbcopy::copy(from, to, CopyOptions { replace }, &|p| match p {
        Progress::Total(n) => bar.set_length(n),
        Progress::Copying { table, done } => {
            bar.set_message(table);
            bar.set_position(done);
        }
        Progress::Verifying { table } => bar.set_message(format!("verifying {table}")),
    })
    .await
    .map_err(|e| anyhow::anyhow!("[{}] {e}", e.code()));
    bar.finish_and_clear();
    let tables = tables?;
    print_tables(&tables);
    eprintln!(
        "copied {} rows in {} tables in {:.1} s; row counts and checksums match",
        tables.iter().map(|t| t.rows).sum::<u64>(),
        tables.len(),
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

fn print_tables(tables: &[api::dbcopy::TableReport]) {
    println!("{:<20} {:>9}  sha256", "table", "rows");
    for t in tables {
        println!("{:<20} {:>9}  {}", t.table, t.rows, t.checksum);
    }
}

/// Installs the Prometheus recorder and counts `conn`'s statements.
fn measured(
    mut conn: sea_orm::DatabaseConnection,
) -> anyhow::Result<(sea_orm::DatabaseConnection, PrometheusHandle)> {
    let handle = api::telemetry::install().context("could not start the metrics recorder")?;
    conn.set_metric_callback(api::telemetry::sql_callback);
    Ok((conn, handle))
}

async fn token(conn: &sea_orm::DatabaseConnection, action: TokenAction) -> anyhow::Result<()> {
    use entities::domain::{read, tokens};
    let system = &Actor::System;
    match action {
        TokenAction::Create {
            admin: _,
            partner,
            member,
            scopes,
            days,
            name,
        } => {
            let new = if let Some(slug) = partner {
                let org = read::organisation_by_slug(conn, system, &slug)
                    .await?
                    .with_context(|| {
                        format!("no organisation with slug '{slug}' (see the organisations query)")
                    })?;
                tokens::NewToken::Partner {
                    name,
                    organisation_id: org.id,
                    scopes,
                }
            } else if let Some(matrix_id) = member {
                use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
                let m = entities::member::Entity::find()
                    .filter(entities::member::Column::MatrixUserId.eq(matrix_id.clone()))
                    .one(conn)
                    .await?
                    .with_context(|| format!("no member has the Matrix id {matrix_id}"))?;
                let expires_at = Some(chrono::Utc::now() + chrono::Duration::days(i64::from(days)));
                tokens::NewToken::Member {
                    name,
                    member_id: m.id,
                    expires_at,
                }
            } else {
                tokens::NewToken::Admin { name }
            };
            let (token, secret) = tokens::create(conn, system, new)
                .await
                .context("could not create the key")?;
            eprintln!(
                "created {} key '{}' ({}). Keep it secret; it is shown only once:",
                token.kind, token.name, token.id
            );
            println!("{secret}");
        }
        TokenAction::Revoke { id } => {
            let t = tokens::revoke(conn, system, id)
                .await
                .context("could not revoke the key")?;
            eprintln!("revoked {} key '{}' ({})", t.kind, t.name, t.id);
        }
        TokenAction::List => {
            for t in tokens::list(conn, system).await? {
                let state = match (t.revoked_at, t.expires_at) {
                    (Some(_), _) => "revoked".to_owned(),
                    (None, Some(e)) if e <= chrono::Utc::now() => "expired".to_owned(),
                    (None, Some(e)) => format!("until {}", e.format("%Y-%m-%d")),
                    (None, None) => "active".to_owned(),
                };
                let used = t.last_used_at.map_or_else(
                    || "never used".to_owned(),
                    |u| format!("last used {}", u.format("%Y-%m-%d %H:%M")),
                );
                println!(
                    "{}  {:<8} {:<24} {:<18} {used}",
                    t.id, t.kind, t.name, state
                );
            }
        }
    }
    Ok(())
}

async fn serve(
    conn: sea_orm::DatabaseConnection,
    settings: Settings,
    metrics: Option<PrometheusHandle>,
) -> anyhow::Result<()> {
    db::migrate(&conn).await.context("migration failed")?;
    if settings.demo
        && let Some(s) = entities::demo::seed_if_empty(&conn)
            .await
            .context("could not load the demo data")?
    {
        tracing::info!(
            groups = s.groups,
            projects = s.projects,
            meetings = s.meetings,
            "loaded the demo data"
        );
    }
    let listener = tokio::net::TcpListener::bind(settings.listen)
        .await
        .with_context(|| format!("could not listen on {} (setting `listen`)", settings.listen))?;
    let addr = listener.local_addr()?;
    tracing::info!(database = %settings.redacted_database_url(), "muster is listening on http://{addr}/graphql");
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let bot = match settings.bridge()? {
        Some(config) => {
            let conn = conn.clone();
            Some(tokio::spawn(async move {
                // The API keeps serving when the bridge cannot run.
                if let Err(e) = bridge::bot::serve(config, conn, stopped).await {
                    tracing::error!(error = %e, "the Matrix bridge stopped");
                }
            }))
        }
        None => None,
    };
    let grace = std::time::Duration::from_millis(settings.shutdown_grace_ms);
    let mut state = AppState::new(conn, settings);
    if metrics.is_some() {
        state
            .reads
            .set_metric_callback(api::telemetry::sql_callback);
    }
    state.metrics = metrics;
    let app = router(state);
    let mut signalled = stop.subscribe();
    let server = axum::serve(
        listener,
        app.into_make_service_with_connect_info::<std::net::SocketAddr>(),
    )
    .with_graceful_shutdown(async move {
        shutdown_signal().await;
        let _ = stop.send(true);
    })
    .into_future();
    // After the signal the listener is closed (new connections are
    // refused) and requests in flight get `grace` to finish.
    let deadline = async {
        let _ = signalled.changed().await;
        let at = tokio::time::Instant::now() + grace;
        tokio::time::sleep_until(at).await;
        at
    };
    let mut deadline = std::pin::pin!(deadline);
    tokio::select! {
        r = server => r?,
        _ = &mut deadline => tracing::warn!(
            grace_ms = grace.as_millis(),
            "the shutdown grace period is over: stopping with requests still in flight"
        ),
    }
    if let Some(mut bot) = bot {
        // The bridge heard the same signal; it gets what is left of the
        // grace period (a delivery cut short is resent, idempotently).
        tokio::select! {
            r = &mut bot => r.context("the bridge failed")?,
            _ = &mut deadline => bot.abort(),
        }
    }
    tracing::info!("stopped");
    Ok(())
}

/// Resolves on Ctrl-C or SIGTERM; in-flight requests then finish.
async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = term => {},
    }
    tracing::info!("shutting down: finishing requests in flight");
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn cli_is_well_formed_and_parses_the_readme_commands() {
        Cli::command().debug_assert();
        for args in [
            &["muster", "serve", "--demo"][..],
            &["muster", "serve", "--no-bridge"],
            &["muster", "bridge"],
            &["muster", "migrate"],
            &["muster", "migrate", "down", "--steps", "2"],
            &["muster", "seed", "demo"],
            &["muster", "schema"],
            &["muster", "token", "create", "--admin", "--name", "website"],
            &[
                "muster",
                "token",
                "create",
                "--partner",
                "co-op-map",
                "--name",
                "map",
            ],
            &[
                "muster",
                "token",
                "create",
                "--member",
                "@sam:example.org",
                "--days",
                "7",
                "--name",
                "script",
            ],
            &["muster", "token", "list"],
            &[
                "muster",
                "db",
                "copy",
                "--from",
                "sqlite://muster.db",
                "--to",
                "postgres://muster@db/muster",
            ],
            &["muster", "backup", "muster-2026-11-29.db"],
            &["muster", "doctor"],
            &["muster", "restore", "--replace", "muster-2026-11-29.db"],
            &[
                "muster",
                "token",
                "revoke",
                "01a2218b-318f-771c-9eb5-d1b57f844047",
            ],
        ] {
            Cli::try_parse_from(args).unwrap_or_else(|e| panic!("{args:?}: {e}"));
        }
        assert!(Cli::try_parse_from(["muster", "token", "create", "--name", "x"]).is_err());
    }
}
