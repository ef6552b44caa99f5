//! Parsed GraphQL documents, kept by their text, and whether each has
//! passed validation.
//!
//! Parsing is the largest single cost of a small request: under callgrind,
//! a third of the instructions of `meeting(id:)` went to async-graphql's
//! parser. Clients send the same few documents over and over (with
//! different variables), so the parsed form of each is kept in a small LRU
//! map and handed to async-graphql.
//!
//! Validation came next (8% of Muster's CPU on `meeting(id:)`). Every rule
//! but one is a function of the document alone, and Muster's schema does
//! not change while it runs; the one exception,
//! "arguments of correct type", also checks the values of the variables
//! against the arguments they fill. So a kept document remembers that it
//! once passed every rule (a response without errors proves it), and a
//! later request with it is [`Check::Known`] — run by the schema built with
//! async-graphql's `ValidationMode::Fast`, which skips the rules but still
//! counts complexity and depth against their limits — only when each of its
//! variables is a plain value that async-graphql's own check would pass for
//! every type the document declares it with: a string for `String` or `ID`,
//! a whole number for `ID`, a whole number from 0 for `Int`, a number for
//! `Float`, a boolean for `Boolean` ([`plain_variables`]). Anything else (null, a list, an input
//! object, an enum, a custom scalar, a negative `Int`) takes every rule
//! again, so a request is refused or run exactly as with no memory at all,
//! with the same messages.
//!
//! This caches no data: a parsed document and its verdict are functions of
//! its text (and the fixed schema), the same for every caller. Documents
//! that do not parse are not kept (the engine parses them again and reports
//! the error), nor are long ones.

use std::num::NonZeroUsize;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use async_graphql::parser::Positioned;
use async_graphql::parser::types::{
    BaseType, DocumentOperations, ExecutableDocument, VariableDefinition,
};
use async_graphql::{Value, Variables};
use lru::LruCache;

/// How many documents are kept.
const CAPACITY: usize = 512;
/// The longest document kept, in bytes.
const LONGEST: usize = 16 * 1024;

/// What a request needs checked before it runs.
#[derive(Debug)]
pub enum Check {
    /// Every validation rule. With a [`Passed`] when the document is kept
    /// and not yet known to pass them: the caller marks it once a response
    /// comes back without errors.
    Full(Option<Passed>),
    /// The document passed every rule before and its variables are plain
    /// values of their types: the limits only (`ValidationMode::Fast`).
    Known,
}

/// A kept document's mark "passed every validation rule".
#[derive(Debug)]
pub struct Passed(Arc<AtomicBool>);

impl Passed {
    /// Marks the document as passing every rule. Call it only after a
    /// response without errors: a request that fails validation always
    /// answers with at least one.
    pub fn mark(self) {
        self.0.store(true, Ordering::Relaxed);
    }
}

/// A kept document.
struct Kept {
    doc: ExecutableDocument,
    passed: Arc<AtomicBool>,
}

/// The parsed documents of recent requests.
pub struct Documents {
    kept: Mutex<LruCache<String, Kept>>,
}

impl Default for Documents {
    fn default() -> Self {
        Self {
            kept: Mutex::new(LruCache::new(
                NonZeroUsize::new(CAPACITY).unwrap_or(NonZeroUsize::MIN),
            )),
        }
    }
}

impl Documents {
    /// Gives `req` its parsed document (the kept one, or a fresh parse,
    /// then kept) and says what must be checked before it runs.
    pub fn prepare(&self, req: &mut async_graphql::Request) -> Check {
        if req.query.len() > LONGEST {
            return Check::Full(None);
        }
        let kept = self
            .kept
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .get(&req.query)
            .map(|k| (k.doc.clone(), k.passed.clone()));
        if let Some((doc, passed)) = kept {
            let check = if !passed.load(Ordering::Relaxed) {
                Check::Full(Some(Passed(passed)))
            } else if plain_variables(&doc, &req.variables) {
                Check::Known
            } else {
                Check::Full(None)
            };
            req.set_parsed_query(doc);
            return check;
        }
        let Ok(doc) = req.parsed_query() else {
            return Check::Full(None);
        };
        let passed = Arc::new(AtomicBool::new(false));
        let kept = Kept {
            doc: doc.clone(),
            passed: passed.clone(),
        };
        self.kept
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .put(req.query.clone(), kept);
        Check::Full(Some(Passed(passed)))
    }

    /// How many documents are kept.
    pub fn len(&self) -> usize {
        self.kept
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .len()
    }

