//! Inputs the fuzzers (`scripts/fuzz`) found, kept so they stay fixed: one
//! per line in `regressions/when.txt` (read in Europe/London) and
//! `regressions/command.txt`. None may panic.

use chrono::{TimeZone, Timelike, Utc};
use muster_commands::{command, when};

fn lines(file: &str) -> Vec<&str> {
    file.lines().filter(|l| !l.is_empty()).collect()
}

fn words(s: &str) -> Vec<String> {
    s.split_whitespace().map(str::to_owned).collect()
}

#[test]
fn found_times_do_not_panic() {
    let now = Utc.with_ymd_and_hms(2026, 11, 29, 12, 0, 0).unwrap();
    for line in lines(include_str!("regressions/when.txt")) {
        let _ = when::read(&words(line), now, chrono_tz::Europe::London);
    }
}

#[test]
fn found_commands_do_not_panic() {
    for line in lines(include_str!("regressions/command.txt")) {
        let _ = command::parse(line);
    }
}

/// The first find: interim panicked on an upper-case word after an hour.
/// `9PM` is now read as people mean it.
#[test]
fn upper_case_am_pm_reads_as_lower_case() {
    let now = Utc.with_ymd_and_hms(2026, 11, 29, 12, 0, 0).unwrap();
    let r = when::read(&words("friday 9PM"), now, chrono_tz::Europe::London).unwrap();
    assert_eq!(r.at.hour(), 21);
    assert_eq!(r.words_used, 2);
    assert!(when::read(&words("9abcdefghijklmnopqrstuvwxyz"), now, chrono_tz::UTC).is_err());
}

/// A long message costs a parse per leading word, so only the first
/// `MAX_WORDS` are looked at; the title keeps the rest.
#[test]
fn a_long_title_after_the_time_is_left_alone() {
    let now = Utc.with_ymd_and_hms(2026, 11, 29, 12, 0, 0).unwrap();
    let mut w = words("2027-01-12 18:00");
    w.extend(std::iter::repeat_n("word".to_owned(), 5000));
    let r = when::read(&w, now, chrono_tz::UTC).unwrap();
    assert_eq!(r.words_used, 2);
}
