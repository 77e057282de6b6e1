//! Local fakes of the social platforms' send APIs (X, Meta Graph, Telegram) and of a
//! partner's callback endpoint, so that tests of outbound replies run against something that
//! speaks each platform's wire format — status codes, bodies, error shapes, rate-limit headers
//! — as `/work/shared/channels.md` documents it, without the network. Besides the sends they
//! answer the "who am I" calls a channel's connect check makes: X `GET /2/users/me`, Graph
//! `GET /{id}?fields=…` and Telegram `getMe`, and X's user mention timeline
//! (`GET /2/users/{id}/mentions`, channels.md §1.6) over posts a test seeds with
//! [`FakePlatforms::x_mention`].
//!
//! One server on 127.0.0.1 (a random port) serves all four under their own prefix; point a
//! channel's `api_base_url` at [`FakePlatforms::base_url`]. Every request is recorded, and a
//! test can script trouble ([`FakePlatforms::fail_next`]) or revoke a token
//! ([`FakePlatforms::expire_token`]) to provoke the pitfalls of channels.md §8.

use std::cmp::Ordering;
use std::collections::{HashMap, HashSet, VecDeque};
use std::net::TcpListener;
use std::num::NonZeroU64;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use actix_web::http::StatusCode;
use actix_web::{App, HttpRequest, HttpResponse, HttpServer, web};
use chrono::{DateTime, SecondsFormat, Utc};
use serde_json::{Value, json};

/// A platform the fake stands in for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Platform {
    /// X API v2 (`/x/2/...`), OAuth 1.0a user context.
    X,
    /// Meta Graph API (`/graph/vNN.0/...`): Facebook, Messenger, Instagram, WhatsApp.
    Meta,
    /// Telegram Bot API (`/telegram/bot<token>/...`).
    Telegram,
    /// A partner's callback URL (`/partner/callback`), signed with Standard Webhooks.
    Partner,
}

impl Platform {
    /// The first path segment the platform is served under.
    fn prefix(self) -> &'static str {
        match self {
            Platform::X => "x",
            Platform::Meta => "graph",
            Platform::Telegram => "telegram",
            Platform::Partner => "partner",
        }
    }

    /// The platform a path's first segment names, if any.
    fn of_prefix(segment: &str) -> Option<Platform> {
        [
            Platform::X,
            Platform::Meta,
            Platform::Telegram,
            Platform::Partner,
        ]
        .into_iter()
        .find(|platform| platform.prefix() == segment)
    }
}

/// What the fakes accept: one set of credentials per platform.
#[derive(Clone, Debug)]
pub struct Credentials {
    /// X app consumer key (API key).
    pub consumer_key: String,
    /// X app consumer secret (API secret key).
    pub consumer_secret: String,
    /// X user access token, `"{user id}-{random}"` as X issues them; the user id before the
    /// dash is the brand account's id in DM conversation ids.
    pub access_token: String,
    /// X user access token secret.
    pub access_token_secret: String,
    /// The one token accepted for every Graph call (Page, Instagram or WhatsApp system user).
    pub meta_token: String,
    /// Telegram bot token, `"{bot id}:{secret}"`.
    pub telegram_bot_token: String,
    /// The partner's Standard Webhooks secret, `whsec_` + base64 of the key.
    pub partner_secret: String,
}

impl Default for Credentials {
    fn default() -> Self {
        Self {
            consumer_key: "fakeConsumerKey0123456789".into(),
            consumer_secret: "fake_consumer_secret".into(),
            access_token: "1000000000000000001-FakeAccessToken0123456789abcdef".into(),
            access_token_secret: "fakeAccessTokenSecret0123456789abcdefghij".into(),
            meta_token: "EAAFakeMetaPageToken0123456789abcdefZZZZ".into(),
            telegram_bot_token: "7000000001:AAFakeTelegramBotToken-0123456789abc".into(),
            // base64("earshot-fake-partner-key"): 24 bytes.
            partner_secret: "whsec_ZWFyc2hvdC1mYWtlLXBhcnRuZXIta2V5".into(),
        }
    }
}

/// One request a fake received and what it answered.
#[derive(Clone, Debug)]
pub struct Recorded {
    /// The platform whose prefix the path had.
    pub platform: Platform,
    /// The HTTP method, upper case (`"GET"`, `"POST"`).
    pub method: String,
    /// The path as requested, prefix included, query excluded.
    pub path: String,
    /// The request headers, names in lower case.
    pub headers: Vec<(String, String)>,
    /// The body: JSON as sent, a form as an object of strings, other text as a string, none as
    /// `null`.
    pub body: Value,
    /// The HTTP status the fake answered with.
    pub answered: u16,
    /// When it arrived.
    pub at: Instant,
}

impl Recorded {
    /// The value of a header (names are lower case).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// A post on X that mentions the brand, seeded with [`FakePlatforms::x_mention`] and served
/// by the mention timeline `GET /x/2/users/{id}/mentions`.
#[derive(Clone, Debug)]
pub struct XPost {
    /// The post id: a numeric string; X's ids grow with time, so seed them increasing.
    pub id: String,
    /// The author's user id (numeric string).
    pub author_id: String,
    /// The author's handle, without `@`.
    pub username: String,
    /// The author's display name.
    pub name: String,
    /// The author's `public_metrics.followers_count`.
    pub followers: u64,
    /// The post's text (normally containing `@` + the brand's handle).
    pub text: String,
    /// The id of the conversation's first post; `None` answers with the post's own id.
    pub conversation_id: Option<String>,
    /// The id of the post this one replies to, if any.
    pub in_reply_to: Option<String>,
    /// When it was posted.
    pub created_at: DateTime<Utc>,
}

impl XPost {
    /// A post by `@username` (name = username, 100 followers) posted now, starting its own
    /// conversation and replying to nothing.
    pub fn new(
        id: impl Into<String>,
        author_id: impl Into<String>,
        username: impl Into<String>,
        text: impl Into<String>,
    ) -> Self {
        let id = id.into();
        let username = username.into();
        Self {
            conversation_id: Some(id.clone()),
            id,
            author_id: author_id.into(),
            name: username.clone(),
            username,
            followers: 100,
            text: text.into(),
            in_reply_to: None,
            created_at: Utc::now(),
        }
    }
}

/// An answer's body.
#[derive(Clone, Debug)]
enum Body {
    Json(Value),
    Text(String),
}

/// An answer before it becomes an `HttpResponse`, so it can be recorded and scripted.
#[derive(Clone, Debug)]
struct Answer {
    status: u16,
    headers: Vec<(String, String)>,
    body: Body,
}

impl Answer {
    fn json(status: u16, body: Value) -> Self {
        Self {
            status,
            headers: Vec::new(),
            body: Body::Json(body),
        }
    }

    fn text(status: u16, body: impl Into<String>) -> Self {
        Self {
            status,
            headers: Vec::new(),
            body: Body::Text(body.into()),
        }
    }

    fn with_header(mut self, name: &str, value: impl Into<String>) -> Self {
        self.headers.push((name.to_owned(), value.into()));
        self
    }

    fn has_header(&self, name: &str) -> bool {
        self.headers
            .iter()
            .any(|(n, _)| n.eq_ignore_ascii_case(name))
    }

    fn into_response(self) -> HttpResponse {
        let status = StatusCode::from_u16(self.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let mut builder = HttpResponse::build(status);
        for (name, value) in &self.headers {
            builder.insert_header((name.as_str(), value.as_str()));
        }
        match self.body {
            Body::Json(value) => builder.json(value),
            Body::Text(text) => builder.content_type("text/plain; charset=utf-8").body(text),
        }
    }
}

/// A canned answer for the next request to one platform, in that platform's error format.
/// It replaces the normal answer after authentication has passed.
#[derive(Clone, Debug)]
pub struct Trouble {
    answer: Answer,
    /// `x-rate-limit-reset` is this many seconds after the moment of answering, not of
    /// scripting, so a test that waits before sending still sees a reset in the future.
    x_reset_in: Option<u64>,
}

impl Trouble {
    fn from_answer(answer: Answer) -> Self {
        Self {
            answer,
            x_reset_in: None,
        }
    }

    /// X over its limit (channels.md §1.5): `429`, `x-rate-limit-remaining: 0`,
    /// `x-rate-limit-reset` = now + `reset_in_secs`, RFC 7807 body, no `Retry-After`.
    pub fn x_rate_limited(reset_in_secs: u64) -> Self {
        let answer = x_problem_answer(
            429,
            "rate-limit-exceeded",
            "Too Many Requests",
            "Too Many Requests",
        )
        .with_header("x-rate-limit-remaining", "0");
        Self {
            answer,
            x_reset_in: Some(reset_in_secs),
        }
    }

    /// Any X problem (channels.md §1.5), e.g. `403` `client-forbidden` for a user whose DMs are
    /// closed. `kind` is the last segment of `https://api.x.com/2/problems/<kind>`.
    pub fn x_problem(status: u16, kind: &str, title: &str, detail: &str) -> Self {
        Self::from_answer(x_problem_answer(status, kind, title, detail))
    }

    /// A Graph API error (channels.md §2, §3.3, §5.4): `{"error":{"message","type","code",
    /// "error_subcode"?,"fbtrace_id"}}` with the given HTTP status.
    pub fn meta_error(http_status: u16, code: i64, subcode: Option<i64>, message: &str) -> Self {
        Self::from_answer(meta_error_answer(http_status, code, subcode, message))
    }

    /// Meta app-level throttling (channels.md §2): HTTP 400, code 4, and the `X-App-Usage`
    /// header at 100 as Meta reports it once the app is over its limit.
    pub fn meta_throttled() -> Self {
        let usage = json!({"call_count": 100, "total_cputime": 40, "total_time": 60});
        let answer = meta_error_answer(400, 4, None, "(#4) Application request limit reached")
            .with_header("x-app-usage", usage.to_string());
        Self::from_answer(answer)
    }

    /// Telegram flood control (channels.md §6.4): HTTP 429 with `parameters.retry_after`.
    pub fn telegram_retry_after(secs: u64) -> Self {
        Self::from_answer(Answer::json(
            429,
            json!({
                "ok": false,
                "error_code": 429,
                "description": format!("Too Many Requests: retry after {secs}"),
                "parameters": {"retry_after": secs},
            }),
        ))
    }

    /// The user blocked the bot (channels.md §6.4): HTTP 403.
    pub fn telegram_blocked() -> Self {
        Self::telegram_error(403, "Forbidden: bot was blocked by the user")
    }

    /// Any Telegram error: `{"ok":false,"error_code":status,"description"}`, HTTP status =
    /// `error_code` as Telegram does.
    pub fn telegram_error(status: u16, description: &str) -> Self {
        Self::from_answer(telegram_error_answer(status, description))
    }

    /// A server failure of any platform: `status` (5xx) with a short text body, as proxies in
    /// front of the platforms answer.
    pub fn server_error(status: u16) -> Self {
        Self::from_answer(Answer::text(status, reason(status)))
    }

    /// Any status with a `Retry-After: secs` header and a short text body.
    pub fn with_retry_after(status: u16, secs: u64) -> Self {
        let answer =
            Answer::text(status, reason(status)).with_header("retry-after", secs.to_string());
        Self::from_answer(answer)
    }

    /// Any status with a JSON body, for shapes the other constructors do not cover.
    pub fn json(status: u16, body: Value) -> Self {
        Self::from_answer(Answer::json(status, body))
    }

