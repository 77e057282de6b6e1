//! The routes the fakes serve, parsed from a request's method and path.

/// A route the fakes serve, parsed from the method and path.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Route {
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
    /// `GET /2/tweets/search/recent`: posts of the last 7 days matching a query.
    XSearch,
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
    pub(crate) fn parse(method: &str, segments: &[&str]) -> Option<Route> {
        match method {
            "POST" => Self::parse_post(segments),
            "GET" => Self::parse_get(segments),
            _ => None,
        }
    }

    pub(crate) fn parse_get(segments: &[&str]) -> Option<Route> {
        match segments {
            ["x", "2", "users", "me"] => Some(Route::XUsersMe),
            ["x", "2", "users", id, "mentions"] if !id.is_empty() => Some(Route::XMentions {
                user_id: (*id).to_owned(),
            }),
            ["x", "2", "tweets", "search", "recent"] => Some(Route::XSearch),
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
    pub(crate) fn telegram_token(segment: &str) -> Option<String> {
        segment.strip_prefix("bot").map(str::to_owned)
    }

    pub(crate) fn parse_post(segments: &[&str]) -> Option<Route> {
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
pub(crate) fn x_limit(route: &Route) -> u64 {
    match route {
        Route::XDirectMessage { .. } => 15,
        Route::XUsersMe => 75,
        Route::XMentions { .. } | Route::XSearch => 300,
        _ => 100,
    }
}
