//! `aisle-testdb`: for test scripts (the API fuzz): starts a throwaway PostgreSQL, creates an
//! empty database on it, prints its URL and keeps the cluster until this process is killed (the
//! cluster's watchdog then stops it and removes its directory). Tests only.

#![forbid(unsafe_code)]

use std::io::Write;

fn main() -> std::process::ExitCode {
    match aisle_testdb::try_fresh_database() {
        Ok(url) => {
            println!("{url}");
            let _ = std::io::stdout().flush();
            loop {
                std::thread::sleep(std::time::Duration::from_secs(3600));
            }
        }
        Err(e) => {
            eprintln!("error: {e}");
            std::process::ExitCode::from(1)
        }
    }
}