    /// The answer as sent now.
    fn answer_now(self) -> Answer {
        match self.x_reset_in {
            Some(secs) => self
                .answer
                .with_header("x-rate-limit-reset", (unix_now() + secs).to_string()),
            None => self.answer,
        }
    }
}

/// The canonical reason phrase of a status, as a short text body.
fn reason(status: u16) -> String {
    StatusCode::from_u16(status)
        .ok()
        .and_then(|s| s.canonical_reason())
        .unwrap_or("Error")
        .to_owned()
}

fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or_default()
}

/// An X API v2 problem (RFC 7807, channels.md §1.5).
fn x_problem_answer(status: u16, kind: &str, title: &str, detail: &str) -> Answer {
    let body = json!({
        "title": title,
        "detail": detail,
        "type": format!("https://api.x.com/2/problems/{kind}"),
        "status": status,
    });
    Answer::json(status, body).with_header("content-type", "application/problem+json")
}

/// X's answer to a missing, wrong or revoked OAuth 1.0a signature.
fn x_unauthorized() -> Answer {
    let body = json!({"title": "Unauthorized", "type": "about:blank", "status": 401, "detail": "Unauthorized"});
    Answer::json(401, body).with_header("content-type", "application/problem+json")
}

/// A Graph API error body; `fbtrace_id` differs per answer as Meta's does.
fn meta_error_answer(http_status: u16, code: i64, subcode: Option<i64>, message: &str) -> Answer {
    let mut error = json!({
        "message": message,
        "type": "OAuthException",
        "code": code,
        "fbtrace_id": fbtrace_id(),
    });
    if let (Some(subcode), Some(fields)) = (subcode, error.as_object_mut()) {
        fields.insert("error_subcode".into(), json!(subcode));
    }
    Answer::json(http_status, json!({ "error": error }))
}

fn fbtrace_id() -> String {
    let mut id = uuid::Uuid::new_v4().simple().to_string();
    id.truncate(11);
    format!("A{id}")
}

fn telegram_error_answer(status: u16, description: &str) -> Answer {
    Answer::json(
        status,
        json!({"ok": false, "error_code": status, "description": description}),
    )
}

/// A route the fakes serve, parsed from the method and path.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Route {
    XTweet,
    XDirectMessage {
        participant_id: String,
    },
    /// `GET /2/users/me`: the authenticated (brand) user.
    XUsersMe,
    /// `GET /2/users/{id}/mentions`: the user mention timeline.
    XMentions {
        user_id: String,
    },
    GraphComments {
        object_id: String,
    },
    GraphReplies {
        comment_id: String,
    },
    GraphMessages,
    /// `GET /vNN.0/{id}?fields=…`: one node's fields (`me` = the token's own account).
    GraphNode {
        id: String,
    },
    TelegramSendMessage {
        token: String,
    },
    /// `getMe`, by GET or POST as the Bot API accepts both.
    TelegramGetMe {
        token: String,
    },
    PartnerCallback,
}

impl Route {
    /// The route of a request to `segments` (the path split on `/`, prefix first): the sends
    /// are POSTs, the "who am I" calls GETs (Telegram's `getMe` either).
    fn parse(method: &str, segments: &[&str]) -> Option<Route> {
        match method {
            "POST" => Self::parse_post(segments),
            "GET" => Self::parse_get(segments),
            _ => None,
        }
    }

    fn parse_get(segments: &[&str]) -> Option<Route> {
        match segments {
            ["x", "2", "users", "me"] => Some(Route::XUsersMe),
            ["x", "2", "users", id, "mentions"] if !id.is_empty() => Some(Route::XMentions {
                user_id: (*id).to_owned(),
            }),
            ["graph", version, id] if version.starts_with('v') && !id.is_empty() => {
                Some(Route::GraphNode {
                    id: (*id).to_owned(),
                })
            }
            ["telegram", bot, "getMe"] => {
                Self::telegram_token(bot).map(|token| Route::TelegramGetMe { token })
            }
            _ => None,
        }
    }

    /// The bot token of a `bot<token>` segment.
    fn telegram_token(segment: &str) -> Option<String> {
        segment.strip_prefix("bot").map(str::to_owned)
    }

    fn parse_post(segments: &[&str]) -> Option<Route> {
        match segments {
            ["x", "2", "tweets"] => Some(Route::XTweet),
            ["x", "2", "dm_conversations", "with", id, "messages"] => Some(Route::XDirectMessage {
                participant_id: (*id).to_owned(),
            }),
            ["graph", version, id, edge] if version.starts_with('v') => match *edge {
                "comments" => Some(Route::GraphComments {
                    object_id: (*id).to_owned(),
                }),
                "replies" => Some(Route::GraphReplies {
                    comment_id: (*id).to_owned(),
                }),
                "messages" => Some(Route::GraphMessages),
                _ => None,
            },
            ["telegram", bot, "sendMessage"] => {
                Self::telegram_token(bot).map(|token| Route::TelegramSendMessage { token })
            }
            ["telegram", bot, "getMe"] => {
                Self::telegram_token(bot).map(|token| Route::TelegramGetMe { token })
            }
            ["partner", "callback"] => Some(Route::PartnerCallback),
            _ => None,
        }
    }
}

/// X's documented per-endpoint limits (channels.md §1.5, user context, 15 minutes).
fn x_limit(route: &Route) -> u64 {
    match route {
        Route::XDirectMessage { .. } => 15,
        Route::XUsersMe => 75,
        Route::XMentions { .. } => 300,
        _ => 100,
    }
}

/// One X rate-limit window, reported in the headers but not enforced (a test provokes a 429
/// with [`Trouble::x_rate_limited`]).
#[derive(Clone, Copy, Debug)]
struct Window {
    used: u64,
    reset: u64,
}

/// Where a mention timeline page ended, behind a `next_token`: the next page of the same
/// query (same `since_id`) continues with the posts below `below`, so posts seeded meanwhile
/// (with greater ids) neither shift the pages nor repeat a post.
#[derive(Clone, Debug)]
struct PageToken {
    since_id: Option<String>,
    below: String,
}

/// What the fakes remember between requests.
#[derive(Debug, Default)]
struct State {
    recorded: Vec<Recorded>,
    troubles: HashMap<Platform, VecDeque<Trouble>>,
    expired: HashSet<Platform>,
    /// Comments (and visitor posts) already answered privately: Meta allows one private reply.
    privately_replied: HashSet<String>,
    /// X's rate-limit windows by endpoint.
    x_windows: HashMap<&'static str, Window>,
    /// Posts mentioning the brand, in the order seeded.
    x_mentions: Vec<XPost>,
    /// The mention timeline's `next_token`s issued so far (they do not expire).
    x_page_tokens: HashMap<String, PageToken>,
    next: u64,
}

impl State {
    /// A fresh number for ids; one sequence for all platforms keeps ids unique across them.
    fn next(&mut self) -> u64 {
        self.next += 1;
        self.next
    }

    /// The X rate-limit headers after counting one more request on `route`'s endpoint.
    fn x_rate_headers(&mut self, route: &Route, counted: bool) -> Vec<(String, String)> {
        let key = match route {
            Route::XDirectMessage { .. } => "dm",
            Route::XUsersMe => "users_me",
            Route::XMentions { .. } => "mentions",
            _ => "tweets",
        };
        let limit = x_limit(route);
        let now = unix_now();
        let window = self.x_windows.entry(key).or_insert(Window {
            used: 0,
            reset: now + 900,
        });
        if now >= window.reset {
            *window = Window {
                used: 0,
                reset: now + 900,
            };
        }
        if counted {
            window.used += 1;
        }
        vec![
            ("x-rate-limit-limit".into(), limit.to_string()),
            (
                "x-rate-limit-remaining".into(),
                limit.saturating_sub(window.used).to_string(),
            ),
            ("x-rate-limit-reset".into(), window.reset.to_string()),
        ]
    }
}

/// The server's side: credentials and state, shared by the workers and the test.
#[derive(Debug)]
struct Shared {
    credentials: Credentials,
    state: Mutex<State>,
}

impl Shared {
    /// The state, even after a panicking test thread poisoned the lock: a fake keeps answering.
    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// Local fakes of the platforms' send and "who am I" APIs on one server; stopped when dropped.
pub struct FakePlatforms {
    address: String,
    shared: Arc<Shared>,
    handle: actix_web::dev::ServerHandle,
}

impl FakePlatforms {
    /// Starts the fakes on 127.0.0.1 (a random port), accepting `credentials`. Call it inside
    /// the test's Tokio runtime.
    #[expect(
        clippy::expect_used,
        reason = "a fake that cannot start fails the test at once"
    )]
    pub async fn start(credentials: Credentials) -> FakePlatforms {
        let shared = Arc::new(Shared {
            credentials,
            state: Mutex::new(State::default()),
        });
        let data = web::Data::from(Arc::clone(&shared));
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind the fake platforms");
        let port = listener.local_addr().expect("the fake's address").port();
        let server = HttpServer::new(move || {
            App::new()
                .app_data(data.clone())
                .default_service(web::to(handle))
        })
        .workers(1)
        .listen(listener)
        .expect("listen")
        .run();
        let handle = server.handle();
        tokio::spawn(server);
        FakePlatforms {
            address: format!("http://127.0.0.1:{port}"),
            shared,
            handle,
        }
    }

    /// `http://127.0.0.1:<port>`.
    pub fn address(&self) -> &str {
        &self.address
    }

    /// The base URL to configure for `platform`: `{fake}/x`, `{fake}/graph`,
    /// `{fake}/telegram`, `{fake}/partner` (the partner's callback is `{base}/callback`).
    pub fn base_url(&self, platform: Platform) -> String {
        format!("{}/{}", self.address, platform.prefix())
    }

    /// The credentials the fakes accept.
    pub fn credentials(&self) -> &Credentials {
        &self.shared.credentials
    }

    /// Queues `trouble` as the answer to the next authenticated request to `platform`
    /// (first in, first out; each used once).
    pub fn fail_next(&self, platform: Platform, trouble: Trouble) {
        self.shared
            .lock()
            .troubles
            .entry(platform)
            .or_default()
            .push_back(trouble);
    }

    /// Makes every later request to `platform` fail authentication as a revoked or expired
    /// token does (X 401, Meta 190, Telegram 401, partner 401), until [`Self::restore_token`].
    pub fn expire_token(&self, platform: Platform) {
        self.shared.lock().expired.insert(platform);
    }

    /// Undoes [`Self::expire_token`].
    pub fn restore_token(&self, platform: Platform) {
        self.shared.lock().expired.remove(&platform);
    }

    /// Seeds a post mentioning the brand: the mention timeline (`GET /x/2/users/{id}/mentions`)
    /// serves it from now on, newest (greatest id) first.
    pub fn x_mention(&self, post: XPost) {
        self.shared.lock().x_mentions.push(post);
    }

    /// Every request received so far, oldest first.
    pub fn requests(&self) -> Vec<Recorded> {
        self.shared.lock().recorded.clone()
    }

    /// The requests to `platform` that were answered with a 2xx: what actually got sent,
    /// together with the successful GETs ("who am I", X's mention timeline; tell them apart
    /// by [`Recorded::method`]).
    pub fn sent(&self, platform: Platform) -> Vec<Recorded> {
        self.shared
            .lock()
            .recorded
            .iter()
            .filter(|r| r.platform == platform && (200..300).contains(&r.answered))
            .cloned()
            .collect()
    }
}

impl Drop for FakePlatforms {
    fn drop(&mut self) {
        drop(self.handle.stop(false));
    }
}

/// The one handler: route, authenticate, answer (scripted or normal), record.
async fn handle(req: HttpRequest, raw: web::Bytes, shared: web::Data<Shared>) -> HttpResponse {
    let path = req.path().to_owned();
    let segments: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    let Some(platform) = segments.first().and_then(|s| Platform::of_prefix(s)) else {
        return HttpResponse::NotFound().body("not a platform the fake serves");
    };
    let body = parse_body(&req, &raw);
    let route = Route::parse(req.method().as_str(), &segments);
    let mut state = shared.lock();
    let answer = match &route {
        None => Answer::text(
            404,
            format!("the fake does not serve {} {path}", req.method()),
        ),
        Some(route) => answer(
            &mut state,
            &shared.credentials,
            platform,
            route,
            &req,
            &raw,
            &body,
        ),
    };
    let answer = decorate(&mut state, platform, route.as_ref(), answer);
    state.recorded.push(Recorded {
        platform,
        method: req.method().as_str().to_owned(),
        path,
        headers: header_pairs(&req),
        body,
        answered: answer.status,
        at: Instant::now(),
    });
    drop(state);
    answer.into_response()
}

