//! The chat command language, apart from everything that runs it: the
//! clap derive tree a message is parsed into ([`command`]) and the reading
//! of the times people type ([`when`]). Pure functions of their input — no
//! database, no Matrix — so the parser builds in seconds, has its own
//! benchmarks and fuzz targets (`fuzz/`), and the bridge re-exports both
//! modules unchanged (`bridge::command`, `bridge::when`).

pub mod command;
pub mod when;
