//! Signing in with Matrix: a client gets an OpenID token from its
//! homeserver (`POST /_matrix/client/v3/user/{userId}/openid/request_token`)
//! and gives it to Muster, which asks the configured homeserver whom it
//! belongs to (`GET /_matrix/federation/v1/openid/userinfo`). The answer's
//! Matrix id is then the proof the domain opens a session on.

use entities::DomainError;
use serde::Deserialize;

use crate::settings::OpenIdSettings;

#[derive(Deserialize)]
struct UserInfo {
    sub: String,
}

/// The Matrix id the homeserver says `access_token` belongs to.
pub async fn verify(
    client: &reqwest::Client,
    settings: &OpenIdSettings,
    access_token: &str,
) -> Result<String, DomainError> {
    let (Some(base), Some(server_name)) = (&settings.homeserver_url, &settings.server_name) else {
        return Err(DomainError::Unavailable(
            "signing in with Matrix is not set up here (settings openid.homeserver_url and openid.server_name)".into(),
        ));
    };
    let token = access_token.trim();
    if token.is_empty() || token.len() > 1024 {
        return Err(DomainError::invalid(
            "access_token",
            "give the OpenID access token your homeserver issued",
        ));
    }
    let url = format!(
        "{}/_matrix/federation/v1/openid/userinfo",
        base.trim_end_matches('/')
    );
    let resp = client
        .get(url)
        .query(&[("access_token", token)])
        .send()
        .await
        .map_err(|e| {
            tracing::warn!(error = %e, "homeserver unreachable for OpenID");
            DomainError::Unavailable("the homeserver is not answering; try again later".into())
        })?;
    if resp.status() == reqwest::StatusCode::UNAUTHORIZED
        || resp.status() == reqwest::StatusCode::FORBIDDEN
    {
        return Err(DomainError::invalid(
            "access_token",
            "the homeserver does not recognise this OpenID token (they expire after an hour); request a new one",
        ));
    }
    if !resp.status().is_success() {
        tracing::warn!(status = %resp.status(), "homeserver refused the OpenID look-up");
        return Err(DomainError::Unavailable(
            "the homeserver could not check the token; try again later".into(),
        ));
    }
    let info: UserInfo = resp.json().await.map_err(|_| {
        DomainError::Unavailable("the homeserver's answer was not understood".into())
    })?;
    if !info.sub.ends_with(&format!(":{server_name}")) {
        return Err(DomainError::invalid(
            "access_token",
            format!("{} is not an account on {server_name}", info.sub),
        ));
    }
    Ok(info.sub)
}
