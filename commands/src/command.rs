//! The chat command grammar: one clap derive tree parsed from the message
//! text, as tuwunel parses its admin-room commands. A message is a command
//! when it starts with `!` (or `/`, for clients that pass unknown slash
//! commands through); words are split like a shell's, so quotes group them.
//!
//! Free-text arguments (times, titles, reasons, agenda items) are taken as
//! the rest of the line; `meeting schedule` splits its words into a time
//! and a title with [`crate::when`].

use clap::{CommandFactory, Parser, Subcommand, ValueEnum};

/// A line typed in a room, after its `!`.
#[derive(Parser, Debug, PartialEq, Eq)]
#[command(
    name = "!",
    no_binary_name = true,
    disable_help_flag = true,
    disable_help_subcommand = true,
    disable_version_flag = true
)]
pub struct Line {
    #[command(subcommand)]
    pub command: Command,
}

/// What people can ask the bot.
#[derive(Subcommand, Debug, PartialEq, Eq)]
pub enum Command {
    /// What the bot can do here.
    Help,
    /// The project this room is linked to: its goal, status and people.
    Project,
    /// The next meeting, with who is coming.
    Next,
    /// Schedule, move or cancel a meeting (conveners).
    Meeting {
        #[command(subcommand)]
        action: MeetingAction,
    },
    /// Answer the next meeting's invitation: yes, no or maybe.
    Rsvp { answer: Answer },
    /// Show the next meeting's agenda, or add to it.
    Agenda {
        #[command(subcommand)]
        action: Option<AgendaAction>,
    },
    /// Join this project: `join` lists its roles and what they ask;
    /// `join <n>` takes role n; `join <strategy|coordination|delivery|supporter>`
    /// joins without a role.
    Join {
        #[arg(value_parser = join_choice)]
        choice: Option<JoinChoice>,
    },
    /// Accept your invitation to the group that took over from this
    /// room's group (a handover).
    Accept,
    /// Approve sign-up number N into this project (conveners).
    Approve { number: u32 },
    /// Decline sign-up number N (conveners).
    Decline { number: u32 },
    /// Outreach: `calls` shows progress, `calls next` gives you a co-op to
    /// call, `calls log <co-op> <status> [note]` records the call.
    Calls {
        #[command(subcommand)]
        action: Option<CallsAction>,
    },
    /// Leave this project.
    Leave,
    /// Open a date poll: `poll <time> | <time> | …` (conveners); members
    /// react ✅ to each time they can make. `poll close` schedules the
    /// winner.
    Poll {
        #[arg(required = true, num_args = 1.., trailing_var_arg = true, allow_hyphen_values = true)]
        words: Vec<String>,
    },
    /// How this project is doing: meetings, attendance, warning signs.
    Health,
    /// The open actions of this project, by number.
    Actions,
    /// Add an action: `action add <text> [@owner] [by <date>]`.
    Action {
        #[command(subcommand)]
        action: ActionAction,
    },
    /// Mark action number N done.
    Done { number: u32 },
    /// Record who came to the meeting that just took place (conveners):
    /// `attended @a:server @b:server …`.
    Attended {
        #[arg(required = true, num_args = 1..)]
        people: Vec<String>,
    },
    /// Link this room to a project by its slug (conveners).
    Link { project: String },
    /// Unlink this room from its project (conveners).
    Unlink,
}

/// `meeting …`
#[derive(Subcommand, Debug, PartialEq, Eq)]
pub enum MeetingAction {
    /// `meeting schedule <when> [title]`, e.g. `next tuesday 6pm Planning`.
    Schedule {
        #[arg(required = true, num_args = 1.., trailing_var_arg = true, allow_hyphen_values = true)]
        words: Vec<String>,
    },
    /// `meeting move <when>`: move the next meeting.
    Move {
        #[arg(required = true, num_args = 1.., trailing_var_arg = true, allow_hyphen_values = true)]
        words: Vec<String>,
    },
    /// `meeting cancel [reason]`: cancel the next meeting.
    Cancel {
        #[arg(num_args = 0.., trailing_var_arg = true, allow_hyphen_values = true)]
        reason: Vec<String>,
    },
    /// `meeting confirm`: hold the next meeting even though the quorum
    /// looks short (no more warnings).
    Confirm,
    /// `meeting postpone <time> | <time> | …`: a date poll among those who
    /// said yes; `poll close` moves the meeting to the winner.
    Postpone {
        #[arg(required = true, num_args = 1.., trailing_var_arg = true, allow_hyphen_values = true)]
        words: Vec<String>,
    },
}

