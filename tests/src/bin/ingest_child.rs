//! The child process of the ingestor crash test (`tests/tests/ingestor.rs`).
//!
//! ```text
//! ingest_child send URL SPOOL_DIR COUNT   send COUNT events through an ingestor with a spool in
//!                                         SPOOL_DIR, printing `sent SEQ KEY` as each `send`
//!                                         returns (the test kills it with SIGKILL meanwhile)
//! ingest_child recover URL SPOOL_DIR      start an ingestor on SPOOL_DIR, which sends what the
//!                                         spool holds, shut it down, print `done ...`
//! ```
//!
//! Every event carries its sequence number in `properties.seq`, so the test can tell which
//! event each id the server accepted belongs to.

use std::io::Write;
use std::time::Duration;

use flexprice::models::IngestEventRequest;
use flexprice::{Client, FsyncPolicy, IngestorOptions, RetryConfig, SpoolOptions};

type Res<T> = Result<T, Box<dyn std::error::Error>>;

fn client(url: &str) -> Res<Client> {
    let retry = RetryConfig::default()
        .initial_interval(Duration::from_millis(2))
        .max_interval(Duration::from_millis(20))
        .max_attempts(50)
        .max_elapsed_time(Duration::from_secs(60));
    Ok(Client::builder()
        .server_url(url)
        .api_key("sk_test_crash")
        .retry(retry)
        .timeout(Duration::from_secs(10))
        .build()?)
}

fn options(spool: &str) -> IngestorOptions {
    IngestorOptions::new()
        .batch_size(250)
        .flush_interval(Duration::from_millis(20))
        .spool(SpoolOptions::new(spool).fsync(FsyncPolicy::EveryBatch))
}

async fn send(url: &str, spool: &str, count: usize) -> Res<()> {
    let ingestor = client(url)?.events().ingestor(options(spool))?;
    let stdout = std::io::stdout();
    for seq in 0..count {
        let event = IngestEventRequest::new("api_request", format!("cus_{}", seq % 17))
            .with_properties([("seq", seq.to_string())]);
        let key = ingestor.send(event).await?.ok_or("send returned no key")?;
        // One write per line, unbuffered: a line the test reads is an event `send` returned for.
        let mut out = stdout.lock();
        writeln!(out, "sent {seq} {key}")?;
        out.flush()?;
    }
    let report = ingestor.shutdown(Duration::from_secs(60)).await;
    println!("finished complete={}", report.is_complete());
    Ok(())
}

async fn recover(url: &str, spool: &str) -> Res<()> {
    let ingestor = client(url)?.events().ingestor(options(spool))?;
    let recovered = ingestor.stats().recovered;
    let report = ingestor.shutdown(Duration::from_secs(60)).await;
    let stats = report.stats();
    println!(
        "done recovered={recovered} accepted={} failed={} complete={}",
        stats.accepted,
        stats.failed,
        report.is_complete()
    );
    Ok(())
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("a runtime");
    let result = runtime.block_on(async {
        match args.iter().map(String::as_str).collect::<Vec<_>>()[..] {
            ["send", url, spool, count] => send(url, spool, count.parse()?).await,
            ["recover", url, spool] => recover(url, spool).await,
            _ => Err("usage: ingest_child send URL SPOOL_DIR COUNT | recover URL SPOOL_DIR".into()),
        }
    });
    if let Err(e) = result {
        eprintln!("ingest_child: {e}");
        std::process::exit(1);
    }
}