/// The answer to a request on a known route: an authentication failure, the scripted
/// trouble, or the platform's normal answer — in that order, as the brief of `fail_next` says.
fn answer(
    state: &mut State,
    credentials: &Credentials,
    platform: Platform,
    route: &Route,
    req: &HttpRequest,
    raw: &[u8],
    body: &Value,
) -> Answer {
    let expired = state.expired.contains(&platform);
    if let Err(refusal) = authenticate(credentials, expired, route, req, raw) {
        return refusal;
    }
    if let Some(trouble) = state
        .troubles
        .get_mut(&platform)
        .and_then(VecDeque::pop_front)
    {
        return trouble.answer_now();
    }
    match route {
        Route::XTweet => x_tweet(state, body),
        Route::XDirectMessage { participant_id } => x_dm(state, credentials, participant_id, body),
        Route::XUsersMe => x_users_me(credentials),
        Route::XMentions { user_id } => x_mentions(state, credentials, user_id, req.query_string()),
        Route::GraphComments { object_id } => graph_comment(
            state,
            object_id,
            graph_param(req, body, "message").as_deref(),
        ),
        Route::GraphReplies { .. } => {
            graph_reply(state, graph_param(req, body, "message").as_deref())
        }
        Route::GraphMessages => graph_messages(state, body),
        Route::GraphNode { id } => graph_node(id, graph_param(req, body, "fields").as_deref()),
        Route::TelegramSendMessage { token } => telegram_send(state, token, body),
        Route::TelegramGetMe { token } => telegram_get_me(token),
        Route::PartnerCallback => {
            let n = state.next();
            Answer::json(200, json!({"id": format!("partner-{n}")}))
        }
    }
}

/// Headers every answer of a platform carries: X's rate-limit headers (channels.md §1.5) and
/// Meta's `X-App-Usage` (§2), unless a scripted answer set its own.
fn decorate(
    state: &mut State,
    platform: Platform,
    route: Option<&Route>,
    mut answer: Answer,
) -> Answer {
    match (platform, route) {
        (Platform::X, Some(route)) => {
            let counted = answer.status != 401;
            for (name, value) in state.x_rate_headers(route, counted) {
                if !answer.has_header(&name) {
                    answer.headers.push((name, value));
                }
            }
        }
        (Platform::Meta, Some(_)) if !answer.has_header("x-app-usage") => {
            let usage = json!({"call_count": 1, "total_cputime": 1, "total_time": 1});
            answer
                .headers
                .push(("x-app-usage".into(), usage.to_string()));
        }
        _ => {}
    }
    answer
}

/// Checks the route's platform credentials; the refusal is in that platform's format.
fn authenticate(
    credentials: &Credentials,
    expired: bool,
    route: &Route,
    req: &HttpRequest,
    raw: &[u8],
) -> Result<(), Answer> {
    match route {
        Route::XTweet
        | Route::XDirectMessage { .. }
        | Route::XUsersMe
        | Route::XMentions { .. } => {
            let url = format!("http://{}{}", req.connection_info().host(), req.path());
            let header = req
                .headers()
                .get("authorization")
                .and_then(|v| v.to_str().ok());
            let signed = verify_oauth1(
                credentials,
                req.method().as_str(),
                &url,
                req.query_string(),
                header,
            );
            if expired || !signed {
                return Err(x_unauthorized());
            }
        }
        Route::GraphComments { .. }
        | Route::GraphReplies { .. }
        | Route::GraphMessages
        | Route::GraphNode { .. } => {
            if expired {
                return Err(meta_error_answer(
                    400,
                    190,
                    Some(463),
                    "Error validating access token: Session has expired.",
                ));
            }
            if graph_token(req).as_deref() != Some(credentials.meta_token.as_str()) {
                return Err(meta_error_answer(
                    400,
                    190,
                    None,
                    "Invalid OAuth access token - Cannot parse access token",
                ));
            }
        }
        Route::TelegramSendMessage { token } | Route::TelegramGetMe { token } => {
            if expired || *token != credentials.telegram_bot_token {
                return Err(telegram_error_answer(401, "Unauthorized"));
            }
        }
        Route::PartnerCallback => {
            if expired || !verify_standard_webhook(&credentials.partner_secret, req, raw) {
                return Err(Answer::json(
                    401,
                    json!({"error": "invalid webhook signature"}),
                ));
            }
        }
    }
    Ok(())
}

/// The Graph access token: `Authorization: Bearer …` or the `access_token` query parameter.
fn graph_token(req: &HttpRequest) -> Option<String> {
    let bearer = req
        .headers()
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| {
            v.strip_prefix("Bearer ")
                .or_else(|| v.strip_prefix("bearer "))
        })
        .map(|t| t.trim().to_owned());
    bearer.or_else(|| query_param(req, "access_token"))
}

fn query_param(req: &HttpRequest, name: &str) -> Option<String> {
    serde_urlencoded::from_str::<Vec<(String, String)>>(req.query_string())
        .ok()?
        .into_iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v)
}

/// A Graph parameter from the body (JSON or form) or, as Graph also accepts, the query.
fn graph_param(req: &HttpRequest, body: &Value, name: &str) -> Option<String> {
    body.get(name)
        .and_then(Value::as_str)
        .map(str::to_owned)
        .or_else(|| query_param(req, name))
}

/// The body as JSON when it is JSON, a form as an object of strings, other bytes as text.
fn parse_body(req: &HttpRequest, raw: &[u8]) -> Value {
    if raw.is_empty() {
        return Value::Null;
    }
    if let Ok(value) = serde_json::from_slice(raw) {
        return value;
    }
    let form = req
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
    if form && let Ok(pairs) = serde_urlencoded::from_bytes::<Vec<(String, String)>>(raw) {
        return Value::Object(
            pairs
                .into_iter()
                .map(|(k, v)| (k, Value::String(v)))
                .collect(),
        );
    }
    Value::String(String::from_utf8_lossy(raw).into_owned())
}

fn header_pairs(req: &HttpRequest) -> Vec<(String, String)> {
    req.headers()
        .iter()
        .map(|(name, value)| {
            (
                name.as_str().to_ascii_lowercase(),
                String::from_utf8_lossy(value.as_bytes()).into_owned(),
            )
        })
        .collect()
}

// ---------------------------------------------------------------------------------------
// X

/// The parameters of an `Authorization: OAuth k="v", …` header, percent-decoded.
fn parse_oauth_header(header: &str) -> Option<HashMap<String, String>> {
    let (scheme, rest) = header.trim().split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("OAuth") {
        return None;
    }
    let mut params = HashMap::new();
    for part in rest.split(',') {
        let (key, value) = part.trim().split_once('=')?;
        let value = value.trim().trim_matches('"');
        let value = percent_encoding::percent_decode_str(value)
            .decode_utf8()
            .ok()?;
        params.insert(key.trim().to_owned(), value.into_owned());
    }
    Some(params)
}

/// Whether `header` is an OAuth 1.0a HMAC-SHA1 signature (RFC 5849) of this request by the
/// configured consumer and token. The signature is recomputed with the received nonce and
/// timestamp; query parameters are part of the signature base string (RFC 5849 §3.4.1.3, so
/// a GET's `user.fields=…` is signed), a JSON body is not. Timestamps are not checked
/// for freshness and nonces not for reuse.
fn verify_oauth1(
    credentials: &Credentials,
    method: &str,
    url: &str,
    query: &str,
    header: Option<&str>,
) -> bool {
    let Some(params) = header.and_then(parse_oauth_header) else {
        return false;
    };
    let get = |name: &str| params.get(name).map(String::as_str);
    let version = match get("oauth_version") {
        None => false,
        Some("1.0") => true,
        Some(_) => return false,
    };
    if get("oauth_signature_method") != Some("HMAC-SHA1")
        || get("oauth_consumer_key") != Some(credentials.consumer_key.as_str())
        || get("oauth_token") != Some(credentials.access_token.as_str())
    {
        return false;
    }
    let (Some(nonce), Some(timestamp), Some(signature)) = (
        get("oauth_nonce"),
        get("oauth_timestamp").and_then(|t| t.parse::<NonZeroU64>().ok()),
        get("oauth_signature"),
    ) else {
        return false;
    };
    let Ok(query) = serde_urlencoded::from_str::<Vec<(String, String)>>(query) else {
        return false;
    };
    let expected = oauth1_signature(credentials, method, url, query, nonce, timestamp, version);
    expected.as_deref() == Some(signature)
}

/// The HMAC-SHA1 signature `oauth1-request` computes for these exact inputs.
fn oauth1_signature(
    credentials: &Credentials,
    method: &str,
    url: &str,
    params: Vec<(String, String)>,
    nonce: &str,
    timestamp: NonZeroU64,
    version: bool,
) -> Option<String> {
    let client = oauth1_request::Credentials::new(
        credentials.consumer_key.as_str(),
        credentials.consumer_secret.as_str(),
    );
    let token = oauth1_request::Credentials::new(
        credentials.access_token.as_str(),
        credentials.access_token_secret.as_str(),
    );
    let mut builder = oauth1_request::Builder::new(client, oauth1_request::HMAC_SHA1);
    builder
        .token(token)
        .nonce(nonce)
        .timestamp(timestamp)
        .version(version);
    let header = builder.authorize(method, url, &oauth1_request::ParameterList::new(params));
    parse_oauth_header(&header)?.remove("oauth_signature")
}

fn x_tweet(state: &mut State, body: &Value) -> Answer {
    let Some(text) = body
        .get("text")
        .and_then(Value::as_str)
        .filter(|t| !t.is_empty())
    else {
        return x_invalid_request("The `text` field is required when `media` is not present.");
    };
    let id = x_id(state);
    let data = json!({"id": id, "text": text, "edit_history_tweet_ids": [id]});
    Answer::json(201, json!({ "data": data }))
}

fn x_dm(
    state: &mut State,
    credentials: &Credentials,
    participant_id: &str,
    body: &Value,
) -> Answer {
    if !is_numeric(participant_id) {
        return x_invalid_request("The `participant_id` path parameter must be a numeric user id.");
    }
    let has_text = body
        .get("text")
        .and_then(Value::as_str)
        .is_some_and(|t| !t.is_empty());
    if !has_text && body.get("attachments").is_none() {
        return x_invalid_request("One of `text` or `attachments` is required.");
    }
    let own = x_own_user_id(credentials);
    let data = json!({
        "dm_conversation_id": dm_conversation_id(own, participant_id),
        "dm_event_id": x_id(state),
    });
    Answer::json(201, json!({ "data": data }))
}

/// The brand account's user id: the access token's part before the dash, as X issues tokens.
fn x_own_user_id(credentials: &Credentials) -> &str {
    credentials
        .access_token
        .split_once('-')
        .map(|(user, _)| user)
        .filter(|user| is_numeric(user))
        .unwrap_or("1000000000000000001")
}

/// `GET /2/users/me` → `200 {"data":{"id","name","username"}}`, the default user fields (a
/// `user.fields` query is signed and accepted but adds nothing).
fn x_users_me(credentials: &Credentials) -> Answer {
    let data = json!({
        "id": x_own_user_id(credentials),
        "name": "Acme Help",
        "username": "AcmeHelp",
    });
    Answer::json(200, json!({ "data": data }))
}

/// How far back the mention timeline reaches: the 800 most recent mentions (channels.md §1.6).
const X_MENTIONS_REACH: usize = 800;

/// The query parameters the mention timeline accepts; X refuses any other with a 400.
/// `tweet.fields` and `post.fields` are both accepted (channels.md §1.6). The `*.fields` and
/// `expansions` are accepted but the answer always carries the same fields.
const X_MENTIONS_PARAMS: [&str; 10] = [
    "expansions",
    "max_results",
    "media.fields",
    "pagination_token",
    "place.fields",
    "poll.fields",
    "post.fields",
    "since_id",
    "tweet.fields",
    "user.fields",
];