impl Command {
    /// The command's name for metrics and logs, e.g. `rsvp`, `meeting`.
    pub fn kind(&self) -> String {
        let debug = format!("{self:?}");
        debug
            .split(|c: char| !c.is_ascii_alphanumeric())
            .next()
            .unwrap_or_default()
            .to_ascii_lowercase()
    }
}

/// `calls …`
#[derive(Subcommand, Debug, PartialEq, Eq)]
pub enum CallsAction {
    /// The next co-op for you to call; it is yours until you log it.
    Next,
    /// `calls log <co-op> <status> [note]`: status is to-contact,
    /// no-answer, talked, interested or not-now. Quote a name with spaces.
    Log {
        organisation: String,
        status: StatusArg,
        #[arg(num_args = 0.., trailing_var_arg = true, allow_hyphen_values = true)]
        note: Vec<String>,
    },
}

/// Where a call left things.
#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum StatusArg {
    #[value(alias = "to_contact")]
    ToContact,
    #[value(alias = "no_answer")]
    NoAnswer,
    Talked,
    Interested,
    #[value(alias = "not_now")]
    NotNow,
}

/// What `join` was given: a role's number or a kind of involvement.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JoinChoice {
    Role(u32),
    Involvement(InvolvementArg),
}

fn join_choice(s: &str) -> Result<JoinChoice, String> {
    if let Ok(n) = s.trim().parse::<u32>() {
        return Ok(JoinChoice::Role(n));
    }
    InvolvementArg::from_str(s, true)
        .map(JoinChoice::Involvement)
        .map_err(|_| {
            "give a role's number (see !join) or strategy, coordination, delivery or supporter"
                .to_owned()
        })
}

/// `action …`
#[derive(Subcommand, Debug, PartialEq, Eq)]
pub enum ActionAction {
    /// `action add <text> [@owner] [by <date>]`.
    Add {
        #[arg(required = true, num_args = 1.., trailing_var_arg = true, allow_hyphen_values = true)]
        words: Vec<String>,
    },
}

/// `agenda …`
#[derive(Subcommand, Debug, PartialEq, Eq)]
pub enum AgendaAction {
    /// `agenda add <text>`.
    Add {
        #[arg(required = true, num_args = 1.., trailing_var_arg = true, allow_hyphen_values = true)]
        text: Vec<String>,
    },
}

/// An RSVP.
#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum Answer {
    Yes,
    No,
    Maybe,
}

/// How someone wants to be involved.
#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum InvolvementArg {
    Strategy,
    Coordination,
    Delivery,
    Supporter,
}

/// Why a command could not be read; the message says what to type instead.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct ParseError(pub String);

/// Reads a message. `None` when it is not a command at all (ordinary chat).
pub fn parse(body: &str) -> Option<Result<Command, ParseError>> {
    let text = body.trim();
    let rest = text.strip_prefix('!').or_else(|| text.strip_prefix('/'))?;
    if rest.is_empty() || rest.starts_with(char::is_whitespace) {
        return None;
    }
    let Ok(words) = shell_words::split(rest) else {
        return Some(Err(ParseError(
            "a quote is not closed: check your \" and ' marks".into(),
        )));
    };
    Some(
        Line::try_parse_from(
            words
                .iter()
                .map(|w| w.to_lowercase())
                .zip(&words)
                .enumerate()
                .map(|(i, (lower, orig))| {
                    // Command words are matched case-insensitively; free text keeps
                    // its case.
                    if i < 2 { lower } else { orig.clone() }
                }),
        )
        .map(|l| l.command)
        .map_err(|e| explain(&e, &words)),
    )
}

fn explain(e: &clap::Error, words: &[String]) -> ParseError {
    use clap::error::ErrorKind;
    let first = words.first().map_or("", String::as_str);
    let msg = match e.kind() {
        ErrorKind::InvalidSubcommand if words.len() <= 1 || !is_command(first) => {
            format!("I don't know the command '{first}'. Type !help to see what I can do.")
        }
        ErrorKind::InvalidSubcommand
        | ErrorKind::MissingSubcommand
        | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand => {
            format!("'{first}' needs more: {}", usage(first))
        }
        ErrorKind::InvalidValue | ErrorKind::ValueValidation => {
            format!("That is not a choice for !{first}: {}", usage(first))
        }
        ErrorKind::MissingRequiredArgument => format!("Something is missing: {}", usage(first)),
        ErrorKind::UnknownArgument | ErrorKind::TooManyValues => {
            format!("Too many words: {}", usage(first))
        }
        _ => format!("I could not read that: {}", usage(first)),
    };
    ParseError(msg)
}

