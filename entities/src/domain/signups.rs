//! Sign-ups from the federation's website: anyone may ask to join a group
//! or project; a convener of it (or an admin) approves or declines.
//!
//! A sign-up is its own record, not a member: people off the internet are
//! not members until someone who knows the group says so. Approving links
//! the sign-up to the member with that e-mail address, or creates one, and
//! gives them an active membership. Submitting never reveals whether an
//! e-mail address is already known: a repeat of a pending sign-up is
//! accepted and quietly not stored twice.
//!
//! Routing: a sign-up names interests and the involvement it offers;
//! [`suggest`] ranks the project groups that match (interests found in a
//! project's name, goal or its group's domains; a role asking that
//! involvement), and the sign-up is posted to the rooms of the best
//! [`ROUTE_TO`] of them with its number, so a convener there can type
//! `!approve <n>` or `!decline <n>`. Approving in a room makes the person a
//! member of that room's project and has the bridge invite them to the
//! room (when they gave a Matrix id). [`run_check_ins`] reminds the
//! convener after two weeks if the newcomer has not attended anything.

use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, EntityTrait, IntoActiveModel, QueryFilter,
    QueryOrder,
};
use serde_json::json;
use uuid::Uuid;

use super::outbox::{EventKind, emit};
use super::validate::{self, NAME_MAX};
use super::{Db, memberships, new_id, now, read, write_txn};
use crate::policy::Owner;
use crate::{
    Actor, DomainError, Involvement, Result, Role, SignUpStatus, member, membership, policy,
    sign_up,
};

/// Longest message a sign-up may carry.
pub const MESSAGE_MAX: usize = 2_000;

/// What the website's form sends. Exactly one of `group_id`, `project_id`.
#[derive(Debug, Clone, Default)]
pub struct NewSignUp {
    pub display_name: String,
    pub email: String,
    pub group_id: Option<Uuid>,
    pub project_id: Option<Uuid>,
    pub interests: Vec<String>,
    /// Defaults to `supporter`.
    pub involvement: Option<Involvement>,
    pub message: Option<String>,
    /// Their Matrix id, so the bridge can invite them once approved.
    pub matrix_user_id: Option<String>,
}

/// Takes a sign-up. Succeeds the same way whether or not the address is
/// known or already waiting.
#[tracing::instrument(skip_all)]
pub async fn submit(db: &impl Db, actor: &Actor, input: NewSignUp) -> Result<()> {
    let display_name = validate::required("display_name", &input.display_name, NAME_MAX)?;
    let email = validate::email("email", &input.email)?.to_lowercase();
    let interests = validate::labels("interests", &input.interests)?;
    let message = validate::bounded(
        "message",
        input.message.as_deref().unwrap_or(""),
        MESSAGE_MAX,
    )?;
    let matrix_user_id = input
        .matrix_user_id
        .as_deref()
        .map(str::trim)
        .filter(|m| !m.is_empty())
        .map(|m| validate::matrix_user_id("matrix_user_id", m))
        .transpose()?;
    let txn = write_txn(db).await?;
    let (visibility, owner) = match (input.group_id, input.project_id) {
        (Some(g), None) => (
            read::live_group(&txn, g, "group_id").await?.visibility,
            Owner::group(g),
        ),
        (None, Some(p)) => {
            let project = read::live_project(&txn, p, "project_id").await?;
            (project.visibility, Owner::project(p, project.group_id))
        }
        _ => {
            return Err(DomainError::invalid(
                "group_id",
                "give exactly one of group_id and project_id",
            ));
        }
    };
    if !policy::can_see(actor, visibility, owner) {
        let (field, id) = input
            .group_id
            .map_or(("project_id", input.project_id), |g| ("group_id", Some(g)));
        return Err(DomainError::not_found(
            "group or project",
            field,
            &id.unwrap_or_default(),
        ));
    }
    let mut waiting = sign_up::Entity::find()
        .filter(sign_up::Column::Email.eq(email.clone()))
        .filter(sign_up::Column::Status.eq(SignUpStatus::Pending));
    waiting = match input.group_id {
        Some(g) => waiting.filter(sign_up::Column::GroupId.eq(g)),
        None => waiting.filter(sign_up::Column::ProjectId.eq(input.project_id)),
    };
    if waiting.one(&txn).await?.is_some() {
        txn.commit().await?;
        return Ok(());
    }
    let model = sign_up::ActiveModel {
        id: Set(new_id()),
        display_name: Set(display_name),
        email: Set(email),
        group_id: Set(input.group_id),
        project_id: Set(input.project_id),
        interests: Set(json!(interests)),
        involvement: Set(input.involvement.unwrap_or(Involvement::Supporter)),
        message: Set(message),
        status: Set(SignUpStatus::Pending),
        member_id: Set(None),
        decided_by: Set(None),
        decided_at: Set(None),
        created_at: Set(now()),
        number: Set(Some(next_number(&txn).await?)),
        matrix_user_id: Set(matrix_user_id),
        check_in_sent_at: Set(None),
    }
    .insert(&txn)
    .await?;
    let suggestions = suggest_for(&txn, &model).await?;
    // The room hears who wants to join and what for — never the address.
    emit(
        &txn,
        EventKind::SignUpSubmitted,
        model.id,
        json!({
            "id": model.id, "display_name": model.display_name, "group_id": model.group_id,
            "project_id": model.project_id, "interests": model.interests, "involvement": model.involvement,
            "number": model.number,
        }),
    )
    .await?;
    // …and so do the rooms of the projects it suits best.
    for s in suggestions.iter().take(ROUTE_TO) {
        emit(
            &txn,
            EventKind::SignUpRouted,
            model.id,
            json!({
                "id": model.id, "number": model.number, "display_name": model.display_name,
                "project_id": s.project.id, "interests": model.interests,
                "involvement": model.involvement, "why": s.reasons, "message": model.message,
            }),
        )
        .await?;
    }
    txn.commit().await?;
    Ok(())
}

