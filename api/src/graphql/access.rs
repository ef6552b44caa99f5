//! Who is asking, and how they get in: the signed-in `viewer`, signing in
//! with Matrix (OpenID) and out, API keys for partners and admins, and
//! website sign-ups that a convener approves or declines. As everywhere,
//! the rules are the domain's (`entities::domain::{tokens, signups}`).

use async_graphql::{Context, ID, InputObject, Object, SimpleObject};
use chrono::{DateTime, Duration, Utc};
use entities::DomainError;
use entities::domain::{signups, tokens};

use super::connection::{Page, paginate};
use super::enums::Involvement;
use super::errors::{UserError, outcome, query_error};
use super::ids::{self, Kind};
use super::loaders::MemberById;
use super::req;
use super::types::{
    Conn, Fast, Group, Member, Organisation, Project, group_of, load_one, member_of,
    organisation_of, project_of,
};
use crate::rate::Verdict;

/// Where a sign-up stands.
#[derive(async_graphql::Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[graphql(remote = "entities::SignUpStatus")]
pub enum SignUpStatus {
    Pending,
    Approved,
    Declined,
}

/// What kind of key.
#[derive(async_graphql::Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[graphql(remote = "entities::TokenKind")]
pub enum ApiKeyKind {
    Admin,
    Partner,
    Member,
}

/// Who is asking.
#[derive(async_graphql::Enum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum ViewerKind {
    Anonymous,
    Partner,
    Member,
    Admin,
}

/// The caller, as Muster sees them.
pub struct Viewer(entities::Actor);

