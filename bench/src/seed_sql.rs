//! The SQL of the bulk load: set-based `INSERT … SELECT generate_series` statements that
//! build contacts, identities, conversations, tags and messages inside PostgreSQL.
//!
//! Ids are UUIDv7-shaped (a millisecond time prefix, like `Uuid::now_v7()` in the app) and
//! derived from a row number, so conversations can name their contact without a join.

/// The channel kinds in the proportions contacts arrive through (index = contact % 10).
pub const KIND_SLOTS: [&str; 10] = [
    "x",
    "x",
    "x",
    "facebook",
    "facebook",
    "instagram",
    "instagram",
    "whatsapp",
    "telegram",
    "api",
];

/// Tags, most common first: tag `k` (1-based) is drawn with probability √(k/20) − √((k−1)/20).
pub const TAGS: [&str; 20] = [
    "billing",
    "shipping",
    "bug",
    "refund",
    "vip",
    "login",
    "complaint",
    "feature-request",
    "outage",
    "praise",
    "delivery-delay",
    "cancellation",
    "pricing",
    "account",
    "privacy",
    "spam",
    "partnership",
    "press",
    "escalation",
    "feedback",
];

const FIRST_NAMES: &[&str] = &[
    "Anna", "Ben", "Carla", "David", "Emma", "Felix", "Grace", "Hugo", "Ines", "Jonas", "Kira",
    "Liam", "Mia", "Noah", "Olga", "Paul", "Quinn", "Rosa", "Sam", "Tara", "Umar", "Vera", "Will",
    "Xena", "Yusuf", "Zoe", "Aiko", "Bruno", "Chen", "Dara", "Eli", "Fatima", "Goran", "Hana",
    "Ivan", "Jana", "Kofi", "Lena", "Marco", "Nina", "Omar", "Priya", "Rafael", "Sara", "Tomas",
    "Uma", "Victor", "Wen", "Yara", "Zane",
];

const LAST_NAMES: &[&str] = &[
    "Smith", "Garcia", "Muller", "Rossi", "Dubois", "Kowalski", "Nguyen", "Kim", "Silva", "Jensen",
    "Novak", "Ivanova", "Okafor", "Haddad", "Tanaka", "Schmidt", "Moreau", "Costa", "Larsen",
    "Horvat", "Petrov", "Mensah", "Khan", "Sato", "Fischer", "Laurent", "Ferreira", "Nielsen",
    "Popescu", "Yilmaz", "Brown", "Lopez", "Weber", "Romano", "Bernard", "Nowak", "Tran", "Park",
    "Santos", "Hansen", "Kovac", "Sokolova", "Adeyemi", "Aziz", "Suzuki", "Wagner", "Girard",
    "Almeida", "Berg", "Marin", "Volkov", "Asante", "Malik", "Ito", "Becker", "Fontaine",
    "Pereira", "Lund", "Dumitru", "Demir",
];

/// Words of customer messages, most frequent first (drawn with a power-law skew). The
/// search scenario looks for [`SEARCH_WORD`], which sits in the long tail.
const WORDS: &[&str] = &[
    "the",
    "my",
    "i",
    "is",
    "not",
    "to",
    "and",
    "it",
    "please",
    "help",
    "you",
    "a",
    "for",
    "this",
    "have",
    "with",
    "was",
    "still",
    "again",
    "your",
    "can",
    "me",
    "why",
    "no",
    "been",
    "delivery",
    "package",
    "account",
    "app",
    "payment",
    "order",
    "refund",
    "support",
    "waiting",
    "days",
    "charged",
    "password",
    "login",
    "card",
    "late",
    "broken",
    "email",
    "reply",
    "thanks",
    "service",
    "subscription",
    "cancel",
    "shipping",
    "wrong",
    "return",
    "error",
    "update",
    "phone",
    "price",
    "tracking",
    "address",
    "missing",
    "item",
    "great",
    "love",
    "terrible",
    "worst",
    "outage",
    "down",
    "crash",
    "invoice",
    "twice",
    "damaged",
    "size",
    "exchange",
    "agent",
    "week",
    "hours",
    "awesome",
    "version",
    "android",
    "iphone",
    "store",
    "discount",
    "coupon",
    "code",
    "promo",
    "number",
    "change",
    "quality",
    "battery",
    "screen",
    "repair",
    "manager",
    "complaint",
    "feedback",
    "feature",
    "request",
    "dark",
    "mode",
    "sync",
    "data",
    "export",
    "privacy",
    "delete",
    "billing",
    "plan",
    "upgrade",
    "warranty",
    "downgrade",
    "trial",
    "premium",
    "family",
    "share",
    "gift",
    "balance",
    "points",
    "rewards",
    "loyalty",
    "pickup",
    "courier",
    "driver",
    "rude",
    "friendly",
    "fast",
    "slow",
    "unacceptable",
    "disappointed",
    "happy",
    "recommend",
    "never",
    "today",
    "tomorrow",
    "yesterday",
    "monday",
    "friday",
    "weekend",
    "urgent",
    "asap",
    "immediately",
    "lawyer",
    "chargeback",
    "fraud",
    "scam",
    "hacked",
    "locked",
    "verification",
    "sms",
    "otp",
    "receipt",
    "voucher",
    "bundle",
    "firmware",
    "bluetooth",
    "charger",
    "cable",
    "headphones",
    "speaker",
    "tablet",
    "laptop",
    "warehouse",
    "customs",
];