/// Approves (`approve`) or declines a pending sign-up: its conveners and
/// admins only. Approving finds or creates the member and makes them an
/// active member of the group or project.
#[tracing::instrument(skip_all)]
pub async fn decide(
    db: &impl Db,
    actor: &Actor,
    id: Uuid,
    approve: bool,
) -> Result<sign_up::Model> {
    decide_in(db, actor, id, approve, None).await
}

/// [`decide`], into a project: the one the sign-up named, a project of the
/// group it named, or one Muster suggested for it (what `!approve <n>`
/// does in that project's room). Its conveners decide.
#[tracing::instrument(skip_all)]
pub async fn decide_in(
    db: &impl Db,
    actor: &Actor,
    id: Uuid,
    approve: bool,
    into_project: Option<Uuid>,
) -> Result<sign_up::Model> {
    policy::require_member(actor, "decide sign-ups")?;
    let txn = write_txn(db).await?;
    let s = read::get::<sign_up::Entity>(&txn, id, "sign-up", "id").await?;
    let (group_id, project_id) = match into_project {
        Some(p) if Some(p) != s.project_id => {
            let project = read::live_project(&txn, p, "project_id").await?;
            let suggested = s.group_id == Some(project.group_id)
                || suggest_for(&txn, &s)
                    .await?
                    .iter()
                    .any(|x| x.project.id == p);
            if !suggested {
                return Err(DomainError::invalid(
                    "project_id",
                    format!(
                        "this sign-up was not for {} nor suggested for it; decide it where it was posted",
                        project.name
                    ),
                ));
            }
            (None, Some(p))
        }
        _ => (s.group_id, s.project_id),
    };
    let owner = read::owner(&txn, group_id, project_id).await?;
    if !policy::convenes(actor, owner) {
        // Not revealing sign-ups to those who may not decide them.
        return Err(
            if policy::can_see(actor, crate::Visibility::Members, owner) {
                DomainError::Forbidden(
                    "decide this sign-up: only its conveners and admins may".into(),
                )
            } else {
                DomainError::not_found("sign-up", "id", &id)
            },
        );
    }
    if s.status != SignUpStatus::Pending {
        return Err(DomainError::state(
            "id",
            format!("this sign-up was already {}", s.status),
        ));
    }
    let mut member_id = None;
    if approve {
        let m = member_for(&txn, &s).await?;
        let already = membership::Entity::find()
            .filter(membership::Column::MemberId.eq(m.id))
            .filter(membership::Column::ArchivedAt.is_null())
            .filter(match (group_id, project_id) {
                (Some(g), None) => membership::Column::GroupId.eq(g),
                (_, p) => membership::Column::ProjectId.eq(p),
            })
            .one(&txn)
            .await?;
        if already.is_none() {
            memberships::create(
                &txn,
                &Actor::System,
                memberships::NewMembership {
                    member_id: m.id,
                    group_id: if project_id.is_some() { None } else { group_id },
                    project_id,
                    role: Role::Member,
                    involvement: Some(s.involvement),
                    commitment_hours: None,
                    status: None,
                    since: None,
                    role_id: None,
                },
            )
            .await?;
        }
        member_id = Some(m.id);
    }
    let mut am = s.into_active_model();
    am.status = Set(if approve {
        SignUpStatus::Approved
    } else {
        SignUpStatus::Declined
    });
    am.member_id = Set(member_id);
    am.decided_by = Set(actor.member_id());
    am.decided_at = Set(Some(now()));
    // Where the newcomer landed: their check-in is about it.
    am.group_id = Set(if project_id.is_some() { None } else { group_id });
    am.project_id = Set(project_id);
    let model = am.update(&txn).await?;
    let kind = if approve {
        EventKind::SignUpApproved
    } else {
        EventKind::SignUpDeclined
    };
    emit(
        &txn,
        kind,
        model.id,
        json!({
            "id": model.id, "number": model.number, "member_id": model.member_id,
            "group_id": model.group_id, "project_id": model.project_id,
            "display_name": model.display_name, "matrix_user_id": model.matrix_user_id,
        }),
    )
    .await?;
    txn.commit().await?;
    Ok(model)
}