#[Object]
impl Viewer {
    /// What kind of caller this is.
    async fn kind(&self) -> ViewerKind {
        match &self.0 {
            a if a.is_admin() && a.member().is_none() => ViewerKind::Admin,
            entities::Actor::Member(_) => ViewerKind::Member,
            entities::Actor::Partner { .. } => ViewerKind::Partner,
            entities::Actor::Admin { .. } | entities::Actor::System => ViewerKind::Admin,
            entities::Actor::Anonymous => ViewerKind::Anonymous,
        }
    }
    /// Whether the caller may do everything.
    async fn is_admin(&self) -> bool {
        self.0.is_admin()
    }
    /// The member the caller is, when signed in as one.
    async fn member(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Member>> {
        match self.0.member_id() {
            Some(id) => Ok(load_one(ctx, MemberById(id)).await?.map(Member::from)),
            None => Ok(None),
        }
    }
}

/// A request to join a group or project, from the website.
pub struct SignUp(pub entities::sign_up::Model);

#[Object]
impl SignUp {
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }
    async fn display_name(&self) -> &str {
        &self.0.display_name
    }
    /// Only conveners of its group or project and admins can list sign-ups.
    async fn email(&self) -> &str {
        &self.0.email
    }
    async fn interests(&self) -> Vec<String> {
        self.0
            .interests
            .as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|v| v.as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default()
    }
    async fn involvement(&self) -> Involvement {
        self.0.involvement.into()
    }
    async fn message(&self) -> &str {
        &self.0.message
    }
    async fn status(&self) -> SignUpStatus {
        self.0.status.into()
    }
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
    async fn decided_at(&self) -> Option<DateTime<Utc>> {
        self.0.decided_at
    }
    async fn group(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Group>> {
        group_of(ctx, self.0.group_id).await
    }
    async fn project(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Project>> {
        project_of(ctx, self.0.project_id).await
    }
    /// The member it was approved as.
    async fn member(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Fast<Member>>> {
        member_of(ctx, self.0.member_id).await
    }
    /// What a convener types in a room: `!approve <number>`.
    async fn number(&self) -> Option<i32> {
        self.0.number
    }
    /// The Matrix id they gave, where the bot invites them once approved.
    async fn matrix_user_id(&self) -> Option<&str> {
        self.0.matrix_user_id.as_deref()
    }
    /// The project groups that suit it, best first, with why: the
    /// interests found in a project's name, goal or its group's domains, and
    /// a role asking the involvement offered. It is posted to the rooms of
    /// the first three.
    async fn suggestions(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<Vec<super::life::Suggestion>> {
        let r = req(ctx);
        Ok(signups::suggest(&r.db, &r.actor, self.0.id)
            .await
            .map_err(super::errors::query_error)?
            .into_iter()
            .map(|s| super::life::Suggestion {
                project: Project(s.project),
                score: i32::try_from(s.score).unwrap_or(i32::MAX),
                reasons: s.reasons,
            })
            .collect())
    }
}

/// An API key or member session (never its secret).
pub struct ApiKey(pub entities::api_token::Model);

#[Object]
impl ApiKey {
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }
    async fn name(&self) -> &str {
        &self.0.name
    }
    async fn kind(&self) -> ApiKeyKind {
        self.0.kind.into()
    }
    async fn scopes(&self) -> Vec<String> {
        self.0
            .scopes
            .as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|v| v.as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default()
    }
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
    async fn last_used_at(&self) -> Option<DateTime<Utc>> {
        self.0.last_used_at
    }
    async fn expires_at(&self) -> Option<DateTime<Utc>> {
        self.0.expires_at
    }
    async fn revoked_at(&self) -> Option<DateTime<Utc>> {
        self.0.revoked_at
    }
    async fn organisation(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Organisation>> {
        organisation_of(ctx, self.0.organisation_id).await
    }
    async fn member(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Fast<Member>>> {
        member_of(ctx, self.0.member_id).await
    }
}

fn uuid_of(id: &ID, field: &str) -> Result<uuid::Uuid, DomainError> {
    uuid::Uuid::parse_str(id.as_str()).map_err(|_| {
        DomainError::invalid(
            field,
            format!("'{}' is not an id from this API", id.as_str()),
        )
    })
}

/// The sign-in and access queries.
#[derive(Default)]
pub struct AccessQuery;

#[Object]
impl AccessQuery {
    /// Who you are, as far as Muster can tell.
    async fn viewer(&self, ctx: &Context<'_>) -> Viewer {
        Viewer(req(ctx).actor.clone())
    }

    /// Sign-ups you may decide (conveners: their groups' and projects';
    /// admins: all), newest first.
    #[graphql(
        complexity = "crate::graphql::connection::Page::size(first, last) * child_complexity"
    )]
    async fn sign_ups(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
        status: Option<Vec<SignUpStatus>>,
    ) -> async_graphql::Result<Conn<SignUp>> {
        let r = req(ctx);
        let status: Option<Vec<entities::SignUpStatus>> =
            status.map(|s| s.into_iter().map(Into::into).collect());
        let rows = signups::list(&r.db, &r.actor, status.as_deref())
            .await
            .map_err(query_error)?;
        paginate(
            rows,
            |s| s.id,
            SignUp,
            &Page::new(first, after, last, before),
        )
        .map_err(query_error)
    }

    /// Every API key and session, newest first (admins only).
    #[graphql(
        complexity = "crate::graphql::connection::Page::size(first, last) * child_complexity"
    )]
    async fn api_keys(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
    ) -> async_graphql::Result<Conn<ApiKey>> {
        let r = req(ctx);
        let rows = tokens::list(&r.db, &r.actor).await.map_err(query_error)?;
        paginate(
            rows,
            |t| t.id,
            ApiKey,
            &Page::new(first, after, last, before),
        )
        .map_err(query_error)
    }
}

/// The website's sign-up form.
#[derive(InputObject)]
pub struct SignUpInput {
    pub display_name: String,
    pub email: String,
    /// The group to join (or give `projectId`).
    pub group_id: Option<ID>,
    pub project_id: Option<ID>,
    /// What they would like to work on.
    pub interests: Option<Vec<String>>,
    /// How they want to be involved; default SUPPORTER.
    pub involvement: Option<Involvement>,
    pub message: Option<String>,
    /// Their Matrix id (`@name:server`): once approved, the bot invites
    /// them to the project's room.
    pub matrix_user_id: Option<String>,
}

/// The answer to a sign-up: the same whether the address was known or not.
#[derive(SimpleObject)]
pub struct SignUpPayload {
    /// True when the sign-up was taken (a convener will be in touch).
    pub accepted: bool,
    pub user_errors: Vec<UserError>,
}

/// Which sign-up to decide.
#[derive(InputObject)]
pub struct DecideSignUpInput {
    pub id: ID,
    /// Approve into this project: one of the sign-up's suggestions or a
    /// project of the group it named (default: what it asked to join).
    pub project_id: Option<ID>,
}

crate::graphql::payload::payload!(
    /// A decided sign-up.
    DecideSignUpPayload, sign_up: SignUp);

/// A new API key.
#[derive(InputObject)]
pub struct CreateApiKeyInput {
    /// What the key is for, e.g. "co-op map".
    pub name: String,
    pub kind: ApiKeyKind,
    /// For a PARTNER key: the organisation it belongs to.
    pub organisation_id: Option<ID>,
    /// For a PARTNER key: default `["read:public"]`.
    pub scopes: Option<Vec<String>>,
    /// For a MEMBER key: whom it speaks for.
    pub member_id: Option<ID>,
    /// For a MEMBER key: when it stops working (default 30 days).
    pub expires_at: Option<DateTime<Utc>>,
}

/// A new key and its secret, shown this once.
#[derive(SimpleObject)]
pub struct CreateApiKeyPayload {
    pub api_key: Option<ApiKey>,
    /// Send as `Authorization: Bearer <secret>`. Not stored; not shown again.
    pub secret: Option<String>,
    pub user_errors: Vec<UserError>,
}

/// Which key to revoke.
#[derive(InputObject)]
pub struct RevokeApiKeyInput {
    pub id: ID,
}

crate::graphql::payload::payload!(
    /// A revoked key.
    RevokeApiKeyPayload, api_key: ApiKey);
crate::graphql::payload::wrap!(SignUp => entities::sign_up::Model, ApiKey => entities::api_token::Model);

/// A new address for the member's personal calendar feed.
#[derive(SimpleObject)]
pub struct ResetCalendarFeedPayload {
    /// The feed's path on this server, e.g. `/calendar/me/<secret>.ics`:
    /// subscribe to it from a calendar app. Keep it private; the previous
    /// address no longer works.
    pub path: Option<String>,
    pub user_errors: Vec<UserError>,
}

/// An OpenID token from the member's homeserver.
#[derive(InputObject)]
pub struct SignInWithMatrixInput {
    /// `access_token` from `POST /_matrix/client/v3/user/{userId}/openid/request_token`.
    pub access_token: String,
}

/// A member session.
#[derive(SimpleObject)]
pub struct SignInPayload {
    /// Send as `Authorization: Bearer <token>` until `expiresAt`.
    pub token: Option<String>,
    pub expires_at: Option<DateTime<Utc>>,
    pub member: Option<Member>,
    pub user_errors: Vec<UserError>,
}

/// The end of a session.
#[derive(SimpleObject)]
pub struct SignOutPayload {
    pub signed_out: bool,
}

/// The sign-in and access mutations.
#[derive(Default)]
pub struct AccessMutation;

#[Object]
impl AccessMutation {
    /// Asks to join a group or project (the website's form). Anyone may;
    /// limited per client address. The answer never says whether the
    /// e-mail address is already known.
    async fn sign_up(
        &self,
        ctx: &Context<'_>,
        input: SignUpInput,
    ) -> async_graphql::Result<SignUpPayload> {
        let r = req(ctx);
        if let Some(ip) = r.client_ip
            && let Verdict::Refused { retry_after, .. } = r.rate.sign_up(ip)
        {
            return Err(super::errors::to_graphql(&DomainError::RateLimited {
                retry_after_secs: retry_after.as_secs().max(1),
            }));
        }
        let result = async {
            let new = signups::NewSignUp {
                display_name: input.display_name,
                email: input.email,
                group_id: ids::expect_opt(Kind::Group, input.group_id.as_ref(), "group_id")?,
                project_id: ids::expect_opt(
                    Kind::Project,
                    input.project_id.as_ref(),
                    "project_id",
                )?,
                interests: input.interests.unwrap_or_default(),
                involvement: input.involvement.map(Into::into),
                message: input.message,
                matrix_user_id: input.matrix_user_id,
            };
            signups::submit(&r.db, &r.actor, new).await
        }
        .await;
        let (ok, user_errors) = outcome(result)?;
        Ok(SignUpPayload {
            accepted: ok.is_some(),
            user_errors,
        })
    }