/// The word the `search_word` scenario looks for.
pub const SEARCH_WORD: &str = "warranty";

/// How many distinct sentences messages are drawn from.
const SENTENCES: u32 = 20_000;

fn array(values: &[&str]) -> String {
    let quoted: Vec<String> = values
        .iter()
        .map(|v| format!("'{}'", v.replace('\'', "''")))
        .collect();
    format!("ARRAY[{}]", quoted.join(","))
}

/// A UUID literal array.
pub fn uuid_array(ids: &[uuid::Uuid]) -> String {
    let quoted: Vec<String> = ids.iter().map(|id| format!("'{id}'")).collect();
    format!("ARRAY[{}]::uuid[]", quoted.join(","))
}

/// Session settings and helper functions (temporary: they live on the one connection).
pub fn prelude() -> Vec<String> {
    let first = array(FIRST_NAMES);
    let last = array(LAST_NAMES);
    let nf = FIRST_NAMES.len();
    let nl = LAST_NAMES.len();
    vec![
        "SET maintenance_work_mem = '1GB'".into(),
        "SET synchronous_commit = off".into(),
        // The generated rows are consistent by construction; skip per-row FK triggers.
        "SET session_replication_role = replica".into(),
        "CREATE FUNCTION pg_temp.bench_uuid(ms bigint, kind int, n bigint) RETURNS uuid \
         LANGUAGE sql IMMUTABLE AS $$ SELECT (lpad(to_hex(ms), 12, '0') || '7' || \
         lpad(to_hex(kind), 3, '0') || '8' || lpad(to_hex(n), 15, '0'))::uuid $$"
            .into(),
        format!(
            "CREATE FUNCTION pg_temp.bench_first(c bigint) RETURNS text LANGUAGE sql IMMUTABLE \
             AS $$ SELECT ({first})[1 + c % {nf}] $$"
        ),
        format!(
            "CREATE FUNCTION pg_temp.bench_last(c bigint) RETURNS text LANGUAGE sql IMMUTABLE \
             AS $$ SELECT ({last})[1 + (c / {nf}) % {nl}] $$"
        ),
        format!(
            "CREATE TEMP TABLE bench_sentences AS SELECT n, \
             (SELECT string_agg(w[1 + floor(power(random(), 2.5) * array_length(w, 1))::int], ' ' ORDER BY g) \
              FROM generate_series(1, 6 + n % 10) g WHERE n >= 0) AS text \
             FROM generate_series(0, {last_sentence}) n, (SELECT {words} AS w) v",
            last_sentence = SENTENCES - 1,
            words = array(WORDS),
        ),
        "CREATE UNIQUE INDEX ON bench_sentences (n)".into(),
    ]
}

/// Contacts `lo..=hi`, named from first × last names, created at `base_ms + c`.
pub fn contacts(ws: uuid::Uuid, base_ms: i64, lo: i64, hi: i64) -> String {
    format!(
        "INSERT INTO contacts (id, workspace_id, display_name, search_text, attributes, created_at, updated_at) \
         SELECT pg_temp.bench_uuid({base_ms} + c, 1, c), '{ws}', name, \
                name || ' ' || name || ' ' || handle, '{{}}'::jsonb, at, at \
         FROM (SELECT c, pg_temp.bench_first(c) || ' ' || pg_temp.bench_last(c) AS name, \
                      lower(pg_temp.bench_first(c) || pg_temp.bench_last(c)) || (c % 1000) AS handle, \
                      to_timestamp(({base_ms} + c) / 1000.0) AS at \
               FROM generate_series({lo}::bigint, {hi}::bigint) c) s"
    )
}

