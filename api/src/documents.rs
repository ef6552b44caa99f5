//! Parsed GraphQL documents, kept by their text.
//!
//! Parsing is the largest single cost of a small request: under callgrind,
//! a third of the instructions of `meeting(id:)` went to async-graphql's
//! parser. Clients send the same few documents over and over (with
//! different variables), so the parsed form of each is kept in a small LRU
//! map and handed to async-graphql, which still validates every request.
//! This caches no data: a parsed document is a function of its text alone,
//! the same for every caller. Documents that do not parse are not kept (the
//! engine parses them again and reports the error), nor are long ones.

use std::num::NonZeroUsize;
use std::sync::{Mutex, PoisonError};

use async_graphql::parser::types::ExecutableDocument;
use lru::LruCache;

/// How many documents are kept.
const CAPACITY: usize = 512;
/// The longest document kept, in bytes.
const LONGEST: usize = 16 * 1024;

/// The parsed documents of recent requests.
pub struct Documents {
    kept: Mutex<LruCache<String, ExecutableDocument>>,
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
    /// Gives `req` its parsed document: the kept one, or a fresh parse
    /// (then kept).
    pub fn prepare(&self, req: &mut async_graphql::Request) {
        if req.query.len() > LONGEST {
            return;
        }
        let kept = self
            .kept
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .get(&req.query)
            .cloned();
        if let Some(doc) = kept {
            req.set_parsed_query(doc);
            return;
        }
        if let Ok(doc) = req.parsed_query() {
            let doc = doc.clone();
            self.kept
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .put(req.query.clone(), doc);
        }
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

/// The name of the document's operation when it has exactly one, named
/// (what a client running `query GroupPage { … }` calls it, with no
/// `operationName`).
pub fn only_operation_name(req: &mut async_graphql::Request) -> Option<String> {
    use async_graphql::parser::types::DocumentOperations;
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
}