fn is_command(name: &str) -> bool {
    Line::command()
        .get_subcommands()
        .any(|c| c.get_name() == name.to_lowercase())
}

/// How to type a command.
pub fn usage(name: &str) -> &'static str {
    match name.to_lowercase().as_str() {
        "meeting" => {
            "!meeting schedule <when> [title], !meeting move <when>, !meeting cancel [reason], !meeting confirm, or !meeting postpone <time> | <time>"
        }
        "action" => "!action add <text> [@owner:server] [by <date>]",
        "done" => "!done <number> (see !actions)",
        "poll" => "!poll <time> | <time> | …, or !poll close",
        "attended" => "!attended @someone:server @other:server …",
        "rsvp" => "!rsvp yes, !rsvp no, or !rsvp maybe",
        "agenda" => "!agenda, or !agenda add <text>",
        "join" => {
            "!join to see the roles, !join <number> to take one, or !join <strategy|coordination|delivery|supporter>"
        }
        "approve" => "!approve <number> (the sign-up's number, from its notice)",
        "decline" => "!decline <number> (the sign-up's number, from its notice)",
        "calls" => {
            "!calls, !calls next, or !calls log <co-op> <to-contact|no-answer|talked|interested|not-now> [note]"
        }
        "link" => "!link <project-slug>",
        _ => "type !help to see the commands",
    }
}

