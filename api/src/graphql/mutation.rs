//! Root mutations: each makes one service call.

use async_graphql::{Context, ID, InputObject, Object};
use chrono::{DateTime, Utc};
use earshot_core::Error;
use earshot_core::ids::{ApiKeyId, TeamId, UserId};
use earshot_core::service::orgs::{NewOrg, NewOwner, OrgCreator};
use earshot_core::service::{api_keys, auth, members, orgs, teams, workspaces};

use super::context::{
    Caller, GqlResult, actor, caller, client, core, enter_org, enter_workspace, parse_id,
};
use super::gql;
use super::types::{
    AddedMemberResult, ApiKey, CreatedApiKeyResult, GqlAgentVisibility, GqlApiScope, GqlOrgRole,
    GqlRole, OrgMember, Organization, Team, Tokens, User, Workspace,
};

/// Changes to organizations, workspaces, members, teams, keys and sessions.
#[derive(Default)]
pub struct AccountMutation;

/// A new organization and its first owner.
#[derive(InputObject)]
pub struct CreateOrganizationInput {
    name: String,
    owner_email: String,
    owner_password: Option<String>,
    owner_display_name: Option<String>,
    workspace_name: Option<String>,
}

/// Settings to change; absent fields stay.
#[derive(InputObject, Default)]
pub struct UpdateWorkspaceInput {
    name: Option<String>,
    agent_visibility: Option<GqlAgentVisibility>,
    reopen_window_secs: Option<i64>,
    followup_delay_secs: Option<i64>,
}

/// A new team.
#[derive(InputObject)]
pub struct CreateTeamInput {
    name: String,
    description: Option<String>,
    #[graphql(default)]
    member_ids: Vec<ID>,
}

/// Team fields to change; absent fields stay, `clearDescription` removes the description.
#[derive(InputObject, Default)]
pub struct UpdateTeamInput {
    name: Option<String>,
    description: Option<String>,
    #[graphql(default)]
    clear_description: bool,
    member_ids: Option<Vec<ID>>,
}

/// A new API key.
#[derive(InputObject)]
pub struct CreateApiKeyInput {
    name: String,
    scopes: Vec<GqlApiScope>,
    expires_at: Option<DateTime<Utc>>,
}

/// The result of creating an organization.
#[derive(async_graphql::SimpleObject)]
pub struct CreatedOrganization {
    organization: Organization,
    owner: User,
    workspace: Option<Workspace>,
}

fn ids<T: std::str::FromStr>(ids: &[ID]) -> GqlResult<Vec<T>> {
    ids.iter().map(parse_id).collect()
}

#[Object]
impl AccountMutation {
    /// Logs in with email and password.
    async fn login(&self, ctx: &Context<'_>, email: String, password: String) -> GqlResult<Tokens> {
        let input = auth::LoginInput { email, password };
        Ok(auth::login(core(ctx)?, input, client(ctx))
            .await
            .map_err(gql)?
            .into())
    }

    /// Exchanges a refresh token for a new pair; a reused token ends the session.
    async fn refresh_session(&self, ctx: &Context<'_>, refresh_token: String) -> GqlResult<Tokens> {
        Ok(auth::refresh(core(ctx)?, &refresh_token)
            .await
            .map_err(gql)?
            .into())
    }

    /// Ends the caller's session.
    async fn logout(&self, ctx: &Context<'_>) -> GqlResult<bool> {
        auth::logout(core(ctx)?, actor(ctx)?).await.map_err(gql)?;
        Ok(true)
    }

    /// Sets the invited person's password and logs them in.
    async fn accept_invitation(
        &self,
        ctx: &Context<'_>,
        token: String,
        password: String,
        display_name: Option<String>,
    ) -> GqlResult<Tokens> {
        let input = auth::AcceptInvitation {
            token,
            password,
            display_name,
        };
        Ok(auth::accept_invitation(core(ctx)?, input, client(ctx))
            .await
            .map_err(gql)?
            .into())
    }

