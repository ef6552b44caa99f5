//! What `muster doctor` asks the homeserver, without disturbing a running
//! bridge: a client with an in-memory store (the bridge's own store may be
//! in use) checks that the homeserver answers, that the bot's stored
//! session is still valid — or, before the first start, that its password
//! logs in (that trial session is logged out again) — and lists the rooms
//! the bot is in, so the caller can compare them with the rooms projects
//! are linked to. Facts only: the CLI phrases them.

use std::time::Duration;

use matrix_sdk::Client;
use matrix_sdk::config::RequestConfig;
use matrix_sdk::ruma::api::client::membership::joined_rooms;

use crate::bot::{BotConfig, BotError, log_in, read_saved, session_path};

/// How the bot's account was checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Login {
    /// The stored session (`session.json`) is valid.
    Stored,
    /// No session is stored yet; the password logs in.
    Password,
}

/// What the homeserver said.
#[derive(Debug)]
pub struct Probe {
    /// The homeserver's answer to `/versions`, or why there was none.
    pub reachable: Result<(), String>,
    /// The bot's user id and how it was checked, or what is wrong.
    pub account: Result<(String, Login), BotError>,
    /// The rooms the bot is joined to (empty when the account failed).
    pub joined: Vec<String>,
}

/// Asks the homeserver in `config` (each request gives up after 10 s).
pub async fn probe(config: &BotConfig) -> Probe {
    let unreachable = |message: String| Probe {
        reachable: Err(message.clone()),
        account: Err(BotError::Connect {
            homeserver: config.homeserver.clone(),
            message,
        }),
        joined: Vec::new(),
    };
    let client = match Client::builder()
        .homeserver_url(&config.homeserver)
        .request_config(
            RequestConfig::new()
                .retry_limit(1)
                .timeout(Duration::from_secs(10)),
        )
        .build()
        .await
    {
        Ok(c) => c,
        Err(e) => return unreachable(e.to_string()),
    };
    if let Err(e) = client.server_versions().await {
        return unreachable(e.to_string());
    }
    let account = account(&client, config).await;
    let joined = match &account {
        Ok(_) => client
            .send(joined_rooms::v3::Request::new())
            .await
            .map(|r| r.joined_rooms.iter().map(ToString::to_string).collect())
            .unwrap_or_default(),
        Err(_) => Vec::new(),
    };
    if matches!(account, Ok((_, Login::Password))) {
        // The trial login is not the bridge's: leave no device behind.
        let _ = client.matrix_auth().logout().await;
    }
    Probe {
        reachable: Ok(()),
        account,
        joined,
    }
}

async fn account(client: &Client, config: &BotConfig) -> Result<(String, Login), BotError> {
    if let Some(saved) = read_saved(&config.store)? {
        let path = session_path(&config.store);
        client
            .restore_session(saved.session)
            .await
            .map_err(|e| BotError::Store {
                path: path.clone(),
                message: e.to_string(),
            })?;
        return match client.whoami().await {
            Ok(me) => Ok((me.user_id.to_string(), Login::Stored)),
            Err(e) if e.as_client_api_error().is_some() => Err(BotError::SessionGone {
                path,
                message: e.to_string(),
            }),
            Err(e) => Err(BotError::Connect {
                homeserver: config.homeserver.clone(),
                message: e.to_string(),
            }),
        };
    }
    log_in(client, config, "muster doctor")
        .await
        .map(|user| (user.to_string(), Login::Password))
}