    /// Approves a sign-up: the person becomes (or is found as) a member and
    /// joins. Conveners of its group or project, and admins.
    async fn approve_sign_up(
        &self,
        ctx: &Context<'_>,
        input: DecideSignUpInput,
    ) -> async_graphql::Result<DecideSignUpPayload> {
        decide(ctx, &input, true).await
    }

    /// Declines a sign-up. Conveners of its group or project, and admins.
    async fn decline_sign_up(
        &self,
        ctx: &Context<'_>,
        input: DecideSignUpInput,
    ) -> async_graphql::Result<DecideSignUpPayload> {
        decide(ctx, &input, false).await
    }

    /// Makes an API key (admins only); the secret is in the payload, once.
    async fn create_api_key(
        &self,
        ctx: &Context<'_>,
        input: CreateApiKeyInput,
    ) -> async_graphql::Result<CreateApiKeyPayload> {
        let r = req(ctx);
        let result = async {
            let token = match input.kind {
                ApiKeyKind::Admin => tokens::NewToken::Admin { name: input.name },
                ApiKeyKind::Partner => tokens::NewToken::Partner {
                    name: input.name,
                    organisation_id: ids::expect_opt(
                        Kind::Organisation,
                        input.organisation_id.as_ref(),
                        "organisation_id",
                    )?
                    .ok_or_else(|| {
                        DomainError::invalid(
                            "organisation_id",
                            "a partner key needs organisation_id",
                        )
                    })?,
                    scopes: input.scopes.unwrap_or_default(),
                },
                ApiKeyKind::Member => tokens::NewToken::Member {
                    name: input.name,
                    member_id: ids::expect_opt(
                        Kind::Member,
                        input.member_id.as_ref(),
                        "member_id",
                    )?
                    .ok_or_else(|| {
                        DomainError::invalid("member_id", "a member key needs member_id")
                    })?,
                    expires_at: input.expires_at,
                },
            };
            tokens::create(&r.db, &r.actor, token).await
        }
        .await;
        let (created, user_errors) = outcome(result)?;
        let (api_key, secret) = created.map_or((None, None), |(k, s)| (Some(ApiKey(k)), Some(s)));
        Ok(CreateApiKeyPayload {
            api_key,
            secret,
            user_errors,
        })
    }

