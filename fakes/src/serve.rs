//! The one handler behind every route: authenticate, answer (scripted or normal), decorate
//! with the platform's headers, record.

use super::*;

/// The one handler: route, authenticate, answer (scripted or normal), record.
pub(crate) async fn handle(
    req: HttpRequest,
    raw: web::Bytes,
    shared: web::Data<Shared>,
) -> HttpResponse {
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
    let answer_body = match &answer.body {
        Body::Json(value) => value.clone(),
        Body::Text(text) => Value::String(text.clone()),
    };
    state.recorded.push(Recorded {
        platform,
        method: req.method().as_str().to_owned(),
        path,
        headers: header_pairs(&req),
        body,
        answered: answer.status,
        answer: answer_body,
        at: Instant::now(),
    });
    drop(state);
    answer.into_response()
}

/// The answer to a request on a known route: an authentication failure, the scripted
/// trouble, or the platform's normal answer — in that order, as the brief of `fail_next` says.
pub(crate) fn answer(
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
        Route::XSearch => x_search(state, credentials, req.query_string()),
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
pub(crate) fn decorate(
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