/// The member a sign-up is approved as: the one with its Matrix id, else
/// the one with its e-mail address, else a new one.
async fn member_for(db: &impl Db, s: &sign_up::Model) -> Result<member::Model> {
    if let Some(mx) = &s.matrix_user_id
        && let Some(m) = member::Entity::find()
            .filter(member::Column::MatrixUserId.eq(mx.clone()))
            .filter(member::Column::ArchivedAt.is_null())
            .one(db)
            .await?
    {
        return Ok(m);
    }
    let existing = member::Entity::find()
        .filter(member::Column::Email.eq(s.email.clone()))
        .filter(member::Column::ArchivedAt.is_null())
        .order_by_asc(member::Column::Id)
        .one(db)
        .await?;
    if let Some(mut m) = existing {
        if m.matrix_user_id.is_none() && s.matrix_user_id.is_some() {
            let taken = member::Entity::find()
                .filter(member::Column::MatrixUserId.eq(s.matrix_user_id.clone()))
                .one(db)
                .await?
                .is_some();
            if !taken {
                let mut am = m.into_active_model();
                am.matrix_user_id = Set(s.matrix_user_id.clone());
                am.updated_at = Set(now());
                m = am.update(db).await?;
            }
        }
        return Ok(m);
    }
    let taken = match &s.matrix_user_id {
        Some(mx) => member::Entity::find()
            .filter(member::Column::MatrixUserId.eq(mx.clone()))
            .one(db)
            .await?
            .is_some(),
        None => false,
    };
    let t = now();
    Ok(member::ActiveModel {
        id: Set(new_id()),
        display_name: Set(s.display_name.clone()),
        email: Set(Some(s.email.clone())),
        phone: Set(None),
        matrix_user_id: Set(if taken {
            None
        } else {
            s.matrix_user_id.clone()
        }),
        organisation_id: Set(None),
        is_admin: Set(false),
        joined_at: Set(t),
        created_at: Set(t),
        updated_at: Set(t),
        archived_at: Set(None),
        calendar_secret_hash: Set(None),
    }
    .insert(db)
    .await?)
}

