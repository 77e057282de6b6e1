//! First start on an empty database: a demo organization, workspace and owner, so a
//! newcomer can log in at once, and a few customer conversations to try (`demo`).

use crate::auth::secrets::random_token;
use crate::repo;
use crate::service::orgs::{self, NewOrg, NewOwner, OrgCreator};
use crate::{Core, Result};

/// The demo owner's email.
pub const DEMO_EMAIL: &str = "owner@demo.earshot.local";

/// The login printed once after bootstrapping.
#[derive(Debug, Clone)]
pub struct DemoLogin {
    /// Email of the demo owner.
    pub email: String,
    /// Their generated password.
    pub password: String,
    /// The demo workspace.
    pub workspace_id: crate::ids::WorkspaceId,
}

/// When no user exists yet, creates the demo organization, owner and inbox; otherwise
/// nothing.
pub async fn demo_if_empty(core: &Core) -> Result<Option<DemoLogin>> {
    if repo::users::count(core.db().conn()).await? > 0 {
        return Ok(None);
    }
    let email = DEMO_EMAIL.to_owned();
    let password = random_token("demo-");
    let created = orgs::create(
        core,
        OrgCreator::Platform,
        NewOrg {
            name: "Demo organization".into(),
            owner: NewOwner {
                email: email.clone(),
                password: Some(password.clone()),
                display_name: Some("Demo Owner".into()),
            },
            workspace_name: Some("Demo brand".into()),
        },
    )
    .await?;
    let workspace_id = created.workspace.map(|w| w.id).ok_or_else(|| {
        crate::Error::Internal(anyhow::anyhow!("the demo workspace was not created"))
    })?;
    super::demo::seed(core, workspace_id, created.org.id).await?;
    Ok(Some(DemoLogin {
        email,
        password,
        workspace_id,
    }))
}
