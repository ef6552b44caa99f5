//! Any message text: `parse` answers `None` (not a command), a command, or
//! an error that says what to type — and never panics.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|text: &str| {
    if let Some(Err(e)) = muster_commands::command::parse(text) {
        assert!(!e.0.is_empty(), "an error says what to type");
    }
});
