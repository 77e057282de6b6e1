//! Authentication and the HTTP edge, over real HTTP: logins and their limits, refresh-token
//! rotation, logout, JWT refusals, API keys as credentials, invitations, edge errors and
//! `Idempotency-Key`.
#![expect(
    clippy::unwrap_used,
    reason = "test helpers fail the test at once on an unexpected answer"
)]

use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use earshot_core::config::JwtAlgorithm;
use earshot_testkit::{PASSWORD, PLATFORM_TOKEN, Tenant, TestApp, assert_problem, str_of};
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use reqwest::{Method, Response};
use serde_json::{Value, json};

const HS_SECRET: &str = "an-hs256-secret-of-more-than-32-characters";

// ---------------------------------------------------------------------------------------
// helpers

async fn login_attempt(app: &TestApp, email: &str, password: &str) -> Response {
    let body = json!({ "email": email, "password": password });
    app.request(Method::POST, "/v1/auth/login", None, Some(body))
        .await
}

async fn post_anonymous(app: &TestApp, path: &str, body: Value) -> Response {
    app.request(Method::POST, path, None, Some(body)).await
}

async fn me_status(app: &TestApp, token: &str) -> u16 {
    app.get("/v1/me", token).await.status().as_u16()
}

/// The claims of a JWT, read without checking anything.
fn claims_of(token: &str) -> Value {
    let payload = token.split('.').nth(1).unwrap();
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).unwrap()).unwrap()
}

fn b64_json(value: &Value) -> String {
    URL_SAFE_NO_PAD.encode(serde_json::to_vec(value).unwrap())
}

/// Claims like ours for the user and session, expiring `exp_offset` seconds from now.
fn forged_claims(real: &Value, exp_offset: i64, aud: &str) -> Value {
    let now = chrono::Utc::now().timestamp();
    json!({
        "iss": "earshot",
        "aud": aud,
        "sub": real["sub"],
        "sid": real["sid"],
        "exp": now + exp_offset,
        "iat": now - 10,
        "jti": uuid::Uuid::new_v4().to_string(),
    })
}

fn random_seed() -> Vec<u8> {
    let mut seed = uuid::Uuid::new_v4().as_bytes().to_vec();
    seed.extend_from_slice(uuid::Uuid::new_v4().as_bytes());
    seed
}

/// A fresh Ed25519 private key as a PKCS#8 v1 PEM.
fn new_ed25519_pem() -> String {
    let mut der = hex_bytes("302e020100300506032b657004220420");
    der.extend_from_slice(&random_seed());
    format!(
        "-----BEGIN PRIVATE KEY-----\n{}\n-----END PRIVATE KEY-----\n",
        STANDARD.encode(der)
    )
}

fn hex_bytes(hex: &str) -> Vec<u8> {
    (0..hex.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).unwrap())
        .collect()
}

fn sign(algorithm: Algorithm, key: &EncodingKey, claims: &Value) -> String {
    jsonwebtoken::encode(&Header::new(algorithm), claims, key).unwrap()
}

fn sign_ed(pem: &[u8], claims: &Value) -> String {
    let key = EncodingKey::from_ed_pem(pem).unwrap();
    sign(Algorithm::EdDSA, &key, claims)
}

/// The app's own development signing key.
fn app_key_pem(app: &TestApp) -> Vec<u8> {
    std::fs::read(app.core.config().data_dir.join("dev-jwt-ed25519.pem")).unwrap()
}

/// The published verification keys.
async fn jwks(app: &TestApp) -> Value {
    app.request(Method::GET, "/.well-known/jwks.json", None, None)
        .await
        .json()
        .await
        .unwrap()
}

/// The problem body without its per-request id.
async fn problem_without_request_id(response: Response) -> (u16, Value) {
    let status = response.status().as_u16();
    let mut body: Value = response.json().await.unwrap();
    body.as_object_mut().unwrap().remove("request_id");
    (status, body)
}

/// An organization with an owner who has not logged in yet (no login attempt counted).
async fn account(app: &TestApp, name: &str) -> String {
    let email = format!("owner@{name}.test");
    app.create_org(name, &email).await;
    email
}

fn teams_path(tenant: &Tenant) -> String {
    format!("/v1/workspaces/{}/teams", tenant.workspace_id)
}

async fn invite(app: &TestApp, tenant: &Tenant, email: &str) -> String {
    let path = format!("/v1/workspaces/{}/members", tenant.workspace_id);
    let body = json!({ "email": email, "role": "agent" });
    let response = app.post(&path, &tenant.token, body).await;
    assert_eq!(response.status(), 201);
    let added: Value = response.json().await.unwrap();
    str_of(&added["invitation_token"])
}

async fn accept(app: &TestApp, token: &str, password: &str) -> Response {
    let body = json!({ "token": token, "password": password });
    post_anonymous(app, "/v1/auth/invitations/accept", body).await
}

async fn create_key(app: &TestApp, tenant: &Tenant, body: Value) -> (String, String) {
    let path = format!("/v1/workspaces/{}/api-keys", tenant.workspace_id);
    let response = app.post(&path, &tenant.token, body).await;
    assert_eq!(response.status(), 201);
    let created: Value = response.json().await.unwrap();
    (str_of(&created["key"]["id"]), str_of(&created["secret"]))
}

async fn post_raw(
    app: &TestApp,
    path: &str,
    token: &str,
    content_type: Option<&str>,
    body: impl Into<reqwest::Body>,
) -> Response {
    let mut req = app.client.post(app.url(path)).bearer_auth(token);
    if let Some(ct) = content_type {
        req = req.header("content-type", ct);
    }
    req.body(body).send().await.unwrap()
}

async fn post_with_key(app: &TestApp, path: &str, token: &str, key: &str, body: Value) -> Response {
    app.client
        .post(app.url(path))
        .bearer_auth(token)
        .header("idempotency-key", key)
        .json(&body)
        .send()
        .await
        .unwrap()
}

async fn team_count(app: &TestApp, tenant: &Tenant) -> usize {
    let list: Value = app
        .get(&teams_path(tenant), &tenant.token)
        .await
        .json()
        .await
        .unwrap();
    list["items"].as_array().unwrap().len()
}

// ---------------------------------------------------------------------------------------
// 1. login