    /// Creates an organization (platform token, or anyone when open sign-up is on).
    async fn create_organization(
        &self,
        ctx: &Context<'_>,
        input: CreateOrganizationInput,
    ) -> GqlResult<CreatedOrganization> {
        let core = core(ctx)?;
        let creator = match caller(ctx) {
            Caller::Platform => OrgCreator::Platform,
            _ if core.config().open_signup => OrgCreator::OpenSignup,
            _ => {
                return Err(gql(Error::unauthenticated(
                    "unauthenticated",
                    "the platform token is required",
                )));
            }
        };
        let new = NewOrg {
            name: input.name,
            owner: NewOwner {
                email: input.owner_email,
                password: input.owner_password,
                display_name: input.owner_display_name,
            },
            workspace_name: input.workspace_name,
        };
        let created = orgs::create(core, creator, new).await.map_err(gql)?;
        Ok(CreatedOrganization {
            organization: Organization::new(created.org, None),
            owner: created.owner.into(),
            workspace: created.workspace.map(Workspace::listed),
        })
    }

    /// Changes a member's organization role.
    async fn update_org_member(
        &self,
        ctx: &Context<'_>,
        org_id: ID,
        user_id: ID,
        role: GqlOrgRole,
    ) -> GqlResult<OrgMember> {
        let scope = enter_org(ctx, &org_id).await?;
        let user: UserId = parse_id(&user_id)?;
        Ok(orgs::set_member_role(core(ctx)?, &scope, user, role.into())
            .await
            .map_err(gql)?
            .into())
    }

    /// Removes a person from the organization and its workspaces.
    async fn remove_org_member(
        &self,
        ctx: &Context<'_>,
        org_id: ID,
        user_id: ID,
    ) -> GqlResult<bool> {
        let scope = enter_org(ctx, &org_id).await?;
        let user: UserId = parse_id(&user_id)?;
        orgs::remove_member(core(ctx)?, &scope, user)
            .await
            .map_err(gql)?;
        Ok(true)
    }

    /// Creates a workspace; the caller becomes its owner.
    async fn create_workspace(
        &self,
        ctx: &Context<'_>,
        org_id: ID,
        name: String,
    ) -> GqlResult<Workspace> {
        let scope = enter_org(ctx, &org_id).await?;
        let view = workspaces::create(core(ctx)?, &scope, workspaces::NewWorkspace { name })
            .await
            .map_err(gql)?;
        Ok(Workspace::listed(view))
    }

    /// Changes a workspace's name or settings.
    async fn update_workspace(
        &self,
        ctx: &Context<'_>,
        workspace_id: ID,
        input: UpdateWorkspaceInput,
    ) -> GqlResult<Workspace> {
        let scope = enter_workspace(ctx, &workspace_id).await?;
        let patch = workspaces::WorkspacePatch {
            name: input.name,
            agent_visibility: input.agent_visibility.map(Into::into),
            reopen_window_secs: input.reopen_window_secs,
            followup_delay_secs: input.followup_delay_secs,
        };
        let view = workspaces::update(core(ctx)?, &scope, patch)
            .await
            .map_err(gql)?;
        Ok(Workspace::new(view, Some(scope)))
    }

    /// Deletes a workspace and everything in it.
    async fn delete_workspace(&self, ctx: &Context<'_>, workspace_id: ID) -> GqlResult<bool> {
        let scope = enter_workspace(ctx, &workspace_id).await?;
        workspaces::delete(core(ctx)?, &scope).await.map_err(gql)?;
        Ok(true)
    }

    /// Makes another member owner; the caller becomes admin.
    async fn transfer_ownership(
        &self,
        ctx: &Context<'_>,
        workspace_id: ID,
        user_id: ID,
    ) -> GqlResult<bool> {
        let scope = enter_workspace(ctx, &workspace_id).await?;
        let input = workspaces::TransferOwnership {
            user_id: parse_id(&user_id)?,
        };
        workspaces::transfer_ownership(core(ctx)?, &scope, input)
            .await
            .map_err(gql)?;
        Ok(true)
    }

    /// Adds a member; an unknown email gets an invitation.
    async fn add_member(
        &self,
        ctx: &Context<'_>,
        workspace_id: ID,
        email: String,
        role: GqlRole,
        display_name: Option<String>,
    ) -> GqlResult<AddedMemberResult> {
        let scope = enter_workspace(ctx, &workspace_id).await?;
        let input = members::NewMember {
            email,
            role: role.into(),
            display_name,
        };
        Ok(members::add(core(ctx)?, &scope, input)
            .await
            .map_err(gql)?
            .into())
    }