    /// Whether none is kept.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// Whether every variable of the request is a plain value that
/// async-graphql's "arguments of correct type" rule passes for every type
/// `doc` declares it with (see the module docs). A variable the document
/// does not declare is never checked by that rule, so it does not count.
pub fn plain_variables(doc: &ExecutableDocument, variables: &Variables) -> bool {
    if variables.is_empty() {
        return true;
    }
    variables.iter().all(|(name, value)| {
        definitions(doc)
            .filter(|d| d.node.name.node == *name)
            .all(|d| match &d.node.var_type.node.base {
                BaseType::Named(ty) => plain_value_of(ty, value),
                BaseType::List(_) => false,
            })
    })
}

/// The variable definitions of every operation in `doc`.
fn definitions(doc: &ExecutableDocument) -> impl Iterator<Item = &Positioned<VariableDefinition>> {
    let (single, many) = match &doc.operations {
        DocumentOperations::Single(op) => (Some(op), None),
        DocumentOperations::Multiple(ops) => (None, Some(ops.values())),
    };
    single
        .into_iter()
        .chain(many.into_iter().flatten())
        .flat_map(|op| op.node.variable_definitions.iter())
}

/// Whether `value` passes async-graphql's own check for the built-in
/// scalar `ty`, whichever Rust type registered that name (`Int` is checked
/// as `is_i64` for signed types and `is_u64` for unsigned ones, so only a
/// whole number that is both qualifies). Null never qualifies: in a
/// non-null position it is an error the rule must report.
fn plain_value_of(ty: &str, value: &Value) -> bool {
    match (ty, value) {
        ("ID", Value::Number(n)) => n.is_i64(),
        ("Int", Value::Number(n)) => n.is_i64() && n.is_u64(),
        ("ID" | "String", Value::String(_))
        | ("Boolean", Value::Boolean(_))
        | ("Float", Value::Number(_)) => true,
        _ => false,
    }
}

/// The name of the document's operation when it has exactly one, named
/// (what a client running `query GroupPage { … }` calls it, with no
/// `operationName`).
pub fn only_operation_name(req: &mut async_graphql::Request) -> Option<String> {
    match &req.parsed_query().ok()?.operations {
        DocumentOperations::Multiple(ops) if ops.len() == 1 => {
            ops.keys().next().map(ToString::to_string)
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_document_is_parsed_once_and_a_broken_one_not_kept() {
        let docs = Documents::default();
        let mut a = async_graphql::Request::new("{ groups(first: 1) { nodes { name } } }");
        docs.prepare(&mut a);
        assert_eq!(docs.len(), 1);
        let mut b = async_graphql::Request::new("{ groups(first: 1) { nodes { name } } }");
        docs.prepare(&mut b);
        assert_eq!(docs.len(), 1);
        assert_eq!(
            format!("{:?}", b.parsed_query().unwrap()),
            format!("{:?}", a.parsed_query().unwrap())
        );
        assert_eq!(only_operation_name(&mut b), None, "anonymous");
        let mut named = async_graphql::Request::new("query GroupPage { groups { totalCount } }");
        assert_eq!(
            only_operation_name(&mut named).as_deref(),
            Some("GroupPage")
        );
        let mut broken = async_graphql::Request::new("{ groups(first: ");
        docs.prepare(&mut broken);
        assert_eq!(docs.len(), 1, "a document that does not parse is not kept");
        let mut long = async_graphql::Request::new(format!("{{ {} }}", "__typename ".repeat(2000)));
        docs.prepare(&mut long);
        assert_eq!(docs.len(), 1, "a long document is not kept");
    }

    fn request(query: &str, variables: serde_json::Value) -> async_graphql::Request {
        async_graphql::Request::new(query).variables(Variables::from_json(variables))
    }

    #[test]
    fn a_document_is_known_only_after_it_passed_and_with_plain_variables() {
        let docs = Documents::default();
        let q = "query($id: ID!) { meeting(id: $id) { title } }";
        let Check::Full(Some(passed)) = docs.prepare(&mut request(q, json!({ "id": "a" }))) else {
            panic!("a new document is checked in full, and can be marked");
        };
        assert!(
            matches!(
                docs.prepare(&mut request(q, json!({ "id": "a" }))),
                Check::Full(Some(_))
            ),
            "not known until marked"
        );
        passed.mark();
        assert!(matches!(
            docs.prepare(&mut request(q, json!({ "id": "b" }))),
            Check::Known
        ));
        assert!(
            matches!(
                docs.prepare(&mut request(q, json!({ "id": true }))),
                Check::Full(None)
            ),
            "a variable of the wrong type is checked in full again"
        );
        let mut known = request(q, json!({ "id": 5 }));
        assert!(matches!(docs.prepare(&mut known), Check::Known));
        // Handed over: with its text gone, the request still has a document.
        known.query = "not a document".into();
        assert!(
            known.parsed_query().is_ok(),
            "the kept document is handed over"
        );
        let long = format!("{q} {}", " ".repeat(LONGEST));
        assert!(matches!(
            docs.prepare(&mut request(&long, json!({}))),
            Check::Full(None)
        ));
    }

    #[test]
    fn plain_variables_are_the_ones_the_rule_would_pass() {
        let doc = async_graphql::parser::parse_query(
            "query A($id: ID!, $n: Int, $s: String, $f: Float, $b: Boolean, \
             $list: [ID!], $e: MeetingStatus, $when: DateTime, $both: ID) { a } \
             query B($both: Int) { b }",
        )
        .unwrap();
        let plain = |v: serde_json::Value| plain_variables(&doc, &Variables::from_json(v));
        for yes in [
            json!({}),
            json!({ "id": "x" }),
            json!({ "id": 5 }),
            json!({ "id": -5 }),
            json!({ "n": 3 }),
            json!({ "s": "x", "f": 1.5, "b": true }),
            json!({ "f": 3 }),
            json!({ "undeclared": [1, { "a": null }] }),
            json!({ "both": 4 }),
        ] {
            assert!(plain(yes.clone()), "{yes}");
        }
        for no in [
            json!({ "id": null }),
            json!({ "id": 1.5 }),
            json!({ "id": true }),
            json!({ "id": ["x"] }),
            json!({ "n": -1 }),
            json!({ "n": 1.5 }),
            json!({ "n": "3" }),
            json!({ "s": 3 }),
            json!({ "s": null }),
            json!({ "f": "1.5" }),
            json!({ "b": "true" }),
            json!({ "list": ["x"] }),
            json!({ "e": "SCHEDULED" }),
            json!({ "when": "2026-12-05T10:00:00Z" }),
            json!({ "both": "x" }),
            json!({ "id": "x", "n": -1 }),
        ] {
            assert!(!plain(no.clone()), "{no}");
        }
    }
}
