//! The Matrix adapter: links project groups to rooms, parses chat
//! commands, runs them through the domain as the sender, and delivers the
//! outbox to rooms. A skeleton until the bridge work (its own issue) lands;
//! it already depends only on `entities`, as the architecture requires.