/// The pending sign-up with this number, for `!approve <n>`.
#[tracing::instrument(skip_all)]
pub async fn by_number(db: &impl Db, number: i32) -> Result<sign_up::Model> {
    sign_up::Entity::find()
        .filter(sign_up::Column::Number.eq(number))
        .one(db)
        .await?
        .ok_or_else(|| DomainError::NotFound {
            entity: "sign-up",
            field: "number".into(),
            key: "number",
            value: number.to_string(),
        })
}

async fn next_number(db: &impl Db) -> Result<i32> {
    Ok(sign_up::Entity::find()
        .order_by_desc(sign_up::Column::Number)
        .one(db)
        .await?
        .and_then(|s| s.number)
        .unwrap_or(0)
        + 1)
}

/// How many suggested projects a sign-up is posted to.
pub const ROUTE_TO: usize = 3;

/// A project suggested for a sign-up, with why.
#[derive(Debug, Clone)]
pub struct Suggestion {
    pub project: crate::project::Model,
    pub score: u32,
    pub reasons: Vec<String>,
}

/// The project groups that suit a sign-up, best first: for those who may
/// decide it.
#[tracing::instrument(skip_all)]
pub async fn suggest(db: &impl Db, actor: &Actor, id: Uuid) -> Result<Vec<Suggestion>> {
    let s = read::get::<sign_up::Entity>(db, id, "sign-up", "id").await?;
    let owner = read::owner(db, s.group_id, s.project_id).await?;
    if !policy::convenes(actor, owner) {
        return Ok(Vec::new());
    }
    suggest_for(db, &s).await
}

/// The words of a text that can match an interest: lower case, split on
/// anything but letters and digits, short words dropped.
fn words(text: &str) -> Vec<String> {
    text.to_lowercase()
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| w.len() >= 4)
        .map(str::to_owned)
        .collect()
}

/// Whether an interest is found in these words: every one of its own words
/// starts a word there ("phone banking" matches "Phone banking to member
/// co-ops"; "organising" matches "organisers" by its first five letters).
fn interest_matches(interest: &str, haystack: &[String]) -> bool {
    let wanted = words(interest);
    !wanted.is_empty()
        && wanted.iter().all(|w| {
            let stem: String = w.chars().take(5).collect();
            haystack.iter().any(|h| h.starts_with(&stem))
        })
}

/// Ranks the live, unfinished projects (of the named group, when it named
/// one; the named project comes first): a point for each interest found in
/// the project's name, goal or its group's domains, and one for a role
/// asking the involvement offered.
async fn suggest_for(db: &impl Db, s: &sign_up::Model) -> Result<Vec<Suggestion>> {
    use crate::{ProjectStatus, group, project};
    let mut q = project::Entity::find()
        .filter(project::Column::ArchivedAt.is_null())
        .filter(project::Column::Status.ne(ProjectStatus::Done));
    if let Some(g) = s.group_id {
        q = q.filter(project::Column::GroupId.eq(g));
    }
    let projects = q.order_by_asc(project::Column::Name).all(db).await?;
    let groups = group::Entity::find()
        .filter(group::Column::Id.is_in(projects.iter().map(|p| p.group_id)))
        .all(db)
        .await?;
    let roles =
        super::roles::of_owners(db, &projects.iter().map(|p| p.id).collect::<Vec<_>>()).await?;
    let interests: Vec<String> = serde_json::from_value(s.interests.clone()).unwrap_or_default();
    let mut out = Vec::new();
    for p in projects {
        let mut text = format!("{} {}", p.name, p.goal);
        if let Some(g) = groups.iter().find(|g| g.id == p.group_id) {
            let domains: Vec<String> =
                serde_json::from_value(g.domains.clone()).unwrap_or_default();
            text.push(' ');
            text.push_str(&domains.join(" "));
        }
        let haystack = words(&text);
        let mut reasons: Vec<String> = interests
            .iter()
            .filter(|i| interest_matches(i, &haystack))
            .map(|i| format!("interested in {i}"))
            .collect();
        if let Some(r) = roles
            .iter()
            .find(|r| r.project_id == Some(p.id) && r.involvement == s.involvement)
        {
            reasons.push(format!(
                "offers {} and it needs a {}",
                s.involvement, r.name
            ));
        }
        let named = s.project_id == Some(p.id);
        if named {
            reasons.insert(0, "asked to join it".into());
        }
        let score = u32::try_from(reasons.len()).unwrap_or(0) + if named { 100 } else { 0 };
        if score > 0 {
            out.push(Suggestion {
                project: p,
                score,
                reasons,
            });
        }
    }
    out.sort_by_key(|s| std::cmp::Reverse(s.score));
    Ok(out)
}

