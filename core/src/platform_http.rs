//! The HTTP client that calls the platforms and partners' callbacks: rustls, no redirects,
//! bounded waits, and a resolver that keeps a host name from leading to a private,
//! loopback or link-local address (a public name pointed at an internal service) unless the
//! operator allows private targets or names the host in `EARSHOT_ALLOWED_TARGETS`. URLs are
//! checked when they are configured (`service::targets`); this guards the addresses they
//! resolve to when called.

use std::net::SocketAddr;
use std::sync::Arc;

use reqwest::dns::{Addrs, Name, Resolve, Resolving};

use crate::service::targets::{host_allowed, is_private};

/// What may be called.
#[derive(Debug, Clone, Default)]
pub struct TargetPolicy {
    /// Private addresses are fine (`EARSHOT_ALLOW_PRIVATE_TARGETS`).
    pub allow_private: bool,
    /// Hosts allowed whatever they resolve to (`EARSHOT_ALLOWED_TARGETS`).
    pub allowed_hosts: Vec<String>,
}

/// Resolves names with the system resolver, then drops private addresses unless allowed.
#[derive(Debug, Clone)]
struct GuardedResolver {
    policy: Arc<TargetPolicy>,
}

impl Resolve for GuardedResolver {
    fn resolve(&self, name: Name) -> Resolving {
        let policy = self.policy.clone();
        let host = name.as_str().to_owned();
        Box::pin(async move {
            let found: Vec<SocketAddr> =
                tokio::net::lookup_host((host.as_str(), 0)).await?.collect();
            let allowed = allowed_addresses(&policy, &host, found);
            if allowed.is_empty() {
                let refused: Box<dyn std::error::Error + Send + Sync> = format!(
                    "{host} resolves only to private addresses, which are not allowed as targets"
                )
                .into();
                return Err(refused);
            }
            let addrs: Addrs = Box::new(allowed.into_iter());
            Ok(addrs)
        })
    }
}

/// The addresses of `host` the policy lets us call.
fn allowed_addresses(policy: &TargetPolicy, host: &str, found: Vec<SocketAddr>) -> Vec<SocketAddr> {
    if policy.allow_private || host_allowed(&policy.allowed_hosts, host) {
        return found;
    }
    found
        .into_iter()
        .filter(|addr| !is_private(addr.ip()))
        .collect()
}

/// The client for platform calls. A platform that does not answer within the timeout is
/// retried later like one that failed.
pub(crate) fn client(policy: TargetPolicy) -> reqwest::Client {
    // reqwest is built without a default TLS provider: the process's is ring.
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::builder()
        .user_agent(concat!("Earshot/", env!("CARGO_PKG_VERSION")))
        .connect_timeout(std::time::Duration::from_secs(5))
        .timeout(std::time::Duration::from_secs(15))
        .redirect(reqwest::redirect::Policy::none())
        .dns_resolver(Arc::new(GuardedResolver {
            policy: Arc::new(policy),
        }))
        .build()
        .unwrap_or_else(|_| reqwest::Client::new())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn addr(ip: &str) -> SocketAddr {
        SocketAddr::new(ip.parse().unwrap(), 0)
    }

    #[test]
    fn private_addresses_of_a_name_are_dropped_unless_allowed() {
        let found = vec![addr("10.0.0.7"), addr("93.184.216.34"), addr("127.0.0.1")];
        let strict = TargetPolicy::default();
        assert_eq!(
            allowed_addresses(&strict, "api.example.com", found.clone()),
            vec![addr("93.184.216.34")]
        );
        let listed = TargetPolicy {
            allow_private: false,
            allowed_hosts: vec!["proxy.internal".into()],
        };
        assert_eq!(
            allowed_addresses(&listed, "PROXY.internal", found.clone()).len(),
            3
        );
        let open = TargetPolicy {
            allow_private: true,
            allowed_hosts: Vec::new(),
        };
        assert_eq!(allowed_addresses(&open, "api.example.com", found).len(), 3);
    }

    #[tokio::test]
    async fn a_name_that_leads_only_inside_is_refused_when_called() {
        let resolver = GuardedResolver {
            policy: Arc::new(TargetPolicy::default()),
        };
        let name: Name = "localhost".parse().unwrap();
        let refused = resolver.resolve(name).await;
        assert!(refused.is_err());
        let open = GuardedResolver {
            policy: Arc::new(TargetPolicy {
                allow_private: true,
                allowed_hosts: Vec::new(),
            }),
        };
        let name: Name = "localhost".parse().unwrap();
        assert!(open.resolve(name).await.is_ok());
    }
}