/// One platform identity per contact, on the kind the contact's conversations use.
pub fn identities(ws: uuid::Uuid, base_ms: i64, lo: i64, hi: i64) -> String {
    format!(
        "INSERT INTO contact_identities (id, workspace_id, contact_id, channel_kind, platform_user_id, \
                handle, display_name, avatar_url, follower_count, verified, created_at, updated_at) \
         SELECT pg_temp.bench_uuid({base_ms} + c, 4, c), '{ws}', pg_temp.bench_uuid({base_ms} + c, 1, c), \
                ({kinds})[1 + c % 10], 'u' || c, \
                '@' || lower(pg_temp.bench_first(c) || pg_temp.bench_last(c)) || (c % 1000), \
                pg_temp.bench_first(c) || ' ' || pg_temp.bench_last(c), \
                'https://avatars.example/' || c || '.png', floor(exp(random() * 11))::bigint, \
                random() < 0.01, to_timestamp(({base_ms} + c) / 1000.0), to_timestamp(({base_ms} + c) / 1000.0) \
         FROM generate_series({lo}::bigint, {hi}::bigint) c",
        kinds = array(&KIND_SLOTS),
    )
}

/// What conversations are made of.
pub struct ConversationBatch<'a> {
    /// Workspace.
    pub ws: uuid::Uuid,
    /// Channel per kind slot (same order as [`KIND_SLOTS`]).
    pub channel_slots: &'a [uuid::Uuid],
    /// Agents to assign.
    pub agents: &'a [uuid::Uuid],
    /// Teams.
    pub teams: &'a [uuid::Uuid],
    /// Contact creation base (see [`contacts`]).
    pub base_ms: i64,
    /// "Now" in milliseconds.
    pub now_ms: i64,
    /// Number of contacts.
    pub contacts: i64,
    /// First and last row number.
    pub lo: i64,
    /// Last row number.
    pub hi: i64,
}

/// Conversations `lo..=hi`: status, priority, assignee, team, label, SLA, activity time.
///
/// Open, pending and snoozed conversations were active in the last 30 days, the others over
/// the last year (both skewed towards recent). Contacts are drawn with a skew, so some have
/// many conversations and some none.
pub fn conversations(b: &ConversationBatch<'_>) -> String {
    let ConversationBatch {
        ws,
        base_ms,
        now_ms,
        contacts,
        lo,
        hi,
        ..
    } = *b;
    let channels = uuid_array(b.channel_slots);
    let agents = uuid_array(b.agents);
    let teams = uuid_array(b.teams);
    let n_agents = b.agents.len();
    let n_teams = b.teams.len();
    format!(
        "INSERT INTO conversations (id, workspace_id, channel_id, contact_id, visibility, status, \
                snoozed_until, priority, priority_auto, assignee_id, team_id, label, sentiment, influence, \
                thread_key, message_count, last_activity_at, last_activity_key, last_inbound_at, \
                resolved_at, sla_due_at, sla_due_key, created_at, updated_at) \
         SELECT pg_temp.bench_uuid(created_ms, 2, i), '{ws}', ({channels})[1 + c % 10], \
                pg_temp.bench_uuid({base_ms} + c, 1, c), vis, status, \
                CASE WHEN status = 'snoozed' THEN to_timestamp({now_ms} / 1000.0) + interval '1 day' END, \
                prio, true, \
                CASE WHEN ra < 0.25 THEN NULL ELSE ({agents})[1 + floor(ra2 * {n_agents})::int] END, \
                CASE WHEN rt < 0.3 THEN NULL ELSE ({teams})[1 + floor(rt2 * {n_teams})::int] END, \
                CASE WHEN rl < 0.12 THEN 'adversary' WHEN rl < 0.2 THEN 'advocate' ELSE 'neutral' END, \
                round((rl * 2 - 1)::numeric, 3)::float8, round(rt2::numeric, 3)::float8, \
                CASE WHEN vis = 'public' THEN 'thread-' || i END, mc, \
                to_timestamp(last_ms / 1000.0), last_ms * 1000, to_timestamp(last_ms / 1000.0), \
                CASE WHEN status IN ('resolved', 'closed') THEN to_timestamp(last_ms / 1000.0) END, \
                CASE WHEN status IN ('open', 'pending') THEN to_timestamp(sla_ms / 1000.0) END, \
                CASE WHEN status IN ('open', 'pending') THEN sla_ms * 1000 ELSE 9223372036854775807 END, \
                to_timestamp(created_ms / 1000.0), to_timestamp(last_ms / 1000.0) \
         FROM (SELECT *, last_ms - floor(rc * 3 * 86400000)::bigint AS created_ms \
           FROM (SELECT *, {now_ms} - floor(power(rw, 2) * \
                         CASE WHEN status IN ('open', 'pending', 'snoozed') THEN 30 ELSE 365 END \
                         * 86400000)::bigint AS last_ms, \
                       {now_ms} + floor((rsla * 72 - 24) * 3600000)::bigint AS sla_ms \
             FROM (SELECT *, \
                     CASE WHEN rs < 0.12 THEN 'open' WHEN rs < 0.20 THEN 'pending' \
                          WHEN rs < 0.23 THEN 'snoozed' WHEN rs < 0.60 THEN 'resolved' \
                          ELSE 'closed' END AS status, \
                     CASE WHEN c % 10 < 7 AND rv < 0.7 THEN 'public' ELSE 'private' END AS vis, \
                     (CASE WHEN rp < 0.2 THEN 0 WHEN rp < 0.8 THEN 1 WHEN rp < 0.95 THEN 2 \
                           ELSE 3 END)::smallint AS prio \
               FROM (SELECT i, 1 + floor({contacts} * power(random(), 1.5))::bigint % {contacts} AS c, \
                            random() AS rs, random() AS rv, random() AS rp, random() AS ra, \
                            random() AS ra2, random() AS rt, random() AS rt2, random() AS rl, \
                            random() AS rc, random() AS rw, random() AS rsla, \
                            1 + floor(random() * 3)::int AS mc \
                     FROM generate_series({lo}::bigint, {hi}::bigint) i) r) s) t) u"
    )
}