    /// Changes a member's role.
    async fn update_member(
        &self,
        ctx: &Context<'_>,
        workspace_id: ID,
        user_id: ID,
        role: GqlRole,
    ) -> GqlResult<super::types::Member> {
        let scope = enter_workspace(ctx, &workspace_id).await?;
        let patch = members::MemberPatch { role: role.into() };
        Ok(
            members::update_role(core(ctx)?, &scope, parse_id(&user_id)?, patch)
                .await
                .map_err(gql)?
                .into(),
        )
    }

    /// Removes a member.
    async fn remove_member(
        &self,
        ctx: &Context<'_>,
        workspace_id: ID,
        user_id: ID,
    ) -> GqlResult<bool> {
        let scope = enter_workspace(ctx, &workspace_id).await?;
        members::remove(core(ctx)?, &scope, parse_id(&user_id)?)
            .await
            .map_err(gql)?;
        Ok(true)
    }

    /// Creates a team.
    async fn create_team(
        &self,
        ctx: &Context<'_>,
        workspace_id: ID,
        input: CreateTeamInput,
    ) -> GqlResult<Team> {
        let scope = enter_workspace(ctx, &workspace_id).await?;
        let new = teams::NewTeam {
            name: input.name,
            description: input.description,
            member_ids: ids(&input.member_ids)?,
        };
        Ok(teams::create(core(ctx)?, &scope, new)
            .await
            .map_err(gql)?
            .into())
    }

    /// Changes a team.
    async fn update_team(
        &self,
        ctx: &Context<'_>,
        workspace_id: ID,
        team_id: ID,
        input: UpdateTeamInput,
    ) -> GqlResult<Team> {
        let scope = enter_workspace(ctx, &workspace_id).await?;
        let team: TeamId = parse_id(&team_id)?;
        let description = if input.clear_description {
            Some(None)
        } else {
            input.description.map(Some)
        };
        let patch = teams::TeamPatch {
            name: input.name,
            description,
            member_ids: input.member_ids.as_deref().map(ids).transpose()?,
        };
        Ok(teams::update(core(ctx)?, &scope, team, patch)
            .await
            .map_err(gql)?
            .into())
    }

    /// Deletes a team no SLA policy's breach assigns.
    async fn delete_team(
        &self,
        ctx: &Context<'_>,
        workspace_id: ID,
        team_id: ID,
    ) -> GqlResult<bool> {
        let scope = enter_workspace(ctx, &workspace_id).await?;
        teams::delete(core(ctx)?, &scope, parse_id(&team_id)?)
            .await
            .map_err(gql)?;
        Ok(true)
    }

    /// Creates an API key; the secret is in this answer only.
    async fn create_api_key(
        &self,
        ctx: &Context<'_>,
        workspace_id: ID,
        input: CreateApiKeyInput,
    ) -> GqlResult<CreatedApiKeyResult> {
        let scope = enter_workspace(ctx, &workspace_id).await?;
        let new = api_keys::NewApiKey {
            name: input.name,
            scopes: input.scopes.into_iter().map(Into::into).collect(),
            expires_at: input.expires_at,
        };
        Ok(api_keys::create(core(ctx)?, &scope, new)
            .await
            .map_err(gql)?
            .into())
    }

    /// Renames an API key.
    async fn rename_api_key(
        &self,
        ctx: &Context<'_>,
        workspace_id: ID,
        key_id: ID,
        name: String,
    ) -> GqlResult<ApiKey> {
        let scope = enter_workspace(ctx, &workspace_id).await?;
        let key: ApiKeyId = parse_id(&key_id)?;
        Ok(
            api_keys::rename(core(ctx)?, &scope, key, api_keys::ApiKeyPatch { name })
                .await
                .map_err(gql)?
                .into(),
        )
    }

    /// Revokes an API key.
    async fn revoke_api_key(
        &self,
        ctx: &Context<'_>,
        workspace_id: ID,
        key_id: ID,
    ) -> GqlResult<ApiKey> {
        let scope = enter_workspace(ctx, &workspace_id).await?;
        let key: ApiKeyId = parse_id(&key_id)?;
        Ok(api_keys::revoke(core(ctx)?, &scope, key)
            .await
            .map_err(gql)?
            .into())
    }
}
