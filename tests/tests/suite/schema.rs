//! The committed `schema.graphql` is the schema the code serves.

#[test]
fn committed_sdl_matches_the_code() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../schema.graphql");
    let committed = std::fs::read_to_string(path).unwrap_or_default();
    let current = api::graphql::sdl();
    assert!(
        committed == current,
        "schema.graphql is out of date: run `cargo run -p api --bin muster -- schema > schema.graphql` and commit it"
    );
}