/// A tag on a share of conversations (`ON CONFLICT` skips a repeat of the same tag).
pub fn tags(share: f64) -> String {
    format!(
        "INSERT INTO conversation_tags \
           (workspace_id, conversation_id, tag, created_at, last_activity_key) \
         SELECT workspace_id, id, ({tags})[1 + floor(20 * power(random(), 2))::int], created_at, \
                last_activity_key \
         FROM conversations WHERE random() < {share} ON CONFLICT DO NOTHING",
        tags = array(&TAGS),
    )
}

/// The `k`-th message (1-based) of every conversation that has at least `k`: customer
/// messages at odd positions, an agent reply at the second. Every message ends with an
/// order number, which the `search_order` scenario looks up.
pub fn messages(k: i64, fallback_agent: uuid::Uuid) -> String {
    format!(
        "INSERT INTO messages (id, workspace_id, conversation_id, channel_id, direction, visibility, \
                author_kind, author_user_id, author_key_id, contact_id, text, platform_message_id, \
                reply_to_platform_id, attachments, mentions, delivery_status, delivery_error, \
                sentiment, sent_at, created_at) \
         SELECT pg_temp.bench_uuid(ms, 3, seq), workspace_id, id, channel_id, \
                CASE WHEN {k} = 2 THEN 'outbound' ELSE 'inbound' END, \
                CASE WHEN {k} = 2 THEN visibility END, \
                CASE WHEN {k} = 2 THEN 'user' ELSE 'contact' END, \
                CASE WHEN {k} = 2 THEN coalesce(assignee_id, '{fallback_agent}') END, NULL, \
                CASE WHEN {k} = 2 THEN NULL ELSE contact_id END, \
                s.text || ' order ' || (100000 + (seq * 7919) % 900000), \
                CASE WHEN {k} = 2 THEN NULL ELSE 'pm-' || seq END, NULL, '[]'::jsonb, '[]'::jsonb, \
                CASE WHEN {k} = 2 THEN 'sent' END, NULL, sentiment, \
                to_timestamp(ms / 1000.0), to_timestamp(ms / 1000.0) \
         FROM (SELECT c.*, {k} * 100000000 + row_number() OVER () AS seq, \
                      c.last_activity_key / 1000 - (c.message_count - {k}) * 600000 AS ms \
               FROM conversations c WHERE c.message_count >= {k}) m \
         JOIN bench_sentences s ON s.n = (m.seq * 31) % {SENTENCES}"
    )
}

/// Secondary (non-unique) indexes of the loaded tables: dropped before the load and
/// re-created after it from their own definitions, which is much faster than keeping them.
pub const SECONDARY_INDEXES: &str = "SELECT i.relname::text AS name, pg_get_indexdef(x.indexrelid) AS def \
     FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_class t ON t.oid = x.indrelid \
     WHERE t.relname IN ('contacts', 'contact_identities', 'conversations', 'conversation_tags', 'messages') \
       AND NOT x.indisunique AND NOT x.indisprimary";