/// `GET /2/users/{id}/mentions` (channels.md §1.6): the brand's mentions newest first, at
/// most `max_results` (5–100, default 10) with ids greater than `since_id`, continuing below
/// the previous page for a `pagination_token`. The posts carry `id`, `text`, `author_id`,
/// `conversation_id`, `created_at`, `edit_history_tweet_ids` and, for a reply,
/// `in_reply_to_user_id` and `referenced_tweets`; `includes.users` has each author once.
/// Another user's id is refused with `403`, a bad parameter with `400`.
fn x_mentions(state: &mut State, credentials: &Credentials, user_id: &str, query: &str) -> Answer {
    let own = x_own_user_id(credentials);
    if user_id != own {
        return x_problem_answer(
            403,
            "client-forbidden",
            "Forbidden",
            &format!("You are not permitted to read the mentions of user [{user_id}]."),
        );
    }
    let Ok(params) = serde_urlencoded::from_str::<Vec<(String, String)>>(query) else {
        return x_invalid_request("The query string could not be parsed.");
    };
    if let Some((unknown, _)) = params
        .iter()
        .find(|(name, _)| !X_MENTIONS_PARAMS.contains(&name.as_str()))
    {
        return x_invalid_request(&format!(
            "The query parameter [{unknown}] is not one of [{}]",
            X_MENTIONS_PARAMS.join(",")
        ));
    }
    let param = |name: &str| {
        params
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    };
    let max_results = match param("max_results") {
        None => 10,
        Some(raw) => match raw.parse::<usize>() {
            Ok(n) if (5..=100).contains(&n) => n,
            _ => {
                return x_invalid_request(&format!(
                    "The `max_results` query parameter value [{raw}] is not between 5 and 100"
                ));
            }
        },
    };
    let since_id = param("since_id");
    if let Some(since) = since_id.filter(|since| !is_numeric(since)) {
        return x_invalid_request(&format!(
            "The `since_id` query parameter value [{since}] is not a valid post id"
        ));
    }
    let below = match param("pagination_token") {
        None => None,
        Some(token) => match state.x_page_tokens.get(token) {
            Some(page) if page.since_id.as_deref() == since_id => Some(page.below.clone()),
            _ => {
                return x_invalid_request(&format!(
                    "The `pagination_token` query parameter value [{token}] is not valid"
                ));
            }
        },
    };

    let mut newest: Vec<&XPost> = state.x_mentions.iter().collect();
    newest.sort_by(|a, b| id_order(&b.id, &a.id));
    newest.truncate(X_MENTIONS_REACH);
    let matching: Vec<&XPost> = newest
        .into_iter()
        .filter(|post| since_id.is_none_or(|since| id_order(&post.id, since).is_gt()))
        .filter(|post| {
            below
                .as_deref()
                .is_none_or(|below| id_order(&post.id, below).is_lt())
        })
        .collect();
    let page = &matching[..max_results.min(matching.len())];
    let (Some(first), Some(last)) = (page.first(), page.last()) else {
        return Answer::json(200, json!({"meta": {"result_count": 0}}));
    };
    let more = matching.len() > page.len();
    let (newest_id, oldest_id) = (first.id.clone(), last.id.clone());

    let data: Vec<Value> = page
        .iter()
        .map(|post| x_post_json(&state.x_mentions, own, post))
        .collect();
    let mut users: Vec<Value> = Vec::new();
    let mut seen = HashSet::new();
    for post in page {
        if seen.insert(post.author_id.as_str()) {
            let tweet_count = state
                .x_mentions
                .iter()
                .filter(|p| p.author_id == post.author_id)
                .count();
            users.push(json!({
                "id": post.author_id,
                "name": post.name,
                "username": post.username,
                "verified": false,
                "public_metrics": {
                    "followers_count": post.followers,
                    "following_count": 0,
                    "tweet_count": tweet_count,
                    "listed_count": 0,
                },
            }));
        }
    }
    let mut meta = json!({
        "result_count": page.len(),
        "newest_id": newest_id,
        "oldest_id": oldest_id,
    });
    if more {
        let token = uuid::Uuid::new_v4().simple().to_string();
        state.x_page_tokens.insert(
            token.clone(),
            PageToken {
                since_id: since_id.map(str::to_owned),
                below: oldest_id,
            },
        );
        if let Some(fields) = meta.as_object_mut() {
            fields.insert("next_token".into(), json!(token));
        }
    }
    Answer::json(
        200,
        json!({"data": data, "includes": {"users": users}, "meta": meta}),
    )
}

/// A mention as the timeline answers it. A reply's `in_reply_to_user_id` is the author of the
/// post it replies to when that is a seeded mention, else the brand (it replies to one of the
/// brand's posts, which is what makes it a mention).
fn x_post_json(mentions: &[XPost], own: &str, post: &XPost) -> Value {
    let mut fields = serde_json::Map::new();
    fields.insert("id".into(), json!(post.id));
    fields.insert("text".into(), json!(post.text));
    fields.insert("author_id".into(), json!(post.author_id));
    fields.insert(
        "conversation_id".into(),
        json!(post.conversation_id.as_deref().unwrap_or(&post.id)),
    );
    fields.insert(
        "created_at".into(),
        json!(post.created_at.to_rfc3339_opts(SecondsFormat::Millis, true)),
    );
    fields.insert("edit_history_tweet_ids".into(), json!([post.id]));
    if let Some(parent) = &post.in_reply_to {
        let parent_author = mentions
            .iter()
            .find(|p| p.id == *parent)
            .map_or(own, |p| p.author_id.as_str());
        fields.insert("in_reply_to_user_id".into(), json!(parent_author));
        fields.insert(
            "referenced_tweets".into(),
            json!([{"type": "replied_to", "id": parent}]),
        );
    }
    Value::Object(fields)
}

/// A new X id: a numeric string beyond 2^53, as X's are (channels.md conventions).
fn x_id(state: &mut State) -> String {
    (1_874_000_000_000_000_400_u64 + state.next()).to_string()
}

fn is_numeric(id: &str) -> bool {
    !id.is_empty() && id.bytes().all(|b| b.is_ascii_digit())
}

/// Two numeric ids compared as numbers (leading zeros aside), not as text.
fn id_order(a: &str, b: &str) -> Ordering {
    let (a, b) = (a.trim_start_matches('0'), b.trim_start_matches('0'));
    a.len().cmp(&b.len()).then_with(|| a.cmp(b))
}

/// `"{smaller}-{larger}"` of two numeric ids compared as numbers, not as text.
fn dm_conversation_id(a: &str, b: &str) -> String {
    let (low, high) = if id_order(a, b).is_le() {
        (a, b)
    } else {
        (b, a)
    };
    format!("{low}-{high}")
}

fn x_invalid_request(detail: &str) -> Answer {
    x_problem_answer(400, "invalid-request", "Invalid Request", detail)
}

// ---------------------------------------------------------------------------------------
// Meta Graph

/// A new Graph object id: a numeric string.
fn graph_id(state: &mut State) -> String {
    (900_000_000_000_000_u64 + state.next()).to_string()
}

fn graph_missing(what: &str) -> Answer {
    meta_error_answer(400, 100, None, &format!("(#100) {what}"))
}

/// The id `me` stands for: the fake account the one Graph token belongs to.
const GRAPH_ME: &str = "17800000000000001";

/// `GET /{id}?fields=a,b`: `{"id": id}` plus each requested field from a fixed set; without
/// `fields`, Graph's default `{"id","name"}`. An unknown field is refused with code 100 as
/// Graph does.
fn graph_node(id: &str, fields: Option<&str>) -> Answer {
    let id = if id == "me" { GRAPH_ME } else { id };
    let requested: Vec<&str> = fields
        .unwrap_or_default()
        .split(',')
        .map(str::trim)
        .filter(|f| !f.is_empty())
        .collect();
    let requested = if requested.is_empty() {
        vec!["name"]
    } else {
        requested
    };
    let mut node = serde_json::Map::new();
    node.insert("id".into(), json!(id));
    for field in requested {
        let value = match field {
            "id" | "user_id" => json!(id),
            "name" => json!(format!("Fake Page {id}")),
            "username" => json!(format!("fake_account_{id}")),
            "display_phone_number" => json!("+1 555-010-0000"),
            "verified_name" => json!("Acme Support"),
            "quality_rating" => json!("GREEN"),
            unknown => {
                return meta_error_answer(
                    400,
                    100,
                    None,
                    &format!(
                        "(#100) Tried accessing nonexisting field ({unknown}) on node type (User)"
                    ),
                );
            }
        };
        node.insert(field.to_owned(), value);
    }
    Answer::json(200, Value::Object(node))
}

/// A Facebook comment reply. Facebook numbers a comment `{object}_{comment}`; a reply to a
/// comment keeps the object part, so the new id is `{first part of id}_{new}`.
fn graph_comment(state: &mut State, object_id: &str, message: Option<&str>) -> Answer {
    if message.is_none_or(str::is_empty) {
        return graph_missing("Missing message or attachment");
    }
    let object = object_id.split('_').next().unwrap_or(object_id).to_owned();
    Answer::json(200, json!({"id": format!("{object}_{}", graph_id(state))}))
}

/// An Instagram comment reply: `{"id": <new comment id>}`.
fn graph_reply(state: &mut State, message: Option<&str>) -> Answer {
    if message.is_none_or(str::is_empty) {
        return graph_missing("Missing message or attachment");
    }
    Answer::json(200, json!({"id": graph_id(state)}))
}

/// `/{id}/messages`: WhatsApp when `messaging_product` says so, else the Send API of
/// Messenger and Instagram.
fn graph_messages(state: &mut State, body: &Value) -> Answer {
    if body.get("messaging_product").and_then(Value::as_str) == Some("whatsapp") {
        whatsapp_send(state, body)
    } else {
        send_api(state, body)
    }
}

fn whatsapp_send(state: &mut State, body: &Value) -> Answer {
    if body.get("status").and_then(Value::as_str) == Some("read") {
        return Answer::json(200, json!({"success": true}));
    }
    let Some(to) = body
        .get("to")
        .and_then(Value::as_str)
        .filter(|t| !t.is_empty())
    else {
        return graph_missing("The parameter to is required.");
    };
    let n = state.next();
    Answer::json(
        200,
        json!({
            "messaging_product": "whatsapp",
            "contacts": [{"input": to, "wa_id": to}],
            "messages": [{"id": format!("wamid.FAKE{n:016}")}],
        }),
    )
}

/// Messenger / Instagram Send API. A private reply (`recipient.comment_id` or `post_id`) is
/// allowed once per comment; the second is refused.
fn send_api(state: &mut State, body: &Value) -> Answer {
    let recipient = body.get("recipient");
    let field = |name: &str| recipient.and_then(|r| r.get(name)).and_then(Value::as_str);
    let message = body.get("message");
    let has_text = message
        .and_then(|m| m.get("text"))
        .and_then(Value::as_str)
        .is_some_and(|t| !t.is_empty());
    if !has_text && message.and_then(|m| m.get("attachment")).is_none() {
        return graph_missing("Must send either message or sender action");
    }
    let tagged = body.get("messaging_type").and_then(Value::as_str) == Some("MESSAGE_TAG");
    if tagged && body.get("tag").and_then(Value::as_str).is_none() {
        return graph_missing("Tag is required for MESSAGE_TAG messaging type");
    }
    let recipient_id = if let Some(id) = field("id") {
        id.to_owned()
    } else if let Some(comment) = field("comment_id").or(field("post_id")) {
        if !state.privately_replied.insert(comment.to_owned()) {
            // Meta documents one private reply per comment as a refusal; the exact code and
            // message of that refusal are unverified.
            return graph_missing("Only one private reply allowed per comment");
        }
        graph_id(state)
    } else {
        return graph_missing("param recipient must be non-empty.");
    };
    let message_id = format!("m_{}", graph_id(state));
    Answer::json(
        200,
        json!({"recipient_id": recipient_id, "message_id": message_id}),
    )
}

