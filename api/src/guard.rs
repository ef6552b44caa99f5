//! Checks on a GraphQL document before it runs, for the limits the engine
//! does not enforce itself: how many aliases and how many lexical tokens it
//! has. (Depth, complexity, recursion and directives are the engine's.)
//! Together with the body-size limit they bound the work a request can ask
//! for before any resolver runs.

/// What a document exceeded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Exceeded {
    Aliases { found: usize, limit: usize },
    Tokens { limit: usize },
}

impl Exceeded {
    /// The error code.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Aliases { .. } => "ALIAS_LIMIT_EXCEEDED",
            Self::Tokens { .. } => "TOKEN_LIMIT_EXCEEDED",
        }
    }

    /// What to do about it.
    pub fn message(&self) -> String {
        match self {
            Self::Aliases { found, limit } => {
                format!("the document has {found} aliases; the most allowed is {limit}")
            }
            Self::Tokens { limit } => {
                format!("the document has more than {limit} tokens; split it into smaller requests")
            }
        }
    }
}

/// Counts GraphQL lexical tokens, stopping once past `limit`. Names,
/// numbers, strings and punctuators count; white space, commas and comments
/// do not (as the GraphQL specification's lexer sees them).
fn tokens_over(doc: &str, limit: usize) -> bool {
    let b = doc.as_bytes();
    let mut i = 0;
    let mut n = 0usize;
    while i < b.len() {
        let c = b[i];
        match c {
            b' ' | b'\t' | b'\n' | b'\r' | b',' => i += 1,
            b'#' => {
                while i < b.len() && b[i] != b'\n' {
                    i += 1;
                }
            }
            b'"' => {
                n += 1;
                if b[i..].starts_with(b"\"\"\"") {
                    i += 3;
                    while i < b.len() && !b[i..].starts_with(b"\"\"\"") {
                        i += if b[i] == b'\\' { 2 } else { 1 };
                    }
                    i += 3;
                } else {
                    i += 1;
                    while i < b.len() && b[i] != b'"' && b[i] != b'\n' {
                        i += if b[i] == b'\\' { 2 } else { 1 };
                    }
                    i += 1;
                }
            }
            b'.' if b[i..].starts_with(b"...") => {
                n += 1;
                i += 3;
            }
            c if c.is_ascii_alphanumeric() || c == b'_' || c == b'-' => {
                n += 1;
                while i < b.len()
                    && (b[i].is_ascii_alphanumeric()
                        || b[i] == b'_'
                        || b[i] == b'.'
                        || b[i] == b'-'
                        || b[i] == b'+')
                {
                    i += 1;
                }
            }
            _ => {
                n += 1;
                i += 1;
            }
        }
        if n > limit {
            return true;
        }
    }
    false
}

/// Counts aliases (`name: field`) in selection sets: a name followed by a
/// colon outside parentheses (arguments) and outside variable definitions.
fn aliases(doc: &str) -> usize {
    let b = doc.as_bytes();
    let mut i = 0;
    let mut parens = 0usize;
    let mut count = 0;
    let mut last_was_name = false;
    while i < b.len() {
        let c = b[i];
        match c {
            b'#' => {
                while i < b.len() && b[i] != b'\n' {
                    i += 1;
                }
                continue;
            }
            b'"' => {
                // Skip strings (block strings too).
                if b[i..].starts_with(b"\"\"\"") {
                    i += 3;
                    while i < b.len() && !b[i..].starts_with(b"\"\"\"") {
                        i += 1;
                    }
                    i += 3;
                } else {
                    i += 1;
                    while i < b.len() && b[i] != b'"' {
                        i += if b[i] == b'\\' { 2 } else { 1 };
                    }
                    i += 1;
                }
                last_was_name = false;
                continue;
            }
            b'(' => parens += 1,
            b')' => parens = parens.saturating_sub(1),
            b':' if parens == 0 && last_was_name => count += 1,
            _ => {}
        }
        if c.is_ascii_alphanumeric() || c == b'_' {
            while i < b.len() && (b[i].is_ascii_alphanumeric() || b[i] == b'_') {
                i += 1;
            }
            last_was_name = true;
            continue;
        }
        if !c.is_ascii_whitespace() && c != b',' {
            last_was_name = false;
        }
        i += 1;
    }
    count
}

/// Checks a document against the alias and token limits.
pub fn check(doc: &str, max_aliases: usize, max_tokens: usize) -> Result<(), Exceeded> {
    if tokens_over(doc, max_tokens) {
        return Err(Exceeded::Tokens { limit: max_tokens });
    }
    let found = aliases(doc);
    if found > max_aliases {
        return Err(Exceeded::Aliases {
            found,
            limit: max_aliases,
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_aliases_not_arguments_or_variables() {
        assert_eq!(
            aliases("{ a: groups { totalCount } b: groups { totalCount } }"),
            2
        );
        assert_eq!(
            aliases("query($x: Int) { groups(first: $x) { totalCount } }"),
            0
        );
        assert_eq!(aliases("{ group(slug: \"a: b\") { name } }"), 0);
        assert_eq!(aliases("# a: b\n{ x: group(slug: \"s\") { n: name } }"), 2);
    }

    #[test]
    fn counts_tokens() {
        assert!(!tokens_over("{ groups { totalCount } }", 6));
        assert!(tokens_over("{ groups { totalCount } }", 5));
        assert!(!tokens_over("# lots of words in a comment\n{ a }", 3));
        assert!(!tokens_over("{ a(s: \"many words in a string\") }", 8));
    }

    #[test]
    fn check_reports_the_limit() {
        let doc = format!(
            "{{ {} }}",
            (0..40)
                .map(|i| format!("a{i}: groups {{ totalCount }}"))
                .collect::<Vec<_>>()
                .join(" ")
        );
        assert_eq!(
            check(&doc, 30, 10_000).unwrap_err().code(),
            "ALIAS_LIMIT_EXCEEDED"
        );
        assert_eq!(
            check(&doc, 50, 20).unwrap_err().code(),
            "TOKEN_LIMIT_EXCEEDED"
        );
        assert!(check(&doc, 50, 10_000).is_ok());
    }
}
