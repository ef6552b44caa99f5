//! Any words as a time, in any of a few time zones, at a fixed "now":
//! `read` gives a time in the future that used at least one word, or an
//! error — and never panics.
#![no_main]

use chrono::TimeZone;
use libfuzzer_sys::fuzz_target;

const ZONES: [chrono_tz::Tz; 4] = [
    chrono_tz::Europe::London,
    chrono_tz::America::New_York,
    chrono_tz::Pacific::Chatham,
    chrono_tz::UTC,
];

fuzz_target!(|input: (u8, &str)| {
    let (zone, text) = input;
    let words: Vec<String> = text.split_whitespace().map(str::to_owned).collect();
    let Some(now) = chrono::Utc
        .with_ymd_and_hms(2026, 11, 29, 12, 0, 0)
        .single()
    else {
        return;
    };
    let tz = ZONES[usize::from(zone) % ZONES.len()];
    if let Ok(r) = muster_commands::when::read(&words, now, tz) {
        assert!(r.at > now);
        assert!((1..=words.len()).contains(&r.words_used));
    }
});