/// One line per command, from the grammar itself, for `!help`.
pub fn help() -> String {
    Line::command()
        .get_subcommands()
        .map(|c| {
            format!(
                "!{} — {}",
                c.get_name(),
                c.get_about().map(ToString::to_string).unwrap_or_default()
            )
        })
        .collect::<Vec<_>>()
        .join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(s: &str) -> Command {
        parse(s).expect("a command").expect("parses")
    }

    fn err(s: &str) -> String {
        parse(s).expect("a command").expect_err("refused").0
    }

    /// `input` is refused with a reply that contains `hint`.
    fn says(input: &str, hint: &str) {
        let reply = err(input);
        assert!(reply.contains(hint), "{input:?} → {reply}");
    }

    #[test]
    fn a_command_names_its_kind() {
        assert_eq!(ok("!rsvp yes").kind(), "rsvp");
        assert_eq!(ok("!help").kind(), "help");
        assert_eq!(ok("!meeting postpone to next week").kind(), "meeting");
    }

    #[test]
    fn reads_every_command() {
        assert_eq!(ok("!help"), Command::Help);
        assert_eq!(ok("/help"), Command::Help);
        assert_eq!(ok("!project"), Command::Project);
        assert_eq!(ok("  !next  "), Command::Next);
        assert_eq!(
            ok("!rsvp yes"),
            Command::Rsvp {
                answer: Answer::Yes
            }
        );
        assert_eq!(
            ok("!RSVP Maybe"),
            Command::Rsvp {
                answer: Answer::Maybe
            }
        );
        assert_eq!(ok("!agenda"), Command::Agenda { action: None });
        assert_eq!(
            ok("!agenda add Budget for the Autumn Assembly"),
            Command::Agenda {
                action: Some(AgendaAction::Add {
                    text: ["Budget", "for", "the", "Autumn", "Assembly"]
                        .map(String::from)
                        .to_vec()
                })
            }
        );
        assert_eq!(ok("!join"), Command::Join { choice: None });
        assert_eq!(
            ok("!join delivery"),
            Command::Join {
                choice: Some(JoinChoice::Involvement(InvolvementArg::Delivery))
            }
        );
        assert_eq!(
            ok("!join 2"),
            Command::Join {
                choice: Some(JoinChoice::Role(2))
            }
        );
        assert_eq!(ok("!accept"), Command::Accept);
        assert_eq!(ok("!approve 12"), Command::Approve { number: 12 });
        assert_eq!(ok("!Decline 3"), Command::Decline { number: 3 });
        assert_eq!(ok("!calls"), Command::Calls { action: None });
        assert_eq!(
            ok("!calls next"),
            Command::Calls {
                action: Some(CallsAction::Next)
            }
        );
        assert_eq!(
            ok("!calls log \"Riverside Co-op\" no_answer try Tuesday morning"),
            Command::Calls {
                action: Some(CallsAction::Log {
                    organisation: "Riverside Co-op".into(),
                    status: StatusArg::NoAnswer,
                    note: ["try", "Tuesday", "morning"].map(String::from).to_vec(),
                })
            }
        );
        assert_eq!(
            ok("!calls log spokes not-now"),
            Command::Calls {
                action: Some(CallsAction::Log {
                    organisation: "spokes".into(),
                    status: StatusArg::NotNow,
                    note: vec![],
                })
            }
        );
        assert_eq!(ok("!leave"), Command::Leave);
        assert_eq!(
            ok("!link co-op-fortnight"),
            Command::Link {
                project: "co-op-fortnight".into()
            }
        );
        assert_eq!(ok("!unlink"), Command::Unlink);
        assert_eq!(ok("!actions"), Command::Actions);
        assert_eq!(ok("!health"), Command::Health);
        assert_eq!(
            ok("!action add Book the hall @sam:example.org by friday"),
            Command::Action {
                action: ActionAction::Add {
                    words: ["Book", "the", "hall", "@sam:example.org", "by", "friday"]
                        .map(String::from)
                        .to_vec()
                }
            }
        );
        assert_eq!(ok("!done 3"), Command::Done { number: 3 });
        assert_eq!(
            ok("!poll tue 6pm | wed 6pm"),
            Command::Poll {
                words: ["tue", "6pm", "|", "wed", "6pm"].map(String::from).to_vec()
            }
        );
        assert_eq!(
            ok("!poll close"),
            Command::Poll {
                words: vec!["close".into()]
            }
        );
        assert_eq!(
            ok("!meeting postpone 2026-12-08 18:00 | 2026-12-09 18:00"),
            Command::Meeting {
                action: MeetingAction::Postpone {
                    words: ["2026-12-08", "18:00", "|", "2026-12-09", "18:00"]
                        .map(String::from)
                        .to_vec()
                }
            }
        );
        assert_eq!(
            ok("!attended @a:x.org @b:x.org"),
            Command::Attended {
                people: vec!["@a:x.org".into(), "@b:x.org".into()]
            }
        );
        assert_eq!(
            ok("!meeting confirm"),
            Command::Meeting {
                action: MeetingAction::Confirm
            }
        );
        assert_eq!(
            ok("!meeting schedule next tuesday 6pm Planning"),
            Command::Meeting {
                action: MeetingAction::Schedule {
                    words: ["next", "tuesday", "6pm", "Planning"]
                        .map(String::from)
                        .to_vec()
                }
            }
        );
        assert_eq!(
            ok("!meeting move 2026-12-03 18:00"),
            Command::Meeting {
                action: MeetingAction::Move {
                    words: ["2026-12-03", "18:00"].map(String::from).to_vec()
                }
            }
        );
        assert_eq!(
            ok("!meeting cancel"),
            Command::Meeting {
                action: MeetingAction::Cancel { reason: vec![] }
            }
        );
        assert_eq!(
            ok("!meeting cancel \"low numbers\" -- sorry"),
            Command::Meeting {
                action: MeetingAction::Cancel {
                    reason: ["low numbers", "--", "sorry"].map(String::from).to_vec()
                }
            }
        );
    }

    #[test]
    fn ordinary_chat_is_not_a_command() {
        for s in [
            "hello",
            "",
            "! not a command",
            "!",
            "I think !rsvp yes",
            "/ x",
        ] {
            assert!(parse(s).is_none(), "{s}");
        }
    }

    #[test]
    fn mistakes_say_what_to_type() {
        says("!dance", "!help");
        says("!rsvp perhaps", "!rsvp yes");
        says("!rsvp", "!rsvp yes");
        says("!meeting", "!meeting schedule");
        says("!meeting schedule", "!meeting schedule");
        says("!link", "!link <project-slug>");
        says("!join sometimes", "!join <number>");
        says("!done three", "!done <number>");
        says("!attended", "!attended @");
        says("!action", "!action add");
        says("!poll", "!poll <time>");
        says("!agenda add \"unclosed", "quote");
        says("!leave now please", "Too many");
    }

    #[test]
    fn group_life_mistakes_say_what_to_type() {
        says("!join captain", "!join <number>");
        says("!approve", "!approve <number>");
        says("!approve twelve", "!approve <number>");
        let e = err("!calls log spokes maybe");
        assert!(e.contains("no-answer") && e.contains("not-now"), "{e}");
        says("!calls log", "!calls log <co-op>");
    }

    #[test]
    fn help_lists_every_command() {
        let h = help();
        for c in [
            "!help",
            "!project",
            "!next",
            "!meeting",
            "!rsvp",
            "!agenda",
            "!join",
            "!leave",
            "!link",
            "!unlink",
            "!actions",
            "!action",
            "!done",
            "!attended",
            "!accept",
            "!approve",
            "!decline",
            "!calls",
        ] {
            assert!(h.contains(c), "{c} in {h}");
        }
    }
}