    /// Revokes a key: admins any; members their own sessions.
    async fn revoke_api_key(
        &self,
        ctx: &Context<'_>,
        input: RevokeApiKeyInput,
    ) -> async_graphql::Result<RevokeApiKeyPayload> {
        let r = req(ctx);
        let result =
            async { tokens::revoke(&r.db, &r.actor, uuid_of(&input.id, "id")?).await }.await;
        RevokeApiKeyPayload::from(result)
    }

    /// Gives the signed-in member a new secret address for their personal
    /// calendar (the meetings they said yes to); the old one stops working.
    async fn reset_calendar_feed(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<ResetCalendarFeedPayload> {
        let r = req(ctx);
        let (secret, user_errors) = outcome(tokens::reset_calendar_secret(&r.db, &r.actor).await)?;
        Ok(ResetCalendarFeedPayload {
            path: secret.map(|s| format!("/calendar/me/{s}.ics")),
            user_errors,
        })
    }

    /// Exchanges an OpenID token from your Matrix homeserver for a Muster
    /// session, if a member has your Matrix id.
    async fn sign_in_with_matrix(
        &self,
        ctx: &Context<'_>,
        input: SignInWithMatrixInput,
    ) -> async_graphql::Result<SignInPayload> {
        let r = req(ctx);
        let http = ctx.data_unchecked::<reqwest::Client>();
        let result = async {
            let matrix_id =
                crate::openid::verify(http, &r.settings.openid, &input.access_token).await?;
            let ttl = Duration::days(i64::from(r.settings.session_days));
            tokens::open_session(&r.db, &matrix_id, ttl).await
        }
        .await;
        let (session, user_errors) = outcome(result)?;
        Ok(match session {
            Some((token, secret, member)) => SignInPayload {
                token: Some(secret),
                expires_at: token.expires_at,
                member: Some(Member::from(member)),
                user_errors,
            },
            None => SignInPayload {
                token: None,
                expires_at: None,
                member: None,
                user_errors,
            },
        })
    }

    /// Ends the session this request was made with.
    async fn sign_out(&self, ctx: &Context<'_>) -> async_graphql::Result<SignOutPayload> {
        let r = req(ctx);
        match r.actor.member().and_then(|m| m.session_id) {
            Some(session) => {
                tokens::revoke(&r.db, &r.actor, session)
                    .await
                    .map_err(query_error)?;
                Ok(SignOutPayload { signed_out: true })
            }
            None => Ok(SignOutPayload { signed_out: false }),
        }
    }
}

async fn decide(
    ctx: &Context<'_>,
    input: &DecideSignUpInput,
    approve: bool,
) -> async_graphql::Result<DecideSignUpPayload> {
    let r = req(ctx);
    let result = async {
        let into = ids::expect_opt(Kind::Project, input.project_id.as_ref(), "project_id")?;
        signups::decide_in(&r.db, &r.actor, uuid_of(&input.id, "id")?, approve, into).await
    }
    .await;
    DecideSignUpPayload::from(result)
}