/// Reminds conveners to check in with newcomers approved `check_in_days`
/// ago who have not attended anything of their project or group since —
/// once per sign-up, recorded with its outbox event. Returns how many
/// reminders it queued.
#[tracing::instrument(skip_all)]
pub async fn run_check_ins(
    db: &impl Db,
    at: chrono::DateTime<chrono::Utc>,
    check_in_days: i64,
) -> Result<u32> {
    use crate::{attendance, meeting};
    let due = sign_up::Entity::find()
        .filter(sign_up::Column::Status.eq(SignUpStatus::Approved))
        .filter(sign_up::Column::CheckInSentAt.is_null())
        .filter(sign_up::Column::MemberId.is_not_null())
        .filter(sign_up::Column::DecidedAt.lte(at - chrono::Duration::days(check_in_days)))
        .all(db)
        .await?;
    let mut sent = 0;
    for s in due {
        let txn = write_txn(db).await?;
        let fresh = read::get::<sign_up::Entity>(&txn, s.id, "sign-up", "id").await?;
        if fresh.check_in_sent_at.is_some() {
            continue;
        }
        let meetings: Vec<Uuid> = meeting::Entity::find()
            .filter(match (s.group_id, s.project_id) {
                (_, Some(p)) => meeting::Column::ProjectId.eq(p),
                (g, None) => meeting::Column::GroupId.eq(g),
            })
            .filter(meeting::Column::StartsAt.gte(s.decided_at.unwrap_or(at)))
            .all(&txn)
            .await?
            .into_iter()
            .map(|m| m.id)
            .collect();
        let came = attendance::Entity::find()
            .filter(attendance::Column::MeetingId.is_in(meetings))
            .filter(attendance::Column::MemberId.eq(s.member_id))
            .one(&txn)
            .await?
            .is_some();
        if !came {
            let owner = read::owner(&txn, s.group_id, s.project_id).await?;
            let conveners = read::conveners_of(&txn, owner).await?;
            let mentions: Vec<String> = member::Entity::find()
                .filter(member::Column::Id.is_in(conveners))
                .all(&txn)
                .await?
                .into_iter()
                .filter_map(|m| m.matrix_user_id)
                .collect();
            emit(
                &txn,
                EventKind::SignUpCheckIn,
                s.id,
                json!({
                    "id": s.id, "number": s.number, "display_name": s.display_name,
                    "project_id": s.project_id, "group_id": s.group_id,
                    "days": check_in_days, "conveners": mentions,
                }),
            )
            .await?;
            sent += 1;
        }
        let mut am = fresh.into_active_model();
        am.check_in_sent_at = Set(Some(at));
        am.update(&txn).await?;
        txn.commit().await?;
    }
    Ok(sent)
}

/// The sign-ups `actor` may decide (admins: all), newest first.
#[tracing::instrument(skip_all)]
pub async fn list(
    db: &impl Db,
    actor: &Actor,
    status: Option<&[SignUpStatus]>,
) -> Result<Vec<sign_up::Model>> {
    policy::require_member(actor, "see sign-ups")?;
    let mut q = sign_up::Entity::find().order_by_desc(sign_up::Column::Id);
    if let Some(s) = status {
        q = q.filter(sign_up::Column::Status.is_in(s.iter().copied()));
    }
    let rows = q.all(db).await?;
    if actor.is_admin() {
        return Ok(rows);
    }
    let mut out = Vec::new();
    for r in rows {
        if policy::convenes(actor, read::owner(db, r.group_id, r.project_id).await?) {
            out.push(r);
        }
    }
    Ok(out)
}
