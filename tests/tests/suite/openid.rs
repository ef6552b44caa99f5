//! Signing in with Matrix against a real Synapse: a member's client gets an
//! OpenID token from the homeserver, Muster asks the homeserver whom it
//! belongs to, and issues a session for the member with that Matrix id.

use entities::Actor;
use entities::domain::members;
use muster_tests::{Backend, both, spawn_app_with};
use serde_json::{Value, json};

fn homeserver() -> (String, String) {
    let url = std::env::var("MUSTER_TEST_HOMESERVER").unwrap_or_else(|_| {
        panic!("MUSTER_TEST_HOMESERVER is not set: run the tests with `scripts/test` (it starts a throw-away Synapse)")
    });
    let name =
        std::env::var("MUSTER_TEST_MATRIX_SERVER_NAME").unwrap_or_else(|_| "localhost".into());
    (url, name)
}

/// Logs `user` in with its password and asks for an OpenID token, as a
/// Matrix client does.
async fn openid_token(homeserver: &str, user: &str) -> String {
    let client = reqwest::Client::new();
    let login: Value = client
        .post(format!("{homeserver}/_matrix/client/v3/login"))
        .json(&json!({ "type": "m.login.password", "identifier": { "type": "m.id.user", "user": user }, "password": format!("password-{user}") }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let access = login["access_token"]
        .as_str()
        .unwrap_or_else(|| panic!("login failed: {login}"));
    let user_id = login["user_id"].as_str().unwrap();
    let openid: Value = client
        .post(format!(
            "{homeserver}/_matrix/client/v3/user/{user_id}/openid/request_token"
        ))
        .bearer_auth(access)
        .json(&json!({}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    openid["access_token"].as_str().unwrap().to_owned()
}

const SIGN_IN: &str = "mutation($input: SignInWithMatrixInput!) { signInWithMatrix(input: $input) { token expiresAt member { displayName } userErrors { field message code } } }";

async fn sign_in_with_matrix(backend: Backend) {
    let (hs, server_name) = homeserver();
    let app = spawn_app_with(backend, |s| {
        s.openid.homeserver_url = Some(hs.clone());
        s.openid.server_name = Some(server_name.clone());
    })
    .await;
    members::create(
        &app.db.conn,
        &Actor::System,
        members::NewMember {
            display_name: "Alice".into(),
            matrix_user_id: Some(format!("@alice:{server_name}")),
            ..Default::default()
        },
    )
    .await
    .unwrap();

    let token = openid_token(&hs, "alice").await;
    let body = app
        .anon(SIGN_IN, json!({ "input": { "accessToken": token } }))
        .await;
    let p = &body["data"]["signInWithMatrix"];
    assert_eq!(p["userErrors"], json!([]), "{body}");
    assert_eq!(p["member"]["displayName"], "Alice");
    let session = p["token"].as_str().unwrap().to_owned();
    let (status, me) = app
        .post(
            Some(&session),
            "{ viewer { kind member { displayName } } }",
            json!({}),
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(
        me["data"]["viewer"],
        json!({ "kind": "MEMBER", "member": { "displayName": "Alice" } })
    );

    // The homeserver vouches for Bob, but no member has his Matrix id: a
    // clear error, and no member is created.
    let members_before = app.db.count("members").await;
    let body = app
        .anon(
            SIGN_IN,
            json!({ "input": { "accessToken": openid_token(&hs, "bob").await } }),
        )
        .await;
    let errors = &body["data"]["signInWithMatrix"]["userErrors"];
    assert_eq!(errors[0]["code"], "NOT_FOUND", "{body}");
    assert!(
        errors[0]["message"]
            .as_str()
            .unwrap()
            .contains(&format!("@bob:{server_name}")),
        "{body}"
    );
    assert_eq!(app.db.count("members").await, members_before);

    // A token the homeserver does not know.
    let body = app
        .anon(
            SIGN_IN,
            json!({ "input": { "accessToken": "not-a-token" } }),
        )
        .await;
    assert_eq!(
        body["data"]["signInWithMatrix"]["userErrors"][0]["code"], "INVALID_INPUT",
        "{body}"
    );

    // Signing out ends the session.
    let (_, out) = app
        .post(
            Some(&session),
            "mutation { signOut { signedOut } }",
            json!({}),
        )
        .await;
    assert_eq!(out["data"]["signOut"]["signedOut"], true);
    assert_eq!(
        app.post(Some(&session), "{ viewer { kind } }", json!({}))
            .await
            .0,
        401
    );
}

async fn sign_in_needs_a_configured_homeserver(backend: Backend) {
    let app = spawn_app_with(backend, |_| {}).await;
    let body = app
        .anon(SIGN_IN, json!({ "input": { "accessToken": "x" } }))
        .await;
    assert_eq!(
        body["errors"][0]["extensions"]["code"], "UNAVAILABLE",
        "{body}"
    );
}

both!(sign_in_with_matrix, sign_in_needs_a_configured_homeserver);
