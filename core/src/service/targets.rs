//! Outbound targets (channel API base URLs, later webhooks): only http(s), and no private,
//! loopback or link-local addresses unless configuration allows them.

use std::net::IpAddr;

/// Checks a URL against the operator's policy: a host named in `EARSHOT_ALLOWED_TARGETS`
/// passes; others as [`check_url`] says.
pub(crate) fn check_target(
    url: &str,
    policy: &crate::platform_http::TargetPolicy,
) -> Result<(), String> {
    let listed = url
        .split_once("://")
        .map(|(_, rest)| host_of(rest.split(['/', '?', '#']).next().unwrap_or_default()))
        .is_some_and(|host| host_allowed(&policy.allowed_hosts, host));
    match listed {
        true => Ok(()),
        false => check_url(url, policy.allow_private),
    }
}

/// Whether `host` is one the operator named (case-insensitive).
pub(crate) fn host_allowed(allowed: &[String], host: &str) -> bool {
    allowed.iter().any(|a| a.eq_ignore_ascii_case(host))
}

/// Checks a URL an operator gives us to call; the error is a sentence for the client.
pub(crate) fn check_url(url: &str, allow_private: bool) -> Result<(), String> {
    let rest = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"))
        .ok_or_else(|| "the URL must start with http:// or https://".to_owned())?;
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    let host = host_of(authority);
    if host.is_empty() {
        return Err("the URL has no host".to_owned());
    }
    if allow_private {
        return Ok(());
    }
    if host.eq_ignore_ascii_case("localhost") || host.ends_with(".localhost") {
        return Err("loopback addresses are not allowed".to_owned());
    }
    if let Ok(ip) = host.parse::<IpAddr>()
        && is_private(ip)
    {
        return Err("private, loopback and link-local addresses are not allowed".to_owned());
    }
    Ok(())
}

fn host_of(authority: &str) -> &str {
    let without_user = authority.rsplit('@').next().unwrap_or(authority);
    if let Some(rest) = without_user.strip_prefix('[') {
        return rest.split(']').next().unwrap_or_default();
    }
    without_user.split(':').next().unwrap_or_default()
}

/// Private, loopback, link-local, unique-local, unspecified and IPv4-mapped forms of them.
pub(crate) fn is_private(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => {
            v4.is_private()
                || v4.is_loopback()
                || v4.is_link_local()
                || v4.is_unspecified()
                || v4.is_broadcast()
                || v4.octets()[0] == 100 && (64..128).contains(&v4.octets()[1])
        }
        IpAddr::V6(v6) => {
            if let Some(v4) = v6.to_ipv4_mapped() {
                return is_private(IpAddr::V4(v4));
            }
            let first = v6.segments()[0];
            v6.is_loopback()
                || v6.is_unspecified()
                || (first & 0xfe00) == 0xfc00
                || (first & 0xffc0) == 0xfe80
        }
    }
}

#[cfg(test)]
mod tests {
    use super::check_url;

    #[test]
    fn private_targets_are_refused_unless_allowed() {
        for url in [
            "http://127.0.0.1:9000/x",
            "http://localhost/",
            "https://10.1.2.3",
            "http://[::1]:80/",
            "http://[::ffff:192.168.0.1]/",
            "http://169.254.169.254/latest",
            "http://user@192.168.1.1/",
            "http://[fd00::1]/",
        ] {
            assert!(check_url(url, false).is_err(), "{url}");
            assert!(check_url(url, true).is_ok(), "{url}");
        }
        assert!(check_url("https://graph.facebook.com/v19.0", false).is_ok());
        assert!(check_url("ftp://example.com", true).is_err());
        assert!(check_url("https://", true).is_err());
    }
}