// ---------------------------------------------------------------------------------------
// Telegram

/// `sendMessage` → `{"ok":true,"result":Message}` (channels.md §6.3). A chat id may come as a
/// number or a numeric string; Telegram answers with the number.
fn telegram_send(state: &mut State, token: &str, body: &Value) -> Answer {
    let chat_id = match body.get("chat_id") {
        Some(Value::Number(n)) => n.as_i64(),
        Some(Value::String(s)) => s.parse::<i64>().ok(),
        _ => return telegram_error_answer(400, "Bad Request: chat_id is empty"),
    };
    let Some(chat_id) = chat_id else {
        return telegram_error_answer(400, "Bad Request: chat not found");
    };
    let Some(text) = body
        .get("text")
        .and_then(Value::as_str)
        .filter(|t| !t.trim().is_empty())
    else {
        return telegram_error_answer(400, "Bad Request: message text is empty");
    };
    let bot_id = telegram_bot_id(token);
    let kind = if chat_id > 0 { "private" } else { "supergroup" };
    let message_id = 100 + state.next();
    let result = json!({
        "message_id": message_id,
        "from": {"id": bot_id, "is_bot": true, "first_name": "Earshot Fake", "username": "earshot_fake_bot"},
        "date": unix_now(),
        "chat": {"id": chat_id, "type": kind},
        "text": text,
    });
    Answer::json(200, json!({"ok": true, "result": result}))
}

/// The bot's user id: the number before `:` in its token.
fn telegram_bot_id(token: &str) -> i64 {
    token
        .split(':')
        .next()
        .and_then(|id| id.parse::<i64>().ok())
        .unwrap_or_default()
}

/// `getMe` → `{"ok":true,"result":User}` with the bot's own fields.
fn telegram_get_me(token: &str) -> Answer {
    let result = json!({
        "id": telegram_bot_id(token),
        "is_bot": true,
        "first_name": "Acme Care",
        "username": "acme_care_bot",
        "can_join_groups": true,
        "can_read_all_group_messages": false,
        "supports_inline_queries": false,
    });
    Answer::json(200, json!({"ok": true, "result": result}))
}

// ---------------------------------------------------------------------------------------
// Partner

