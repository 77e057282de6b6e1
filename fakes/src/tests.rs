use super::x::{dm_conversation_id, id_order, is_numeric, oauth1_signature};
use super::*;
use std::cmp::Ordering;
use std::num::NonZeroU64;
mod graph;
mod mentions;
mod partner;
mod search;
mod telegram;
mod x;
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
        let authorization = oauth1_request::get(&url, &signed, &token, oauth1_request::HMAC_SHA1);
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
impl FakePlatforms {
    fn partner_answers(&self) -> Vec<u16> {
        self.requests()
            .iter()
            .filter(|r| r.platform == Platform::Partner)
            .map(|r| r.answered)
            .collect()
    }
}
fn http_client() -> reqwest::Client {
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client")
}
