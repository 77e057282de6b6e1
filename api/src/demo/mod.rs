//! `earshot demo`: a local fake of the platforms beside a running instance, the demo
//! workspace's channels pointed at it, and live customer traffic streamed into the channels'
//! webhooks; replies agents send go to the fake, which reports back on them as each platform
//! does. [`start`] runs it against any instance, so tests run it as the binary does.

mod channels;

use std::sync::Arc;
use std::time::Duration;

use earshot_core::ids::WorkspaceId;
use earshot_core::views::ChannelView;
use earshot_core::{Config, Core};
use earshot_fakes::stream::{Comeback, Stream};
use earshot_fakes::{Credentials, FakePlatforms};
use tokio::task::JoinHandle;

/// The host the demo's fake listens on: the one private target the demo allows.
const FAKE_HOST: &str = "127.0.0.1";

/// How the traffic flows.
#[derive(Debug, Clone, Copy)]
pub struct DemoOptions {
    /// About one customer message this often.
    pub every: Duration,
    /// Stop after this many messages; `None` streams until stopped.
    pub count: Option<u64>,
}

/// Lets channels call the demo's fake on [`FAKE_HOST`] without opening every private
/// address (`EARSHOT_ALLOWED_TARGETS` gains that host for this process only).
pub fn allow_fake(config: &mut Config) {
    if !config.allowed_targets.iter().any(|h| h == FAKE_HOST) {
        config.allowed_targets.push(FAKE_HOST.to_owned());
    }
}

/// The demo while it runs; stopped when dropped.
pub struct Demo {
    fake: Arc<FakePlatforms>,
    channels: Vec<ChannelView>,
    stream: JoinHandle<u64>,
    comeback: JoinHandle<()>,
}

impl Demo {
    /// The fake platforms the channels call.
    pub fn fake(&self) -> &FakePlatforms {
        &self.fake
    }

    /// The channels the traffic comes in on.
    pub fn channels(&self) -> &[ChannelView] {
        &self.channels
    }

    /// Whether the stream has delivered all it was asked to.
    pub fn finished_streaming(&self) -> bool {
        self.stream.is_finished()
    }
}

impl Drop for Demo {
    fn drop(&mut self) {
        self.stream.abort();
        self.comeback.abort();
    }
}

/// Starts the fake, connects `workspace`'s demo channels to it (creating them on the first
/// run) and streams traffic into `instance` (the instance's base URL, such as
/// `http://127.0.0.1:8080`). The instance's configuration must allow the fake
/// ([`allow_fake`]).
pub async fn start(
    core: &Core,
    instance: &str,
    workspace: WorkspaceId,
    options: DemoOptions,
) -> anyhow::Result<Demo> {
    let secrets = channels::Secrets::new();
    // X signs both its API calls and its deliveries with the app's consumer secret.
    let accepted = Credentials {
        consumer_secret: secrets.x.clone(),
        ..Credentials::default()
    };
    let fake = Arc::new(FakePlatforms::start(accepted).await);
    let wanted = channels::wanted(&fake, &secrets);
    let channels = earshot_core::service::demo_channels::ensure(core, workspace, wanted).await?;
    let hooks = channels::hooks(instance, &channels, &secrets);
    let stream = Stream::new(hooks.clone(), options.every, options.count);
    // WhatsApp's statuses and Messenger's receipt follow a reply at half the traffic's pace.
    let pace = (options.every / 2).max(Duration::from_millis(50));
    let comeback = Comeback::new(Arc::clone(&fake), hooks, pace);
    Ok(Demo {
        fake,
        channels,
        stream: tokio::spawn(stream.run()),
        comeback: tokio::spawn(comeback.run()),
    })
}