/// Whether the request carries a valid Standard Webhooks signature of its raw body.
fn verify_standard_webhook(secret: &str, req: &HttpRequest, raw: &[u8]) -> bool {
    let Ok(webhook) = standardwebhooks::Webhook::new(secret) else {
        return false;
    };
    let mut headers = reqwest::header::HeaderMap::new();
    for name in [
        standardwebhooks::HEADER_WEBHOOK_ID,
        standardwebhooks::HEADER_WEBHOOK_TIMESTAMP,
        standardwebhooks::HEADER_WEBHOOK_SIGNATURE,
    ] {
        let value = req
            .headers()
            .get(name)
            .and_then(|v| reqwest::header::HeaderValue::from_bytes(v.as_bytes()).ok());
        if let Some(value) = value {
            headers.insert(name, value);
        }
    }
    webhook.verify(raw, &headers).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::http_client;

    struct Fixture {
        fake: FakePlatforms,
        client: reqwest::Client,
    }

    async fn fixture() -> Fixture {
        Fixture {
            fake: FakePlatforms::start(Credentials::default()).await,
            client: http_client(),
        }
    }

    impl Fixture {
        fn url(&self, platform: Platform, rest: &str) -> String {
            format!("{}{rest}", self.fake.base_url(platform))
        }

        /// A POST to X signed by `oauth1-request`'s own client path (random nonce, current
        /// timestamp), not by the fake's verification code.
        async fn x_post(
            &self,
            rest: &str,
            body: Value,
            credentials: &Credentials,
        ) -> reqwest::Response {
            let url = self.url(Platform::X, rest);
            let token = oauth1_request::Token::from_parts(
                credentials.consumer_key.as_str(),
                credentials.consumer_secret.as_str(),
                credentials.access_token.as_str(),
                credentials.access_token_secret.as_str(),
            );
            let authorization = oauth1_request::post(&url, &(), &token, oauth1_request::HMAC_SHA1);
            self.client
                .post(url)
                .header("authorization", authorization)
                .json(&body)
                .send()
                .await
                .expect("x request")
        }

        /// A GET to X with `query`, signed by `oauth1-request`'s client path; the signature
        /// covers `signed` (normally the same parameters as `query`).
        async fn x_get(
            &self,
            rest: &str,
            query: &[(&str, &str)],
            signed: &[(&str, &str)],
            credentials: &Credentials,
        ) -> reqwest::Response {
            let url = self.url(Platform::X, rest);
            let token = oauth1_request::Token::from_parts(
                credentials.consumer_key.as_str(),
                credentials.consumer_secret.as_str(),
                credentials.access_token.as_str(),
                credentials.access_token_secret.as_str(),
            );
            let signed = oauth1_request::ParameterList::new(signed.to_vec());
            let authorization =
                oauth1_request::get(&url, &signed, &token, oauth1_request::HMAC_SHA1);
            let query = oauth1_request::ParameterList::new(query.to_vec());
            self.client
                .get(oauth1_request::to_query(url, &query))
                .header("authorization", authorization)
                .send()
                .await
                .expect("x request")
        }

        async fn graph_get(&self, rest: &str, token: &str) -> reqwest::Response {
            self.client
                .get(self.url(Platform::Meta, rest))
                .bearer_auth(token)
                .send()
                .await
                .expect("graph request")
        }

        async fn telegram_get_me(&self, method: reqwest::Method, token: &str) -> reqwest::Response {
            self.client
                .request(
                    method,
                    self.url(Platform::Telegram, &format!("/bot{token}/getMe")),
                )
                .send()
                .await
                .expect("telegram request")
        }

        async fn graph_post(&self, rest: &str, token: &str, body: Value) -> reqwest::Response {
            self.client
                .post(self.url(Platform::Meta, rest))
                .bearer_auth(token)
                .json(&body)
                .send()
                .await
                .expect("graph request")
        }

        async fn telegram_send(&self, token: &str, body: Value) -> reqwest::Response {
            self.client
                .post(self.url(Platform::Telegram, &format!("/bot{token}/sendMessage")))
                .json(&body)
                .send()
                .await
                .expect("telegram request")
        }

        async fn partner_post(&self, secret: &str, payload: &str) -> reqwest::Response {
            let webhook = standardwebhooks::Webhook::new(secret).expect("secret");
            let timestamp = i64::try_from(unix_now()).expect("timestamp");
            let signature = webhook
                .sign("msg_1", timestamp, payload.as_bytes())
                .expect("sign");
            self.client
                .post(self.url(Platform::Partner, "/callback"))
                .header("webhook-id", "msg_1")
                .header("webhook-timestamp", timestamp.to_string())
                .header("webhook-signature", signature)
                .header("content-type", "application/json")
                .body(payload.to_owned())
                .send()
                .await
                .expect("partner request")
        }
    }

    async fn json_of(response: reqwest::Response) -> Value {
        response.json().await.expect("a JSON answer")
    }

    fn header(response: &reqwest::Response, name: &str) -> String {
        response
            .headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned()
    }

    #[test]
    fn oauth1_signature_matches_the_published_twitter_example() {
        // The worked example of X's "Creating a signature" guide.
        let credentials = Credentials {
            consumer_key: "xvz1evFS4wEEPTGEFPHBog".into(),
            consumer_secret: "kAcSOqF21Fu85e7zjz7ZN2U4ZRhfV3WpwPAoE3Z7kBw".into(),
            access_token: "370773112-GmHxMAgYyLbNEtIKZeRNFsMKPR9EyMZeS9weJAEb".into(),
            access_token_secret: "LswwdoUaIvS8ltyTt5jkRh4J50vUPVVHtR2YPi5kE".into(),
            ..Credentials::default()
        };
        let params = vec![
            ("include_entities".to_owned(), "true".to_owned()),
            (
                "status".to_owned(),
                "Hello Ladies + Gentlemen, a signed OAuth request!".to_owned(),
            ),
        ];
        let signature = oauth1_signature(
            &credentials,
            "POST",
            "https://api.twitter.com/1.1/statuses/update.json",
            params,
            "kYjzVBB8Y0ZFabxSWbWovY3uYSQ2pTgmZeNu2VS4cg",
            NonZeroU64::new(1_318_622_958).expect("non-zero"),
            true,
        );
        assert_eq!(signature.as_deref(), Some("hCtSmYh+iHYCEqBWrE7C7hYmtUk="));
    }

    #[test]
    fn dm_conversation_ids_order_numerically() {
        assert_eq!(dm_conversation_id("20", "100"), "20-100");
        assert_eq!(dm_conversation_id("100", "20"), "20-100");
        assert_eq!(id_order("099", "100"), Ordering::Less);
        assert_eq!(id_order("0100", "100"), Ordering::Equal);
    }

    #[test]
    fn routes_parse() {
        let tg = ["telegram", "bot1:abc", "sendMessage"];
        assert_eq!(
            Route::parse("POST", &tg),
            Some(Route::TelegramSendMessage {
                token: "1:abc".into()
            })
        );
        assert_eq!(Route::parse("GET", &tg), None);
        assert_eq!(
            Route::parse("POST", &["graph", "v21.0", "1", "messages"]),
            Some(Route::GraphMessages)
        );
        assert_eq!(Route::parse("POST", &["graph", "1", "messages"]), None);
        assert_eq!(
            Route::parse("GET", &["x", "2", "users", "me"]),
            Some(Route::XUsersMe)
        );
        assert_eq!(Route::parse("POST", &["x", "2", "users", "me"]), None);
        assert_eq!(
            Route::parse("GET", &["x", "2", "users", "1", "mentions"]),
            Some(Route::XMentions {
                user_id: "1".into()
            })
        );
        assert_eq!(
            Route::parse("POST", &["x", "2", "users", "1", "mentions"]),
            None
        );
        assert_eq!(
            Route::parse("GET", &["graph", "v21.0", "me"]),
            Some(Route::GraphNode { id: "me".into() })
        );
        assert_eq!(Route::parse("POST", &["graph", "v21.0", "me"]), None);
        assert_eq!(
            Route::parse("GET", &["graph", "v21.0", "1", "messages"]),
            None
        );
        for method in ["GET", "POST"] {
            assert_eq!(
                Route::parse(method, &["telegram", "bot1:abc", "getMe"]),
                Some(Route::TelegramGetMe {
                    token: "1:abc".into()
                })
            );
        }
        assert_eq!(
            Route::parse("PUT", &["telegram", "bot1:abc", "getMe"]),
            None
        );
    }

    #[tokio::test]
    async fn x_users_me_answers_the_brand_account_with_its_rate_limit() {
        let f = fixture().await;
        let query = [("user.fields", "id,name,username")];
        let response = f
            .x_get("/2/users/me", &query, &query, &Credentials::default())
            .await;
        assert_eq!(response.status(), 200);
        assert_eq!(header(&response, "x-rate-limit-limit"), "75");
        assert_eq!(header(&response, "x-rate-limit-remaining"), "74");
        assert!(
            header(&response, "x-rate-limit-reset")
                .parse::<u64>()
                .expect("reset")
                > unix_now()
        );
        assert_eq!(
            json_of(response).await,
            json!({"data": {"id": "1000000000000000001", "name": "Acme Help", "username": "AcmeHelp"}})
        );
        // Without a query too; the tweets window is a separate one.
        let bare = f
            .x_get("/2/users/me", &[], &[], &Credentials::default())
            .await;
        assert_eq!(bare.status(), 200);
        assert_eq!(header(&bare, "x-rate-limit-remaining"), "73");
        let recorded = f.fake.requests();
        assert_eq!(recorded.len(), 2);
        assert_eq!(recorded[0].method, "GET");
        assert_eq!(recorded[0].path, "/x/2/users/me");
        assert_eq!(recorded[0].body, Value::Null);
        assert_eq!(f.fake.sent(Platform::X).len(), 2);
    }

    #[tokio::test]
    async fn x_users_me_refuses_unsigned_query_wrong_secret_and_expired_token() {
        let f = fixture().await;
        let query = [("user.fields", "id,name,username")];
        // Signed as if there were no query: the base string differs, so the signature does.
        let unsigned_query = f
            .x_get("/2/users/me", &query, &[], &Credentials::default())
            .await;
        assert_eq!(unsigned_query.status(), 401);
        assert_eq!(
            json_of(unsigned_query).await,
            json!({"title": "Unauthorized", "type": "about:blank", "status": 401, "detail": "Unauthorized"})
        );
        let wrong = Credentials {
            consumer_secret: "not-the-secret".into(),
            ..Credentials::default()
        };
        let refused = f.x_get("/2/users/me", &query, &query, &wrong).await;
        assert_eq!(refused.status(), 401);
        f.fake.expire_token(Platform::X);
        let expired = f
            .x_get("/2/users/me", &query, &query, &Credentials::default())
            .await;
        assert_eq!(expired.status(), 401);
        let answered: Vec<u16> = f.fake.requests().iter().map(|r| r.answered).collect();
        assert_eq!(answered, [401, 401, 401]);
        assert!(f.fake.sent(Platform::X).is_empty());
    }

    #[tokio::test]
    async fn x_users_me_takes_scripted_trouble() {
        let f = fixture().await;
        f.fake.fail_next(Platform::X, Trouble::x_rate_limited(60));
        let query = [("user.fields", "id")];
        let limited = f
            .x_get("/2/users/me", &query, &query, &Credentials::default())
            .await;
        assert_eq!(limited.status(), 429);
        assert_eq!(header(&limited, "x-rate-limit-remaining"), "0");
        assert_eq!(header(&limited, "x-rate-limit-limit"), "75");
        let reset: u64 = header(&limited, "x-rate-limit-reset")
            .parse()
            .expect("reset");
        assert!((unix_now() + 55..=unix_now() + 60).contains(&reset));
        assert_eq!(
            json_of(limited).await["type"],
            "https://api.x.com/2/problems/rate-limit-exceeded"
        );
        let next = f
            .x_get("/2/users/me", &query, &query, &Credentials::default())
            .await;
        assert_eq!(next.status(), 200);
    }

    /// The brand's mention timeline path (the default credentials' user id).
    const MENTIONS: &str = "/2/users/1000000000000000001/mentions";

    /// The id of the `n`-th seeded mention: increasing, beyond 2^53.
    fn mention_id(n: u64) -> String {
        (1_874_000_000_000_001_000_u64 + n).to_string()
    }

    /// The `n`-th mention: three authors in turn; every fifth one replies to the one before.
    fn mention(n: u64) -> XPost {
        let author = n % 3;
        let mut post = XPost::new(
            mention_id(n),
            format!("200000000000000000{author}"),
            format!("user_{author}"),
            format!("@AcmeHelp mention {n}"),
        );
        post.followers = 1000 + author;
        if n.is_multiple_of(5) {
            post.in_reply_to = Some(mention_id(n - 1));
            post.conversation_id = Some(mention_id(n - 1));
        }
        post
    }

    impl Fixture {
        /// A signed GET of the brand's mentions with `query`.
        async fn mentions(&self, query: &[(&str, &str)]) -> reqwest::Response {
            self.x_get(MENTIONS, query, query, &Credentials::default())
                .await
        }

        /// The ids of a mentions page and its `meta.next_token`, after checking `meta`'s
        /// other fields agree with the ids.
        async fn mention_page(&self, query: &[(&str, &str)]) -> (Vec<String>, Option<String>) {
            let response = self.mentions(query).await;
            assert_eq!(response.status(), 200);
            let page = json_of(response).await;
            let ids: Vec<String> = page["data"]
                .as_array()
                .expect("data")
                .iter()
                .map(|post| post["id"].as_str().expect("id").to_owned())
                .collect();
            let meta = &page["meta"];
            assert_eq!(meta["result_count"], ids.len());
            assert_eq!(meta["newest_id"], json!(ids.first()));
            assert_eq!(meta["oldest_id"], json!(ids.last()));
            let next = meta
                .get("next_token")
                .map(|t| t.as_str().expect("token").to_owned());
            (ids, next)
        }
    }

    fn mention_ids(newest: u64, oldest: u64) -> Vec<String> {
        (oldest..=newest).rev().map(mention_id).collect()
    }

    #[tokio::test]
    async fn x_mentions_page_newest_first_and_since_id_ends_the_timeline() {
        let f = fixture().await;
        for n in 1..=25 {
            f.fake.x_mention(mention(n));
        }
        let fields = [
            ("expansions", "author_id"),
            ("max_results", "10"),
            (
                "tweet.fields",
                "author_id,conversation_id,created_at,in_reply_to_user_id,referenced_tweets",
            ),
            ("user.fields", "username,name,verified,public_metrics"),
        ];
        let response = f.mentions(&fields).await;
        assert_eq!(response.status(), 200);
        assert_eq!(header(&response, "x-rate-limit-limit"), "300");
        assert_eq!(header(&response, "x-rate-limit-remaining"), "299");
        let first = json_of(response).await;
        let ids: Vec<&str> = first["data"]
            .as_array()
            .expect("data")
            .iter()
            .map(|post| post["id"].as_str().expect("id"))
            .collect();
        assert_eq!(ids, mention_ids(25, 16));
        let meta = &first["meta"];
        assert_eq!(meta["result_count"], 10);
        assert_eq!(meta["newest_id"], mention_id(25));
        assert_eq!(meta["oldest_id"], mention_id(16));
        let token = meta["next_token"].as_str().expect("next_token").to_owned();
        // A reply to another seeded mention names that mention's author.
        let reply = &first["data"][5];
        let created_at = reply["created_at"].as_str().expect("created_at").to_owned();
        assert_eq!(
            *reply,
            json!({
                "id": mention_id(20),
                "text": "@AcmeHelp mention 20",
                "author_id": "2000000000000000002",
                "conversation_id": mention_id(19),
                "created_at": created_at,
                "edit_history_tweet_ids": [mention_id(20)],
                "in_reply_to_user_id": "2000000000000000001",
                "referenced_tweets": [{"type": "replied_to", "id": mention_id(19)}],
            })
        );
        assert!(
            DateTime::parse_from_rfc3339(&created_at).is_ok() && created_at.ends_with('Z'),
            "{created_at}"
        );
        assert_eq!(
            created_at.len(),
            "2025-01-01T12:05:00.000Z".len(),
            "{created_at}"
        );
        let plain = &first["data"][1];
        assert_eq!(plain["conversation_id"], mention_id(24));
        assert!(plain.get("in_reply_to_user_id").is_none());
        assert!(plain.get("referenced_tweets").is_none());
        let users = first["includes"]["users"].as_array().expect("users");
        let user_ids: Vec<&str> = users
            .iter()
            .map(|u| u["id"].as_str().expect("id"))
            .collect();
        assert_eq!(
            user_ids,
            [
                "2000000000000000001",
                "2000000000000000000",
                "2000000000000000002"
            ]
        );
        assert_eq!(
            users[0],
            json!({
                "id": "2000000000000000001", "name": "user_1", "username": "user_1", "verified": false,
                "public_metrics": {"followers_count": 1001, "following_count": 0, "tweet_count": 9, "listed_count": 0},
            })
        );

        let (second, token2) = f
            .mention_page(&[("max_results", "10"), ("pagination_token", &token)])
            .await;
        assert_eq!(second, mention_ids(15, 6));
        let token2 = token2.expect("a next_token on the second page");
        let (third, none) = f
            .mention_page(&[("max_results", "10"), ("pagination_token", &token2)])
            .await;
        assert_eq!(third, mention_ids(5, 1));
        assert_eq!(none, None);

        // The first page's newest id as the next cursor: nothing new.
        let empty = f.mentions(&[("since_id", &mention_id(25))]).await;
        assert_eq!(empty.status(), 200);
        assert_eq!(json_of(empty).await, json!({"meta": {"result_count": 0}}));

        // With a since_id, next_token only while posts above it remain.
        let since = mention_id(5);
        let (ids, token) = f
            .mention_page(&[("max_results", "10"), ("since_id", &since)])
            .await;
        assert_eq!(ids, mention_ids(25, 16));
        let token = token.expect("next_token");
        let (ids, none) = f
            .mention_page(&[
                ("max_results", "10"),
                ("pagination_token", &token),
                ("since_id", &since),
            ])
            .await;
        assert_eq!(ids, mention_ids(15, 6));
        assert_eq!(none, None);
        // The token belongs to that query: without its since_id it is refused.
        let other = f
            .mentions(&[("max_results", "10"), ("pagination_token", &token)])
            .await;
        assert_eq!(other.status(), 400);

        // Without max_results, pages of 10.
        let (ids, _) = f.mention_page(&[]).await;
        assert_eq!(ids.len(), 10);
        let recorded = f.fake.requests();
        assert!(recorded.iter().all(|r| {
            r.method == "GET"
                && r.path == "/x/2/users/1000000000000000001/mentions"
                && r.header("authorization")
                    .is_some_and(|a| a.starts_with("OAuth "))
        }));
        assert_eq!(recorded.len(), 8);
    }

    #[tokio::test]
    async fn x_mentions_paging_is_stable_while_posts_arrive() {
        let f = fixture().await;
        for n in 1..=15 {
            f.fake.x_mention(mention(n));
        }
        let (first, token) = f.mention_page(&[("max_results", "10")]).await;
        assert_eq!(first, mention_ids(15, 6));
        let token = token.expect("next_token");
        let mut late = XPost::new(
            mention_id(16),
            "3000000000000000003",
            "late",
            "@AcmeHelp hi",
        );
        late.in_reply_to = Some("1874000000000000050".into());
        f.fake.x_mention(late);
        let (second, none) = f
            .mention_page(&[("max_results", "10"), ("pagination_token", &token)])
            .await;
        assert_eq!(second, mention_ids(5, 1));
        assert_eq!(none, None);
        // The late post waits for the next poll above the first page's newest id.
        let response = f
            .mentions(&[("max_results", "5"), ("since_id", &mention_id(15))])
            .await;
        let page = json_of(response).await;
        assert_eq!(page["meta"]["result_count"], 1);
        assert!(page["meta"].get("next_token").is_none());
        let post = &page["data"][0];
        assert_eq!(post["id"], mention_id(16));
        assert_eq!(post["in_reply_to_user_id"], "1000000000000000001");
        assert_eq!(post["conversation_id"], mention_id(16));
        assert_eq!(
            page["includes"]["users"],
            json!([{"id": "3000000000000000003", "name": "late", "username": "late", "verified": false,
                "public_metrics": {"followers_count": 100, "following_count": 0, "tweet_count": 1, "listed_count": 0}}])
        );
    }

    #[tokio::test]
    async fn x_mentions_refuses_another_user_bad_parameters_and_bad_signatures() {
        let f = fixture().await;
        f.fake.x_mention(mention(1));
        let other = f
            .x_get(
                "/2/users/2000000000000000002/mentions",
                &[],
                &[],
                &Credentials::default(),
            )
            .await;
        assert_eq!(other.status(), 403);
        assert_eq!(header(&other, "content-type"), "application/problem+json");
        let problem = json_of(other).await;
        assert_eq!(
            problem["type"],
            "https://api.x.com/2/problems/client-forbidden"
        );
        assert_eq!(problem["status"], 403);
        for bad in ["4", "101", "ten", ""] {
            let response = f.mentions(&[("max_results", bad)]).await;
            assert_eq!(response.status(), 400, "max_results={bad}");
            assert_eq!(
                json_of(response).await["type"],
                "https://api.x.com/2/problems/invalid-request"
            );
        }
        for edge in ["5", "100"] {
            assert_eq!(f.mentions(&[("max_results", edge)]).await.status(), 200);
        }
        for query in [
            [("pagination_token", "never-issued")],
            [("since_id", "abc")],
            [("until", "1")],
        ] {
            assert_eq!(f.mentions(&query).await.status(), 400, "{query:?}");
        }
        // `post.fields` is the OpenAPI spelling of `tweet.fields`.
        assert_eq!(
            f.mentions(&[("post.fields", "created_at")]).await.status(),
            200
        );
        let query = [("max_results", "10")];
        let unsigned_query = f
            .x_get(MENTIONS, &query, &[], &Credentials::default())
            .await;
        assert_eq!(unsigned_query.status(), 401);
        let wrong = Credentials {
            access_token_secret: "not-the-secret".into(),
            ..Credentials::default()
        };
        let refused = f.x_get(MENTIONS, &query, &query, &wrong).await;
        assert_eq!(refused.status(), 401);
        assert_eq!(
            json_of(refused).await,
            json!({"title": "Unauthorized", "type": "about:blank", "status": 401, "detail": "Unauthorized"})
        );
        f.fake.expire_token(Platform::X);
        assert_eq!(f.mentions(&query).await.status(), 401);
        f.fake.restore_token(Platform::X);
        let answered: Vec<u16> = f.fake.requests().iter().map(|r| r.answered).collect();
        assert_eq!(
            answered,
            [
                403, 400, 400, 400, 400, 200, 200, 400, 400, 400, 200, 401, 401, 401
            ]
        );
    }

    #[tokio::test]
    async fn x_mentions_take_scripted_trouble() {
        let f = fixture().await;
        f.fake.x_mention(mention(1));
        f.fake.fail_next(Platform::X, Trouble::x_rate_limited(60));
        f.fake.fail_next(Platform::X, Trouble::server_error(503));
        let limited = f.mentions(&[("max_results", "5")]).await;
        assert_eq!(limited.status(), 429);
        assert_eq!(header(&limited, "x-rate-limit-limit"), "300");
        assert_eq!(header(&limited, "x-rate-limit-remaining"), "0");
        let reset: u64 = header(&limited, "x-rate-limit-reset")
            .parse()
            .expect("reset");
        assert!((unix_now() + 55..=unix_now() + 60).contains(&reset));
        assert_eq!(
            json_of(limited).await["type"],
            "https://api.x.com/2/problems/rate-limit-exceeded"
        );
        assert_eq!(f.mentions(&[]).await.status(), 503);
        let ok = f.mentions(&[]).await;
        assert_eq!(ok.status(), 200);
        // The 429 and the 503 counted in the window as X counts every authenticated call.
        assert_eq!(header(&ok, "x-rate-limit-remaining"), "297");
        assert_eq!(json_of(ok).await["meta"]["result_count"], 1);
    }

    #[tokio::test]
    async fn graph_node_answers_the_requested_fields() {
        let f = fixture().await;
        let token = Credentials::default().meta_token;
        let fields = "name,username,user_id,display_phone_number,verified_name,quality_rating";
        let response = f
            .graph_get(&format!("/v21.0/106540352242922?fields={fields}"), &token)
            .await;
        assert_eq!(response.status(), 200);
        assert!(!header(&response, "x-app-usage").is_empty());
        assert_eq!(
            json_of(response).await,
            json!({
                "id": "106540352242922",
                "name": "Fake Page 106540352242922",
                "username": "fake_account_106540352242922",
                "user_id": "106540352242922",
                "display_phone_number": "+1 555-010-0000",
                "verified_name": "Acme Support",
                "quality_rating": "GREEN",
            })
        );
        let bare = f.graph_get("/v21.0/100000000000001", &token).await;
        assert_eq!(
            json_of(bare).await,
            json!({"id": "100000000000001", "name": "Fake Page 100000000000001"})
        );
        let me = f.graph_get("/v21.0/me?fields=id,username", &token).await;
        assert_eq!(
            json_of(me).await,
            json!({"id": "17800000000000001", "username": "fake_account_17800000000000001"})
        );
        let recorded = f.fake.requests();
        assert_eq!(recorded[0].method, "GET");
        assert_eq!(recorded[0].path, "/graph/v21.0/106540352242922");
        assert_eq!(recorded[0].body, Value::Null);
        assert_eq!(f.fake.sent(Platform::Meta).len(), 3);
    }

    #[tokio::test]
    async fn graph_node_refuses_an_unknown_field_with_code_100() {
        let f = fixture().await;
        let token = Credentials::default().meta_token;
        let response = f
            .graph_get(
                "/v21.0/17800000000000001?fields=name,follower_count",
                &token,
            )
            .await;
        assert_eq!(response.status(), 400);
        let error = json_of(response).await["error"].clone();
        assert_eq!(
            error["message"],
            "(#100) Tried accessing nonexisting field (follower_count) on node type (User)"
        );
        assert_eq!(error["type"], "OAuthException");
        assert_eq!(error["code"], 100);
        assert!(error["fbtrace_id"].is_string());
        assert!(error.get("error_subcode").is_none());
    }

    #[tokio::test]
    async fn graph_node_checks_the_token_like_the_sends_and_takes_scripted_trouble() {
        let f = fixture().await;
        let wrong = f.graph_get("/v21.0/me?fields=name", "wrong").await;
        assert_eq!(wrong.status(), 400);
        assert_eq!(json_of(wrong).await["error"]["code"], 190);
        let url = format!(
            "{}?fields=name&access_token={}",
            f.url(Platform::Meta, "/v21.0/me"),
            Credentials::default().meta_token
        );
        let by_query = f.client.get(url).send().await.expect("request");
        assert_eq!(by_query.status(), 200);
        assert_eq!(json_of(by_query).await["id"], "17800000000000001");
        let token = Credentials::default().meta_token;
        f.fake.fail_next(Platform::Meta, Trouble::meta_throttled());
        let throttled = f.graph_get("/v21.0/me?fields=name", &token).await;
        assert_eq!(throttled.status(), 400);
        let usage: Value =
            serde_json::from_str(&header(&throttled, "x-app-usage")).expect("usage json");
        assert_eq!(usage["call_count"], 100);
        assert_eq!(json_of(throttled).await["error"]["code"], 4);
        f.fake.expire_token(Platform::Meta);
        let expired = f.graph_get("/v21.0/me?fields=name", &token).await;
        let error = json_of(expired).await["error"].clone();
        assert_eq!(
            (error["code"].clone(), error["error_subcode"].clone()),
            (json!(190), json!(463))
        );
        let answered: Vec<u16> = f.fake.requests().iter().map(|r| r.answered).collect();
        assert_eq!(answered, [400, 200, 400, 400]);
    }

    #[tokio::test]
    async fn telegram_get_me_answers_the_bot_by_get_and_post() {
        let f = fixture().await;
        let token = Credentials::default().telegram_bot_token;
        let expected = json!({
            "ok": true,
            "result": {
                "id": 7_000_000_001_i64,
                "is_bot": true,
                "first_name": "Acme Care",
                "username": "acme_care_bot",
                "can_join_groups": true,
                "can_read_all_group_messages": false,
                "supports_inline_queries": false,
            },
        });
        for method in [reqwest::Method::GET, reqwest::Method::POST] {
            let response = f.telegram_get_me(method, &token).await;
            assert_eq!(response.status(), 200);
            assert_eq!(json_of(response).await, expected);
        }
        let methods: Vec<String> = f.fake.requests().into_iter().map(|r| r.method).collect();
        assert_eq!(methods, ["GET", "POST"]);
        assert_eq!(f.fake.requests()[0].body, Value::Null);
        assert_eq!(
            f.fake.requests()[0].path,
            format!("/telegram/bot{token}/getMe")
        );
    }

    #[tokio::test]
    async fn telegram_get_me_refuses_a_wrong_or_expired_token_and_takes_scripted_trouble() {
        let f = fixture().await;
        let unauthorized = json!({"ok": false, "error_code": 401, "description": "Unauthorized"});
        let wrong = f.telegram_get_me(reqwest::Method::GET, "1:wrong").await;
        assert_eq!(wrong.status(), 401);
        assert_eq!(json_of(wrong).await, unauthorized);
        let token = Credentials::default().telegram_bot_token;
        f.fake
            .fail_next(Platform::Telegram, Trouble::telegram_retry_after(3));
        let flood = f.telegram_get_me(reqwest::Method::GET, &token).await;
        assert_eq!(flood.status(), 429);
        assert_eq!(json_of(flood).await["parameters"]["retry_after"], 3);
        f.fake.expire_token(Platform::Telegram);
        let expired = f.telegram_get_me(reqwest::Method::GET, &token).await;
        assert_eq!(expired.status(), 401);
        assert_eq!(json_of(expired).await, unauthorized);
        assert!(f.fake.sent(Platform::Telegram).is_empty());
    }

    #[tokio::test]
    async fn x_tweet_reply_answers_201_with_the_new_post() {
        let f = fixture().await;
        let body = json!({"text": "Sorry about that", "reply": {"in_reply_to_tweet_id": "1874000000000000100"}});
        let response = f.x_post("/2/tweets", body, &Credentials::default()).await;
        assert_eq!(response.status(), 201);
        assert_eq!(header(&response, "x-rate-limit-limit"), "100");
        assert_eq!(header(&response, "x-rate-limit-remaining"), "99");
        assert!(
            header(&response, "x-rate-limit-reset")
                .parse::<u64>()
                .expect("reset")
                > unix_now()
        );
        let answer = json_of(response).await;
        let id = answer["data"]["id"].as_str().expect("id");
        assert!(is_numeric(id));
        assert_eq!(answer["data"]["text"], "Sorry about that");
        assert_eq!(answer["data"]["edit_history_tweet_ids"], json!([id]));
        let sent = f.fake.sent(Platform::X);
        assert_eq!(sent.len(), 1);
        assert_eq!(sent[0].path, "/x/2/tweets");
        assert_eq!(
            sent[0].body["reply"]["in_reply_to_tweet_id"],
            "1874000000000000100"
        );
        assert!(
            sent[0]
                .header("authorization")
                .is_some_and(|a| a.starts_with("OAuth "))
        );
    }

    #[tokio::test]
    async fn x_dm_answers_201_with_the_conversation_id() {
        let f = fixture().await;
        let rest = "/2/dm_conversations/with/2000000000000000002/messages";
        let response = f
            .x_post(rest, json!({"text": "Hi Dana"}), &Credentials::default())
            .await;
        assert_eq!(response.status(), 201);
        assert_eq!(header(&response, "x-rate-limit-limit"), "15");
        let answer = json_of(response).await;
        assert_eq!(
            answer["data"]["dm_conversation_id"],
            "1000000000000000001-2000000000000000002"
        );
        assert!(is_numeric(
            answer["data"]["dm_event_id"].as_str().expect("event id")
        ));
    }

    #[tokio::test]
    async fn x_refuses_a_wrong_signature_missing_header_and_expired_token() {
        let f = fixture().await;
        let wrong = Credentials {
            consumer_secret: "not-the-secret".into(),
            ..Credentials::default()
        };
        let response = f.x_post("/2/tweets", json!({"text": "hi"}), &wrong).await;
        assert_eq!(response.status(), 401);
        assert_eq!(
            json_of(response).await,
            json!({"title": "Unauthorized", "type": "about:blank", "status": 401, "detail": "Unauthorized"})
        );
        let unsigned = f
            .client
            .post(f.url(Platform::X, "/2/tweets"))
            .json(&json!({"text": "hi"}))
            .send()
            .await
            .expect("request");
        assert_eq!(unsigned.status(), 401);
        f.fake.expire_token(Platform::X);
        let expired = f
            .x_post("/2/tweets", json!({"text": "hi"}), &Credentials::default())
            .await;
        assert_eq!(expired.status(), 401);
        f.fake.restore_token(Platform::X);
        let restored = f
            .x_post("/2/tweets", json!({"text": "hi"}), &Credentials::default())
            .await;
        assert_eq!(restored.status(), 201);
        let answered: Vec<u16> = f.fake.requests().iter().map(|r| r.answered).collect();
        assert_eq!(answered, [401, 401, 401, 201]);
        assert_eq!(f.fake.sent(Platform::X).len(), 1);
    }

    #[tokio::test]
    async fn x_rate_limited_answers_429_until_the_reset() {
        let f = fixture().await;
        f.fake.fail_next(Platform::X, Trouble::x_rate_limited(60));
        let response = f
            .x_post("/2/tweets", json!({"text": "hi"}), &Credentials::default())
            .await;
        assert_eq!(response.status(), 429);
        assert_eq!(header(&response, "x-rate-limit-remaining"), "0");
        let reset: u64 = header(&response, "x-rate-limit-reset")
            .parse()
            .expect("reset");
        assert!((unix_now() + 55..=unix_now() + 60).contains(&reset));
        assert!(header(&response, "retry-after").is_empty());
        let body = json_of(response).await;
        assert_eq!(
            body["type"],
            "https://api.x.com/2/problems/rate-limit-exceeded"
        );
        let next = f
            .x_post("/2/tweets", json!({"text": "hi"}), &Credentials::default())
            .await;
        assert_eq!(next.status(), 201);
        let answered: Vec<u16> = f.fake.requests().iter().map(|r| r.answered).collect();
        assert_eq!(answered, [429, 201]);
    }

    #[tokio::test]
    async fn meta_public_replies_answer_with_new_comment_ids() {
        let f = fixture().await;
        let token = Credentials::default().meta_token;
        let fb = f
            .graph_post(
                "/v21.0/400000000000001_500000000000001/comments",
                &token,
                json!({"message": "Thanks"}),
            )
            .await;
        assert_eq!(fb.status(), 200);
        assert!(!header(&fb, "x-app-usage").is_empty());
        let id = json_of(fb).await["id"].as_str().expect("id").to_owned();
        assert!(id.starts_with("400000000000001_"), "{id}");
        let ig = f
            .graph_post(
                "/v21.0/17900000000000001/replies",
                &token,
                json!({"message": "Thanks"}),
            )
            .await;
        assert_eq!(ig.status(), 200);
        assert!(is_numeric(json_of(ig).await["id"].as_str().expect("id")));
    }

    #[tokio::test]
    async fn meta_send_api_answers_and_allows_one_private_reply_per_comment() {
        let f = fixture().await;
        let token = Credentials::default().meta_token;
        let dm = json!({"recipient": {"id": "7000000000000001"}, "messaging_type": "RESPONSE", "message": {"text": "Hi"}});
        let answer = json_of(
            f.graph_post("/v21.0/100000000000001/messages", &token, dm)
                .await,
        )
        .await;
        assert_eq!(answer["recipient_id"], "7000000000000001");
        assert!(
            answer["message_id"]
                .as_str()
                .expect("mid")
                .starts_with("m_")
        );
        let private = json!({"recipient": {"comment_id": "400000000000001_500000000000001"}, "message": {"text": "DM"}});
        let first = f
            .graph_post("/v21.0/100000000000001/messages", &token, private.clone())
            .await;
        assert_eq!(first.status(), 200);
        let first = json_of(first).await;
        assert!(is_numeric(first["recipient_id"].as_str().expect("psid")));
        let second = f
            .graph_post("/v21.0/100000000000001/messages", &token, private)
            .await;
        assert_eq!(second.status(), 400);
        assert_eq!(json_of(second).await["error"]["code"], 100);
    }

    #[tokio::test]
    async fn whatsapp_send_answers_with_a_wamid() {
        let f = fixture().await;
        let body = json!({
            "messaging_product": "whatsapp", "recipient_type": "individual", "to": "15550001111",
            "type": "text", "text": {"preview_url": false, "body": "Thanks"},
        });
        let response = f
            .graph_post(
                "/v21.0/106540352242922/messages",
                &Credentials::default().meta_token,
                body,
            )
            .await;
        assert_eq!(response.status(), 200);
        let answer = json_of(response).await;
        assert_eq!(answer["messaging_product"], "whatsapp");
        assert_eq!(
            answer["contacts"],
            json!([{"input": "15550001111", "wa_id": "15550001111"}])
        );
        assert!(
            answer["messages"][0]["id"]
                .as_str()
                .expect("wamid")
                .starts_with("wamid.")
        );
    }

    #[tokio::test]
    async fn meta_refuses_a_wrong_token_with_code_190_and_accepts_the_query_token() {
        let f = fixture().await;
        let body = json!({"message": "Thanks"});
        let response = f
            .graph_post("/v21.0/1/comments", "wrong", body.clone())
            .await;
        assert_eq!(response.status(), 400);
        let error = json_of(response).await["error"].clone();
        assert_eq!(error["code"], 190);
        assert_eq!(error["type"], "OAuthException");
        assert_eq!(
            error["message"],
            "Invalid OAuth access token - Cannot parse access token"
        );
        assert!(error["fbtrace_id"].is_string());
        let url = format!(
            "{}?access_token={}",
            f.url(Platform::Meta, "/v21.0/1/comments"),
            Credentials::default().meta_token
        );
        let by_query = f
            .client
            .post(url)
            .json(&body)
            .send()
            .await
            .expect("request");
        assert_eq!(by_query.status(), 200);
        f.fake.expire_token(Platform::Meta);
        let expired = f
            .graph_post(
                "/v21.0/1/comments",
                &Credentials::default().meta_token,
                body,
            )
            .await;
        assert_eq!(json_of(expired).await["error"]["error_subcode"], 463);
    }

    #[tokio::test]
    async fn meta_throttling_and_scripted_errors_come_in_order() {
        let f = fixture().await;
        let token = Credentials::default().meta_token;
        f.fake.fail_next(Platform::Meta, Trouble::meta_throttled());
        f.fake.fail_next(
            Platform::Meta,
            Trouble::meta_error(400, 10, Some(2_018_278), "(#10) outside the allowed window"),
        );
        // A refused token does not use up the script.
        let refused = f
            .graph_post("/v21.0/1/comments", "wrong", json!({"message": "a"}))
            .await;
        assert_eq!(refused.status(), 400);
        let throttled = f
            .graph_post("/v21.0/1/comments", &token, json!({"message": "a"}))
            .await;
        assert_eq!(throttled.status(), 400);
        let usage: Value =
            serde_json::from_str(&header(&throttled, "x-app-usage")).expect("usage json");
        assert_eq!(usage["call_count"], 100);
        assert_eq!(json_of(throttled).await["error"]["code"], 4);
        let window = f
            .graph_post("/v21.0/1/comments", &token, json!({"message": "a"}))
            .await;
        let error = json_of(window).await["error"].clone();
        assert_eq!(
            (error["code"].clone(), error["error_subcode"].clone()),
            (json!(10), json!(2_018_278))
        );
        let ok = f
            .graph_post("/v21.0/1/comments", &token, json!({"message": "a"}))
            .await;
        assert_eq!(ok.status(), 200);
        assert_eq!(f.fake.sent(Platform::Meta).len(), 1);
    }

    #[tokio::test]
    async fn telegram_send_message_answers_with_the_message() {
        let f = fixture().await;
        let token = Credentials::default().telegram_bot_token;
        let body = json!({"chat_id": 5_000_000_001_i64, "text": "Looking into it", "reply_parameters": {"message_id": 42}});
        let response = f.telegram_send(&token, body).await;
        assert_eq!(response.status(), 200);
        let answer = json_of(response).await;
        assert_eq!(answer["ok"], true);
        assert!(answer["result"]["message_id"].is_u64());
        assert!(answer["result"]["date"].is_u64());
        assert_eq!(
            answer["result"]["chat"],
            json!({"id": 5_000_000_001_i64, "type": "private"})
        );
        assert_eq!(answer["result"]["text"], "Looking into it");
    }

    #[tokio::test]
    async fn telegram_refuses_a_wrong_token_and_scripts_flood_control() {
        let f = fixture().await;
        let wrong = f
            .telegram_send("1:wrong", json!({"chat_id": 1, "text": "hi"}))
            .await;
        assert_eq!(wrong.status(), 401);
        assert_eq!(
            json_of(wrong).await,
            json!({"ok": false, "error_code": 401, "description": "Unauthorized"})
        );
        let token = Credentials::default().telegram_bot_token;
        f.fake
            .fail_next(Platform::Telegram, Trouble::telegram_retry_after(7));
        f.fake
            .fail_next(Platform::Telegram, Trouble::telegram_blocked());
        let flood = f
            .telegram_send(&token, json!({"chat_id": 1, "text": "hi"}))
            .await;
        assert_eq!(flood.status(), 429);
        let flood = json_of(flood).await;
        assert_eq!(flood["parameters"]["retry_after"], 7);
        assert_eq!(flood["description"], "Too Many Requests: retry after 7");
        let blocked = f
            .telegram_send(&token, json!({"chat_id": 1, "text": "hi"}))
            .await;
        assert_eq!(blocked.status(), 403);
        assert_eq!(
            json_of(blocked).await["description"],
            "Forbidden: bot was blocked by the user"
        );
    }

    #[tokio::test]
    async fn partner_callback_verifies_standard_webhooks_signatures() {
        let f = fixture().await;
        let secret = Credentials::default().partner_secret;
        let payload = r#"{"type":"message.created","data":{"text":"hi"}}"#;
        let response = f.partner_post(&secret, payload).await;
        assert_eq!(response.status(), 200);
        assert!(
            json_of(response).await["id"]
                .as_str()
                .expect("id")
                .starts_with("partner-")
        );
        let recorded = f.fake.sent(Platform::Partner);
        assert_eq!(recorded[0].body["type"], "message.created");
        assert_eq!(recorded[0].header("webhook-id"), Some("msg_1"));
        let other = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
        let forged = f.partner_post(other, payload).await;
        assert_eq!(forged.status(), 401);
    }

    #[tokio::test]
    async fn partner_scripted_server_errors_carry_retry_after() {
        let f = fixture().await;
        let secret = Credentials::default().partner_secret;
        f.fake
            .fail_next(Platform::Partner, Trouble::with_retry_after(503, 30));
        f.fake
            .fail_next(Platform::Partner, Trouble::server_error(502));
        let unavailable = f.partner_post(&secret, "{}").await;
        assert_eq!(unavailable.status(), 503);
        assert_eq!(header(&unavailable, "retry-after"), "30");
        let bad_gateway = f.partner_post(&secret, "{}").await;
        assert_eq!(bad_gateway.status(), 502);
        assert_eq!(bad_gateway.text().await.expect("text"), "Bad Gateway");
        assert_eq!(f.fake.partner_answers(), [503, 502]);
    }

    #[tokio::test]
    async fn unknown_routes_are_recorded_as_404() {
        let f = fixture().await;
        let response = f
            .client
            .post(f.url(Platform::Telegram, "/botX/sendPhoto"))
            .send()
            .await
            .expect("request");
        assert_eq!(response.status(), 404);
        let get = f
            .client
            .get(f.url(Platform::X, "/2/tweets"))
            .send()
            .await
            .expect("request");
        assert_eq!(get.status(), 404);
        let recorded = f.fake.requests();
        assert_eq!(recorded[0].answered, 404);
        assert_eq!(recorded[0].method, "POST");
        assert_eq!(
            (recorded[1].method.as_str(), recorded[1].answered),
            ("GET", 404)
        );
    }

    impl FakePlatforms {
        fn partner_answers(&self) -> Vec<u16> {
            self.requests()
                .iter()
                .filter(|r| r.platform == Platform::Partner)
                .map(|r| r.answered)
                .collect()
        }
    }
}