#[tokio::test]
async fn the_right_password_gives_a_token_pair_that_works_on_me() {
    let app = TestApp::spawn().await;
    let email = account(&app, "acme").await;
    let pair = app.login(&email, PASSWORD).await;
    assert_eq!(pair["token_type"], "Bearer");
    assert!(pair["expires_in"].as_i64().unwrap() > 0);
    assert!(str_of(&pair["refresh_token"]).starts_with("esr_"));
    let me = app.get("/v1/me", &str_of(&pair["access_token"])).await;
    assert_eq!(me.status(), 200);
    let me: Value = me.json().await.unwrap();
    assert_eq!(me["user"]["email"], email);
    assert_eq!(me["organizations"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn an_unknown_email_and_a_wrong_password_get_the_same_answer() {
    let app = TestApp::spawn().await;
    let email = account(&app, "acme").await;
    let wrong = login_attempt(&app, &email, "not the password at all").await;
    assert_eq!(wrong.headers()["www-authenticate"], "Bearer");
    let wrong = problem_without_request_id(wrong).await;
    let unknown = login_attempt(&app, "nobody@acme.test", "not the password at all").await;
    let unknown = problem_without_request_id(unknown).await;
    assert_eq!(wrong.0, 401);
    assert_eq!(wrong.1["code"], "invalid_credentials");
    assert_eq!(wrong, unknown);
}

#[tokio::test]
async fn the_email_is_case_insensitive_at_login() {
    let app = TestApp::spawn().await;
    account(&app, "acme").await;
    let pair = app.login("  OWNER@Acme.TEST ", PASSWORD).await;
    assert_eq!(me_status(&app, &str_of(&pair["access_token"])).await, 200);
}

#[tokio::test]
async fn a_login_body_of_the_wrong_shape_is_refused_before_any_lookup() {
    let app = TestApp::spawn().await;
    let response = post_anonymous(&app, "/v1/auth/login", json!({ "email": "a@b.test" })).await;
    assert_problem(response, 422, "validation_failed").await;
}

// ---------------------------------------------------------------------------------------
// 2. refresh rotation

async fn refresh(app: &TestApp, refresh_token: &Value) -> Response {
    let body = json!({ "refresh_token": refresh_token });
    post_anonymous(app, "/v1/auth/refresh", body).await
}

#[tokio::test]
async fn a_refresh_gives_a_new_working_pair() {
    let app = TestApp::spawn().await;
    let email = account(&app, "acme").await;
    let first = app.login(&email, PASSWORD).await;
    let response = refresh(&app, &first["refresh_token"]).await;
    assert_eq!(response.status(), 200);
    let second: Value = response.json().await.unwrap();
    assert_ne!(second["refresh_token"], first["refresh_token"]);
    assert_ne!(second["access_token"], first["access_token"]);
    assert_eq!(me_status(&app, &str_of(&second["access_token"])).await, 200);
    let third = refresh(&app, &second["refresh_token"]).await;
    assert_eq!(third.status(), 200, "the new refresh token rotates too");
}

#[tokio::test]
async fn reusing_a_rotated_refresh_token_ends_the_whole_session() {
    let app = TestApp::spawn().await;
    let email = account(&app, "acme").await;
    let first = app.login(&email, PASSWORD).await;
    let second: Value = refresh(&app, &first["refresh_token"])
        .await
        .json()
        .await
        .unwrap();
    let reused = refresh(&app, &first["refresh_token"]).await;
    assert_problem(reused, 401, "refresh_token_reused").await;
    let newest = refresh(&app, &second["refresh_token"]).await;
    assert_eq!(
        newest.status(),
        401,
        "the newest refresh token is revoked too"
    );
    for access in [&first["access_token"], &second["access_token"]] {
        assert_eq!(me_status(&app, &str_of(access)).await, 401);
    }
}

#[tokio::test]
async fn reuse_ends_only_the_session_it_belongs_to() {
    let app = TestApp::spawn().await;
    let email = account(&app, "acme").await;
    let laptop = app.login(&email, PASSWORD).await;
    let phone = app.login(&email, PASSWORD).await;
    refresh(&app, &laptop["refresh_token"]).await;
    refresh(&app, &laptop["refresh_token"]).await;
    assert_eq!(me_status(&app, &str_of(&laptop["access_token"])).await, 401);
    assert_eq!(me_status(&app, &str_of(&phone["access_token"])).await, 200);
    assert_eq!(refresh(&app, &phone["refresh_token"]).await.status(), 200);
}

#[tokio::test]
async fn an_unknown_refresh_token_or_an_access_token_does_not_refresh() {
    let app = TestApp::spawn().await;
    let email = account(&app, "acme").await;
    let pair = app.login(&email, PASSWORD).await;
    let bogus = refresh(&app, &json!("esr_not-a-real-token")).await;
    assert_problem(bogus, 401, "invalid_refresh_token").await;
    let access = refresh(&app, &pair["access_token"]).await;
    assert_problem(access, 401, "invalid_refresh_token").await;
}

// ---------------------------------------------------------------------------------------
// 3. logout

#[tokio::test]
async fn logout_with_the_access_token_ends_access_and_refresh() {
    let app = TestApp::spawn().await;
    let email = account(&app, "acme").await;
    let pair = app.login(&email, PASSWORD).await;
    let access = str_of(&pair["access_token"]);
    let response = app
        .request(Method::POST, "/v1/auth/logout", Some(&access), None)
        .await;
    assert_eq!(response.status(), 204);
    assert_eq!(me_status(&app, &access).await, 401);
    let again = refresh(&app, &pair["refresh_token"]).await;
    assert_problem(again, 401, "invalid_refresh_token").await;
}

#[tokio::test]
async fn logout_with_only_the_refresh_token_ends_the_session() {
    let app = TestApp::spawn().await;
    let email = account(&app, "acme").await;
    let pair = app.login(&email, PASSWORD).await;
    let body = json!({ "refresh_token": pair["refresh_token"] });
    let response = post_anonymous(&app, "/v1/auth/logout", body).await;
    assert_eq!(response.status(), 204);
    assert_eq!(me_status(&app, &str_of(&pair["access_token"])).await, 401);
    assert_eq!(refresh(&app, &pair["refresh_token"]).await.status(), 401);
}

#[tokio::test]
async fn logout_leaves_the_other_sessions_alone() {
    let app = TestApp::spawn().await;
    let email = account(&app, "acme").await;
    let laptop = str_of(&app.login(&email, PASSWORD).await["access_token"]);
    let phone = str_of(&app.login(&email, PASSWORD).await["access_token"]);
    app.request(Method::POST, "/v1/auth/logout", Some(&laptop), None)
        .await;
    assert_eq!(me_status(&app, &laptop).await, 401);
    assert_eq!(me_status(&app, &phone).await, 200);
}

#[tokio::test]
async fn after_logout_every_workspace_route_refuses_the_token_before_anything_else() {
    let (app, acme, globex) = TestApp::two_workspaces().await;
    let other_session = str_of(&app.login(&acme.email, PASSWORD).await["access_token"]);
    let ws = format!("/v1/workspaces/{}", acme.workspace_id);
    assert_eq!(app.get(&ws, &acme.token).await.status(), 200);
    app.request(Method::POST, "/v1/auth/logout", Some(&acme.token), None)
        .await;
    let paths = [
        ws.clone(),
        format!("{ws}/conversations"),
        format!("/v1/workspaces/{}", globex.workspace_id),
        format!("/v1/workspaces/{}", uuid::Uuid::new_v4()),
        "/v1/workspaces/not-a-uuid/conversations".to_owned(),
    ];
    for path in paths {
        let refused = app.get(&path, &acme.token).await;
        assert_problem(refused, 401, "unauthenticated").await;
    }
    assert_eq!(app.get(&ws, &other_session).await.status(), 200);
}

#[tokio::test]
async fn logout_without_credentials_or_with_a_bogus_refresh_token_is_refused() {
    let app = TestApp::spawn().await;
    let none = app
        .request(Method::POST, "/v1/auth/logout", None, None)
        .await;
    assert_problem(none, 401, "unauthenticated").await;
    let body = json!({ "refresh_token": "esr_bogus" });
    let bogus = post_anonymous(&app, "/v1/auth/logout", body).await;
    assert_problem(bogus, 401, "invalid_refresh_token").await;
}

// ---------------------------------------------------------------------------------------
// 4. JWT refusals

/// An app, a logged-in owner's access token and its claims.
async fn logged_in(app: &TestApp) -> (String, Value) {
    let email = account(app, "acme").await;
    let access = str_of(&app.login(&email, PASSWORD).await["access_token"]);
    let claims = claims_of(&access);
    (access, claims)
}

#[tokio::test]
async fn a_token_signed_with_our_key_and_valid_claims_is_accepted() {
    // The control for the refusals below: the forging itself is sound.
    let app = TestApp::spawn().await;
    let (_, real) = logged_in(&app).await;
    let token = sign_ed(
        &app_key_pem(&app),
        &forged_claims(&real, 600, "earshot-api"),
    );
    assert_eq!(me_status(&app, &token).await, 200);
}

#[tokio::test]
async fn an_unsigned_alg_none_token_is_refused() {
    let app = TestApp::spawn().await;
    let (_, real) = logged_in(&app).await;
    let header = b64_json(&json!({ "alg": "none", "typ": "JWT" }));
    let claims = b64_json(&forged_claims(&real, 600, "earshot-api"));
    for token in [format!("{header}.{claims}."), format!("{header}.{claims}")] {
        assert_problem(app.get("/v1/me", &token).await, 401, "invalid_token").await;
    }
}

#[tokio::test]
async fn an_hs256_token_is_refused_by_an_eddsa_deployment() {
    let app = TestApp::spawn().await;
    let (_, real) = logged_in(&app).await;
    let claims = forged_claims(&real, 600, "earshot-api");
    let jwks = jwks(&app).await;
    // Key confusion: the published public key used as an HMAC secret.
    let public = str_of(&jwks["keys"][0]["x"]);
    for secret in [HS_SECRET.as_bytes(), public.as_bytes()] {
        let token = sign(Algorithm::HS256, &EncodingKey::from_secret(secret), &claims);
        assert_eq!(me_status(&app, &token).await, 401);
    }
}

#[tokio::test]
async fn a_token_signed_with_another_ed25519_key_is_refused() {
    let app = TestApp::spawn().await;
    let (_, real) = logged_in(&app).await;
    let pem = new_ed25519_pem();
    let token = sign_ed(pem.as_bytes(), &forged_claims(&real, 600, "earshot-api"));
    assert_problem(app.get("/v1/me", &token).await, 401, "invalid_token").await;
}

#[tokio::test]
async fn an_expired_token_is_refused() {
    let app = TestApp::spawn().await;
    let (_, real) = logged_in(&app).await;
    let token = sign_ed(
        &app_key_pem(&app),
        &forged_claims(&real, -120, "earshot-api"),
    );
    let body = assert_problem(app.get("/v1/me", &token).await, 401, "invalid_token").await;
    assert!(str_of(&body["detail"]).contains("expired"), "{body}");
}

#[tokio::test]
async fn a_token_for_another_audience_or_issuer_is_refused() {
    let app = TestApp::spawn().await;
    let (_, real) = logged_in(&app).await;
    let key = app_key_pem(&app);
    let other_aud = sign_ed(&key, &forged_claims(&real, 600, "someone-else"));
    assert_eq!(me_status(&app, &other_aud).await, 401);
    let mut claims = forged_claims(&real, 600, "earshot-api");
    claims["iss"] = json!("not-earshot");
    assert_eq!(me_status(&app, &sign_ed(&key, &claims)).await, 401);
    claims["iss"] = json!("earshot");
    claims.as_object_mut().unwrap().remove("exp");
    assert_eq!(
        me_status(&app, &sign_ed(&key, &claims)).await,
        401,
        "no exp"
    );
}

#[tokio::test]
async fn a_validly_signed_token_for_another_session_or_user_is_refused() {
    let app = TestApp::spawn().await;
    let (_, real) = logged_in(&app).await;
    let key = app_key_pem(&app);
    let mut claims = forged_claims(&real, 600, "earshot-api");
    claims["sid"] = json!(uuid::Uuid::new_v4().to_string());
    assert_eq!(me_status(&app, &sign_ed(&key, &claims)).await, 401);
    let mut claims = forged_claims(&real, 600, "earshot-api");
    claims["sub"] = json!(uuid::Uuid::new_v4().to_string());
    assert_eq!(me_status(&app, &sign_ed(&key, &claims)).await, 401);
}

#[tokio::test]
async fn garbage_and_malformed_authorization_headers_are_refused() {
    let app = TestApp::spawn().await;
    let (access, _) = logged_in(&app).await;
    assert_problem(app.get("/v1/me", "garbage").await, 401, "invalid_token").await;
    for value in [
        "Basic b3duZXI6cGFzcw==".to_owned(),
        access.clone(),
        format!("Bearer{access}"),
        "Bearer ".to_owned(),
    ] {
        let response = app
            .client
            .get(app.url("/v1/me"))
            .header("authorization", value)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 401);
    }
}

// ---------------------------------------------------------------------------------------
// 5. other algorithms

async fn spawn_hs256() -> TestApp {
    TestApp::spawn_with(|config| {
        config.jwt.algorithm = JwtAlgorithm::Hs256;
        config.jwt.secret = Some(HS_SECRET.to_owned().into());
    })
    .await
}

#[tokio::test]
async fn an_hs256_deployment_verifies_its_own_tokens_and_publishes_no_keys() {
    let app = spawn_hs256().await;
    let (access, real) = logged_in(&app).await;
    assert_eq!(me_status(&app, &access).await, 200);
    let header = claims_of(&format!("x.{}", access.split('.').next().unwrap()));
    assert_eq!(header["alg"], "HS256");
    let jwks = jwks(&app).await;
    assert_eq!(jwks, json!({ "keys": [] }));
    let claims = forged_claims(&real, 600, "earshot-api");
    let ours = sign(
        Algorithm::HS256,
        &EncodingKey::from_secret(HS_SECRET.as_bytes()),
        &claims,
    );
    assert_eq!(me_status(&app, &ours).await, 200);
    let other_secret = EncodingKey::from_secret(b"another-secret-of-more-than-32-characters");
    assert_eq!(
        me_status(&app, &sign(Algorithm::HS256, &other_secret, &claims)).await,
        401
    );
}

#[tokio::test]
async fn an_hs256_deployment_refuses_an_eddsa_token() {
    let app = spawn_hs256().await;
    let (_, real) = logged_in(&app).await;
    let pem = new_ed25519_pem();
    let token = sign_ed(pem.as_bytes(), &forged_claims(&real, 600, "earshot-api"));
    assert_problem(app.get("/v1/me", &token).await, 401, "invalid_token").await;
}

/// Randomness for generating a test key (uuid v4 draws from the OS).
struct UuidRng;

impl rsa::rand_core::RngCore for UuidRng {
    fn next_u32(&mut self) -> u32 {
        let mut bytes = [0u8; 4];
        self.fill_bytes(&mut bytes);
        u32::from_le_bytes(bytes)
    }

    fn next_u64(&mut self) -> u64 {
        let mut bytes = [0u8; 8];
        self.fill_bytes(&mut bytes);
        u64::from_le_bytes(bytes)
    }

    fn fill_bytes(&mut self, dest: &mut [u8]) {
        for chunk in dest.chunks_mut(16) {
            let random = uuid::Uuid::new_v4();
            chunk.copy_from_slice(&random.as_bytes()[..chunk.len()]);
        }
    }

    fn try_fill_bytes(&mut self, dest: &mut [u8]) -> Result<(), rsa::rand_core::Error> {
        self.fill_bytes(dest);
        Ok(())
    }
}

impl rsa::rand_core::CryptoRng for UuidRng {}

fn new_rsa_pem() -> String {
    use rsa::pkcs8::EncodePrivateKey;
    let key = rsa::RsaPrivateKey::new(&mut UuidRng, 2048).unwrap();
    key.to_pkcs8_pem(rsa::pkcs8::LineEnding::LF)
        .unwrap()
        .to_string()
}

#[tokio::test]
async fn an_rs256_deployment_publishes_its_key_and_refuses_other_algorithms() {
    let pem = new_rsa_pem();
    let app = TestApp::spawn_with(|config| {
        let path = config.data_dir.join("jwt-rs256.pem");
        std::fs::write(&path, &pem).unwrap();
        config.jwt.algorithm = JwtAlgorithm::Rs256;
        config.jwt.private_key_file = Some(path);
    })
    .await;
    let (access, real) = logged_in(&app).await;
    assert_eq!(me_status(&app, &access).await, 200);
    let jwks = jwks(&app).await;
    assert_eq!(jwks["keys"][0]["kty"], "RSA");
    assert_eq!(jwks["keys"][0]["alg"], "RS256");
    assert!(jwks["keys"][0].get("d").is_none(), "no private part");
    let claims = forged_claims(&real, 600, "earshot-api");
    let ours = sign(
        Algorithm::RS256,
        &EncodingKey::from_rsa_pem(pem.as_bytes()).unwrap(),
        &claims,
    );
    assert_eq!(me_status(&app, &ours).await, 200);
    let eddsa = sign_ed(new_ed25519_pem().as_bytes(), &claims);
    assert_eq!(me_status(&app, &eddsa).await, 401);
    let public = str_of(&jwks["keys"][0]["n"]);
    let confused = sign(
        Algorithm::HS256,
        &EncodingKey::from_secret(public.as_bytes()),
        &claims,
    );
    assert_eq!(me_status(&app, &confused).await, 401);
}

// ---------------------------------------------------------------------------------------
// 6. login rate limits

fn assert_retry_after(response: &Response) {
    let retry_after: u64 = response.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!(retry_after >= 1, "retry-after {retry_after}");
}

#[tokio::test]
async fn the_fourth_login_on_one_account_is_rate_limited_even_with_the_right_password() {
    let app = TestApp::spawn_with(|c| c.rate_limits.login_per_account = 3).await;
    let email = account(&app, "acme").await;
    let other = account(&app, "globex").await;
    for _ in 0..3 {
        assert_eq!(
            login_attempt(&app, &email, "wrong password!")
                .await
                .status(),
            401
        );
    }
    let limited = login_attempt(&app, &email, PASSWORD).await;
    assert_retry_after(&limited);
    assert_problem(limited, 429, "rate_limited").await;
    let shouting = login_attempt(&app, &email.to_uppercase(), PASSWORD).await;
    assert_eq!(
        shouting.status(),
        429,
        "the account is the same in any case"
    );
    assert_eq!(login_attempt(&app, &other, PASSWORD).await.status(), 200);
}

#[tokio::test]
async fn the_fourth_login_from_one_address_is_rate_limited() {
    let app = TestApp::spawn_with(|c| c.rate_limits.login_per_ip = 3).await;
    let emails = [
        account(&app, "acme").await,
        account(&app, "globex").await,
        account(&app, "initech").await,
        account(&app, "umbrella").await,
    ];
    for email in &emails[..3] {
        assert_eq!(login_attempt(&app, email, PASSWORD).await.status(), 200);
    }
    let limited = login_attempt(&app, &emails[3], PASSWORD).await;
    assert_retry_after(&limited);
    assert_problem(limited, 429, "rate_limited").await;
}

async fn login_from(app: &TestApp, email: &str, forwarded_for: &str) -> u16 {
    let body = json!({ "email": email, "password": PASSWORD });
    let response = app
        .client
        .post(app.url("/v1/auth/login"))
        .header("x-forwarded-for", forwarded_for)
        .json(&body)
        .send()
        .await
        .unwrap();
    response.status().as_u16()
}

#[tokio::test]
async fn a_forged_x_forwarded_for_does_not_dodge_the_address_limit() {
    let app = TestApp::spawn_with(|c| c.rate_limits.login_per_ip = 2).await;
    let email = account(&app, "acme").await;
    for n in 1..=2 {
        assert_eq!(login_from(&app, &email, &format!("10.0.0.{n}")).await, 200);
    }
    assert_eq!(login_from(&app, &email, "10.0.0.3").await, 429);
}

#[tokio::test]
async fn behind_a_trusted_proxy_the_address_limit_is_per_client() {
    let app = TestApp::spawn_with(|c| {
        c.rate_limits.login_per_ip = 2;
        c.trust_forwarded_for = true;
    })
    .await;
    let email = account(&app, "acme").await;
    for _ in 0..2 {
        assert_eq!(login_from(&app, &email, "203.0.113.7").await, 200);
    }
    assert_eq!(login_from(&app, &email, "203.0.113.7").await, 429);
    assert_eq!(login_from(&app, &email, "198.51.100.9").await, 200);
}

// ---------------------------------------------------------------------------------------
// 7. password policy and invitations

#[tokio::test]
async fn an_invitation_with_a_weak_password_is_refused_and_still_works_afterwards() {
    let app = TestApp::spawn().await;
    let tenant = app.tenant("Acme").await;
    let token = invite(&app, &tenant, "new.agent@acme.test").await;
    let body = assert_problem(
        accept(&app, &token, "short").await,
        422,
        "validation_failed",
    )
    .await;
    assert_eq!(body["errors"][0]["field"], "password");
    assert_eq!(body["errors"][0]["code"], "weak_password");
    let same = accept(&app, &token, "new.agent@acme.test").await;
    assert_problem(same, 422, "validation_failed").await;
    let accepted = accept(&app, &token, PASSWORD).await;
    assert_eq!(accepted.status(), 200);
    let pair: Value = accepted.json().await.unwrap();
    assert_eq!(me_status(&app, &str_of(&pair["access_token"])).await, 200);
    app.login("new.agent@acme.test", PASSWORD).await;
}

#[tokio::test]
async fn a_used_or_bogus_invitation_is_refused() {
    let app = TestApp::spawn().await;
    let tenant = app.tenant("Acme").await;
    let token = invite(&app, &tenant, "new.agent@acme.test").await;
    assert_eq!(accept(&app, &token, PASSWORD).await.status(), 200);
    let used = accept(&app, &token, "another good passphrase").await;
    assert_problem(used, 401, "invalid_invitation").await;
    let bogus = accept(&app, "not-an-invitation", PASSWORD).await;
    assert_problem(bogus, 401, "invalid_invitation").await;
    app.login("new.agent@acme.test", PASSWORD).await;
}

#[tokio::test]
async fn an_invited_user_cannot_log_in_before_accepting() {
    let app = TestApp::spawn().await;
    let tenant = app.tenant("Acme").await;
    invite(&app, &tenant, "new.agent@acme.test").await;
    let response = login_attempt(&app, "new.agent@acme.test", "").await;
    assert_problem(response, 401, "invalid_credentials").await;
}

#[tokio::test]
async fn an_org_with_a_weak_owner_password_is_refused_and_stores_nothing() {
    let app = TestApp::spawn().await;
    let org = |password: &str| {
        json!({
            "name": "Acme",
            "owner": { "email": "owner@acme.test", "password": password },
            "workspace_name": "Acme desk",
        })
    };
    let weak = app
        .post("/v1/orgs", PLATFORM_TOKEN, org("aaaaaaaaaaaa"))
        .await;
    let body = assert_problem(weak, 422, "validation_failed").await;
    assert_eq!(body["errors"][0]["field"], "owner.password");
    assert_eq!(body["errors"][0]["code"], "weak_password");
    let nobody = login_attempt(&app, "owner@acme.test", "aaaaaaaaaaaa").await;
    assert_eq!(nobody.status(), 401);
    let good = app.post("/v1/orgs", PLATFORM_TOKEN, org(PASSWORD)).await;
    assert_eq!(good.status(), 201);
    app.login("owner@acme.test", PASSWORD).await;
}

// ---------------------------------------------------------------------------------------
// 8. API keys

#[tokio::test]
async fn an_api_key_works_on_its_own_workspace_only() {
    let app = TestApp::spawn().await;
    let acme = app.tenant("Acme").await;
    let globex = app.tenant("Globex").await;
    let (_, secret) = app.api_key(&acme, &["settings:manage"]).await;
    assert_eq!(app.get(&teams_path(&acme), &secret).await.status(), 200);
    let elsewhere = app.get(&teams_path(&globex), &secret).await;
    assert_problem(elsewhere, 404, "not_found").await;
    let (_, reader) = app.api_key(&acme, &["contacts:read"]).await;
    let unscoped = app.get(&teams_path(&acme), &reader).await;
    assert_problem(unscoped, 403, "forbidden").await;
}

#[tokio::test]
async fn a_revoked_api_key_stops_working_at_once() {
    let app = TestApp::spawn().await;
    let tenant = app.tenant("Acme").await;
    let (id, secret) = app.api_key(&tenant, &["settings:manage"]).await;
    assert_eq!(app.get(&teams_path(&tenant), &secret).await.status(), 200);
    let path = format!("/v1/workspaces/{}/api-keys/{id}", tenant.workspace_id);
    assert_eq!(app.delete(&path, &tenant.token).await.status(), 204);
    let refused = app.get(&teams_path(&tenant), &secret).await;
    assert_problem(refused, 401, "unauthenticated").await;
}

#[tokio::test]
async fn a_key_over_its_request_allowance_waits_without_slowing_other_callers() {
    let app = TestApp::spawn_with(|c| c.rate_limits.requests_per_minute = 3).await;
    let tenant = app.tenant("Acme").await;
    let (_, secret) = app.api_key(&tenant, &["settings:manage"]).await;
    for _ in 0..3 {
        assert_eq!(app.get(&teams_path(&tenant), &secret).await.status(), 200);
    }
    let limited = app.get(&teams_path(&tenant), &secret).await;
    assert_retry_after(&limited);
    assert_problem(limited, 429, "rate_limited").await;
    assert_eq!(me_status(&app, &tenant.token).await, 200);
}

#[tokio::test]
async fn an_expired_api_key_stops_working() {
    let app = TestApp::spawn().await;
    let tenant = app.tenant("Acme").await;
    let expires_at = chrono::Utc::now() + chrono::Duration::seconds(2);
    let body =
        json!({ "name": "short-lived", "scopes": ["settings:manage"], "expires_at": expires_at });
    let (_, secret) = create_key(&app, &tenant, body).await;
    assert_eq!(app.get(&teams_path(&tenant), &secret).await.status(), 200);
    tokio::time::sleep(Duration::from_secs(3)).await;
    let refused = app.get(&teams_path(&tenant), &secret).await;
    assert_problem(refused, 401, "unauthenticated").await;
}

#[tokio::test]
async fn an_api_key_in_the_past_cannot_be_created() {
    let app = TestApp::spawn().await;
    let tenant = app.tenant("Acme").await;
    let path = format!("/v1/workspaces/{}/api-keys", tenant.workspace_id);
    let past = chrono::Utc::now() - chrono::Duration::seconds(5);
    let body = json!({ "name": "old", "scopes": ["settings:manage"], "expires_at": past });
    let response = app.post(&path, &tenant.token, body).await;
    let body = assert_problem(response, 422, "validation_failed").await;
    assert_eq!(body["errors"][0]["field"], "expires_at");
}

#[tokio::test]
async fn using_an_api_key_records_when_it_was_last_used() {
    let app = TestApp::spawn().await;
    let tenant = app.tenant("Acme").await;
    let (id, secret) = app.api_key(&tenant, &["settings:manage"]).await;
    let path = format!("/v1/workspaces/{}/api-keys/{id}", tenant.workspace_id);
    let before: Value = app.get(&path, &tenant.token).await.json().await.unwrap();
    assert!(before["last_used_at"].is_null());
    app.get(&teams_path(&tenant), &secret).await;
    let after: Value = app.get(&path, &tenant.token).await.json().await.unwrap();
    assert!(after["last_used_at"].is_string(), "{after}");
    assert!(
        after.to_string().find(&secret).is_none(),
        "the secret is never shown again"
    );
}

#[tokio::test]
async fn an_api_key_has_no_session_to_log_out_of() {
    let app = TestApp::spawn().await;
    let tenant = app.tenant("Acme").await;
    let (_, secret) = app.api_key(&tenant, &["settings:manage"]).await;
    let response = app
        .request(Method::POST, "/v1/auth/logout", Some(&secret), None)
        .await;
    assert_problem(response, 403, "people_only").await;
    assert_eq!(app.get(&teams_path(&tenant), &secret).await.status(), 200);
}

// ---------------------------------------------------------------------------------------
// 9. credentials only in the Authorization header

#[tokio::test]
async fn credentials_in_the_query_string_are_ignored() {
    let app = TestApp::spawn().await;
    let tenant = app.tenant("Acme").await;
    let (_, secret) = app.api_key(&tenant, &["settings:manage"]).await;
    for (path, token) in [
        ("/v1/me".to_owned(), &tenant.token),
        (teams_path(&tenant), &secret),
    ] {
        for name in ["access_token", "api_key", "token"] {
            let url = app.url(&format!("{path}?{name}={token}"));
            let response = app.client.get(url).send().await.unwrap();
            assert_eq!(response.status(), 401, "{path}?{name}=");
        }
    }
}

// ---------------------------------------------------------------------------------------
// 10. edge errors

#[tokio::test]
async fn malformed_json_is_a_400_problem() {
    let app = TestApp::spawn().await;
    let tenant = app.tenant("Acme").await;
    let path = teams_path(&tenant);
    let response = post_raw(
        &app,
        &path,
        &tenant.token,
        Some("application/json"),
        "{\"name\":",
    )
    .await;
    assert_problem(response, 400, "malformed_json").await;
}

#[tokio::test]
async fn access_is_answered_before_input_that_cannot_be_read() {
    let (app, acme, globex) = TestApp::two_workspaces().await;
    let malformed = |path: String, token: String| {
        let app = &app;
        async move { post_raw(app, &path, &token, Some("application/json"), "{\"name\":").await }
    };
    let own = teams_path(&acme);
    let own_member = format!("/v1/orgs/{}/members/{}", acme.org_id, acme.user_id);
    let other_member = format!("/v1/orgs/{}/members/{}", globex.org_id, globex.user_id);
    let bad_role = json!({ "role": "emperor" });

    // Another tenant's workspace or organization is not found, whatever the input.
    let foreign = teams_path(&globex);
    let refused = malformed(foreign.clone(), acme.token.clone()).await;
    assert_problem(refused, 404, "not_found").await;
    let refused = app.get(&format!("{foreign}?limit=abc"), &acme.token).await;
    assert_problem(refused, 404, "not_found").await;
    let refused = app.post(&foreign, &acme.token, json!({ "name": 42 })).await;
    assert_problem(refused, 404, "not_found").await;
    let refused = app
        .patch(&other_member, &acme.token, bad_role.clone())
        .await;
    assert_problem(refused, 404, "not_found").await;
    // In one's own, the input's own problem.
    assert_problem(
        malformed(own.clone(), acme.token.clone()).await,
        400,
        "malformed_json",
    )
    .await;
    let refused = app.patch(&own_member, &acme.token, bad_role.clone()).await;
    assert_problem(refused, 422, "validation_failed").await;

    // A token no longer in force hears so first, on every kind of input.
    app.request(Method::POST, "/v1/auth/logout", Some(&acme.token), None)
        .await;
    let refused = malformed(own.clone(), acme.token.clone()).await;
    assert_problem(refused, 401, "unauthenticated").await;
    let refused = app.get(&format!("{own}?limit=abc"), &acme.token).await;
    assert_problem(refused, 401, "unauthenticated").await;
    let no_id = format!(
        "/v1/workspaces/{}/conversations/not-an-id",
        acme.workspace_id
    );
    assert_problem(app.get(&no_id, &acme.token).await, 401, "unauthenticated").await;
    let refused = app.patch(&own_member, &acme.token, bad_role).await;
    assert_problem(refused, 401, "unauthenticated").await;
}

#[tokio::test]
async fn json_of_the_wrong_shape_or_type_is_a_422_problem() {
    let app = TestApp::spawn().await;
    let tenant = app.tenant("Acme").await;
    let path = teams_path(&tenant);
    for body in [
        json!({ "name": 42 }),
        json!([1, 2]),
        json!({ "description": "no name" }),
    ] {
        let response = app.post(&path, &tenant.token, body).await;
        assert_problem(response, 422, "validation_failed").await;
    }
}

#[tokio::test]
async fn a_body_without_a_json_content_type_is_a_415_problem() {
    let app = TestApp::spawn().await;
    let tenant = app.tenant("Acme").await;
    let path = teams_path(&tenant);
    let body = json!({ "name": "Escalations" }).to_string();
    let none = post_raw(&app, &path, &tenant.token, None, body.clone()).await;
    assert_problem(none, 415, "unsupported_media_type").await;
    let text = post_raw(&app, &path, &tenant.token, Some("text/plain"), body).await;
    assert_problem(text, 415, "unsupported_media_type").await;
}

#[tokio::test]
async fn a_body_over_the_configured_limit_is_a_413_problem() {
    let app = TestApp::spawn_with(|c| c.body_limit_bytes = 2048).await;
    let tenant = app.tenant("Acme").await;
    let body = json!({ "name": "Escalations", "description": "x".repeat(10_000) });
    let response = app
        .post(&teams_path(&tenant), &tenant.token, body.clone())
        .await;
    assert_problem(response, 413, "payload_too_large").await;
    let keyed = post_with_key(&app, &teams_path(&tenant), &tenant.token, "big-1", body).await;
    assert_problem(keyed, 413, "payload_too_large").await;
    let login = json!({ "email": "x".repeat(10_000), "password": PASSWORD });
    let response = post_anonymous(&app, "/v1/auth/login", login).await;
    assert_problem(response, 413, "payload_too_large").await;
}

#[tokio::test]
async fn json_nested_ten_thousand_deep_is_refused_and_the_server_keeps_serving() {
    let app = TestApp::spawn().await;
    let tenant = app.tenant("Acme").await;
    let deep = |open: &str, close: &str| format!("{}{}", open.repeat(10_000), close.repeat(10_000));
    let bodies = [
        deep("[", "]"),
        format!("{{\"name\":{}}}", deep("[", "]")),
        format!(
            "{{\"name\":\"x\",\"extra\":{}}}",
            deep("{\"a\":", "}").replace("{\"a\":}", "{\"a\":1}")
        ),
    ];
    for body in bodies {
        let response = post_raw(
            &app,
            &teams_path(&tenant),
            &tenant.token,
            Some("application/json"),
            body,
        )
        .await;
        assert_problem(response, 400, "json_too_deep").await;
    }
    assert_eq!(me_status(&app, &tenant.token).await, 200);
}

#[tokio::test]
async fn a_bad_query_string_is_a_400_problem() {
    let app = TestApp::spawn().await;
    let tenant = app.tenant("Acme").await;
    let path = teams_path(&tenant);
    for query in [
        "limit=abc",
        "limit=500",
        "limit=0",
        "limit=-1",
        "foo=1",
        "sort=name",
    ] {
        let response = app.get(&format!("{path}?{query}"), &tenant.token).await;
        assert_problem(response, 400, "invalid_query").await;
    }
    assert_eq!(
        app.get(&format!("{path}?limit=200"), &tenant.token)
            .await
            .status(),
        200
    );
}

#[tokio::test]
async fn a_tampered_cursor_is_a_400_problem() {
    let app = TestApp::spawn().await;
    let tenant = app.tenant("Acme").await;
    let path = teams_path(&tenant);
    for name in ["One", "Two", "Three"] {
        app.post(&path, &tenant.token, json!({ "name": name }))
            .await;
    }
    let page: Value = app
        .get(&format!("{path}?limit=1"), &tenant.token)
        .await
        .json()
        .await
        .unwrap();
    let cursor = str_of(&page["next_cursor"]);
    let next = app
        .get(&format!("{path}?limit=1&cursor={cursor}"), &tenant.token)
        .await;
    assert_eq!(next.status(), 200);
    let mut chars: Vec<char> = cursor.chars().collect();
    chars[3] = if chars[3] == 'A' { 'B' } else { 'A' };
    let tampered: String = chars.into_iter().collect();
    for bad in [tampered.as_str(), "not-a-cursor"] {
        let response = app
            .get(&format!("{path}?cursor={bad}"), &tenant.token)
            .await;
        assert_problem(response, 400, "invalid_cursor").await;
    }
    let not_text = app.get(&format!("{path}?cursor=%FF"), &tenant.token).await;
    assert_problem(not_text, 400, "invalid_query").await;
}

#[tokio::test]
async fn oversized_headers_are_a_431_problem() {
    let app = TestApp::spawn().await;
    let tenant = app.tenant("Acme").await;
    let response = app
        .client
        .get(app.url("/v1/me"))
        .bearer_auth(&tenant.token)
        .header("x-padding", "a".repeat(64 * 1024))
        .send()
        .await
        .unwrap();
    assert_problem(response, 431, "headers_too_large").await;
    assert_eq!(me_status(&app, &tenant.token).await, 200);
}

#[tokio::test]
async fn headers_past_what_the_http_layer_parses_are_refused_with_431() {
    // Beyond 128 KiB actix refuses the head itself, before any of our code runs, so
    // the answer is a bare 431 without a problem body.
    let app = TestApp::spawn().await;
    let response = app
        .client
        .get(app.url("/healthz"))
        .header("x-padding", "a".repeat(200 * 1024))
        .send()
        .await;
    if let Ok(response) = response {
        assert_eq!(response.status(), 431);
    }
    let health = app.request(Method::GET, "/healthz", None, None).await;
    assert_eq!(health.status(), 200);
}

// ---------------------------------------------------------------------------------------
// 11. Idempotency-Key

#[tokio::test]
async fn the_same_idempotency_key_and_body_create_one_team_and_replay_the_answer() {
    let app = TestApp::spawn().await;
    let tenant = app.tenant("Acme").await;
    let body = json!({ "name": "Escalations" });
    let path = teams_path(&tenant);
    let first = post_with_key(&app, &path, &tenant.token, "create-team-1", body.clone()).await;
    assert_eq!(first.status(), 201);
    assert!(first.headers().get("idempotent-replayed").is_none());
    let first_type = first.headers()["content-type"].clone();
    let first_body = first.text().await.unwrap();
    let second = post_with_key(&app, &path, &tenant.token, "create-team-1", body).await;
    assert_eq!(second.status(), 201);
    assert_eq!(second.headers()["idempotent-replayed"], "true");
    assert_eq!(second.headers()["content-type"], first_type);
    assert_eq!(second.text().await.unwrap(), first_body);
    assert_eq!(team_count(&app, &tenant).await, 1);
}

#[tokio::test]
async fn the_same_idempotency_key_with_another_body_is_a_409() {
    let app = TestApp::spawn().await;
    let tenant = app.tenant("Acme").await;
    let path = teams_path(&tenant);
    let body = json!({ "name": "Escalations" });
    post_with_key(&app, &path, &tenant.token, "create-team-1", body).await;
    let other = json!({ "name": "Billing" });
    let response = post_with_key(&app, &path, &tenant.token, "create-team-1", other).await;
    assert_problem(response, 409, "idempotency_key_reused").await;
    assert_eq!(team_count(&app, &tenant).await, 1);
}

#[tokio::test]
async fn the_same_idempotency_key_from_another_caller_is_independent() {
    let app = TestApp::spawn().await;
    let tenant = app.tenant("Acme").await;
    let (_, secret) = app.api_key(&tenant, &["settings:manage"]).await;
    let path = teams_path(&tenant);
    let first = post_with_key(&app, &path, &tenant.token, "k-1", json!({ "name": "One" })).await;
    assert_eq!(first.status(), 201);
    let second = post_with_key(&app, &path, &secret, "k-1", json!({ "name": "Two" })).await;
    assert_eq!(second.status(), 201);
    assert!(second.headers().get("idempotent-replayed").is_none());
    assert_eq!(team_count(&app, &tenant).await, 2);
}

#[tokio::test]
async fn a_retry_after_refreshing_the_access_token_is_still_a_replay() {
    let app = TestApp::spawn().await;
    let account = account(&app, "acme").await;
    let pair = app.login(&account, PASSWORD).await;
    let me: Value = app
        .get("/v1/me", &str_of(&pair["access_token"]))
        .await
        .json()
        .await
        .unwrap();
    let ws = str_of(&me["organizations"][0]["workspaces"][0]["id"]);
    let path = format!("/v1/workspaces/{ws}/teams");
    let body = json!({ "name": "Escalations" });
    let first = post_with_key(
        &app,
        &path,
        &str_of(&pair["access_token"]),
        "k-1",
        body.clone(),
    )
    .await;
    assert_eq!(first.status(), 201, "{path}");
    let renewed: Value = refresh(&app, &pair["refresh_token"])
        .await
        .json()
        .await
        .unwrap();
    let access = str_of(&renewed["access_token"]);
    let retry = post_with_key(&app, &path, &access, "k-1", body).await;
    assert_eq!(retry.status(), 201);
    assert_eq!(retry.headers()["idempotent-replayed"], "true");
}

#[tokio::test]
async fn an_invalid_idempotency_key_is_a_400() {
    let app = TestApp::spawn().await;
    let tenant = app.tenant("Acme").await;
    let path = teams_path(&tenant);
    for key in ["with space", &"k".repeat(256)] {
        let response = post_with_key(&app, &path, &tenant.token, key, json!({ "name": "A" })).await;
        assert_problem(response, 400, "invalid_idempotency_key").await;
    }
    assert_eq!(team_count(&app, &tenant).await, 0);
}

#[tokio::test]
async fn session_endpoints_ignore_idempotency_keys_and_never_replay_tokens() {
    let app = TestApp::spawn().await;
    let email = account(&app, "acme").await;
    let body = json!({ "email": email, "password": PASSWORD });
    let mut tokens = Vec::new();
    for _ in 0..2 {
        let response = app
            .client
            .post(app.url("/v1/auth/login"))
            .header("idempotency-key", "login-1")
            .json(&body)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200);
        assert!(response.headers().get("idempotent-replayed").is_none());
        let pair: Value = response.json().await.unwrap();
        tokens.push(pair["refresh_token"].clone());
    }
    assert_ne!(tokens[0], tokens[1]);
}

#[tokio::test]
async fn a_rate_limited_post_is_not_stored_for_replay() {
    let app = TestApp::spawn_with(|c| c.rate_limits.requests_per_minute = 2).await;
    let tenant = app.tenant("Acme").await;
    let path = teams_path(&tenant);
    let body = json!({ "name": "Escalations" });
    let mut limited = None;
    for n in 0..4 {
        let response =
            post_with_key(&app, &path, &tenant.token, &format!("k-{n}"), body.clone()).await;
        if response.status() == 429 {
            limited = Some(format!("k-{n}"));
            break;
        }
    }
    let key = limited.unwrap();
    let again = post_with_key(&app, &path, &tenant.token, &key, body).await;
    assert_eq!(again.status(), 429);
    assert!(again.headers().get("idempotent-replayed").is_none());
}
