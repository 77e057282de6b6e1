//! People, organizations and `me`.

use async_graphql::{ComplexObject, Context, ID, SimpleObject};
use chrono::{DateTime, Utc};
use earshot_core::service::{orgs, workspaces};
use earshot_core::tenancy::OrgScope;
use earshot_core::views::{MeView, MyOrg, MyWorkspace, OrgMemberView, OrgView, UserView};

use super::reports::{GqlReportGroupBy, OrgReport};
use super::{GqlOrgRole, GqlRole, PageOf, Workspace, id};
use crate::graphql::context::{GqlResult, core, page};
use crate::graphql::gql;

/// A person.
#[derive(SimpleObject)]
pub struct User {
    /// Id.
    pub id: ID,
    /// Email.
    pub email: String,
    /// Name shown to colleagues.
    pub display_name: String,
    /// When the account was created.
    pub created_at: DateTime<Utc>,
}

impl From<UserView> for User {
    fn from(v: UserView) -> Self {
        Self {
            id: id(v.id),
            email: v.email,
            display_name: v.display_name,
            created_at: v.created_at,
        }
    }
}

/// A member of an organization.
#[derive(SimpleObject)]
pub struct OrgMember {
    /// The person.
    pub user: User,
    /// Their organization role.
    pub role: GqlOrgRole,
    /// When they joined.
    pub joined_at: DateTime<Utc>,
}

impl From<OrgMemberView> for OrgMember {
    fn from(v: OrgMemberView) -> Self {
        Self {
            user: v.user.into(),
            role: v.role.into(),
            joined_at: v.joined_at,
        }
    }
}

/// An organization, seen by one of its members.
#[derive(SimpleObject)]
#[graphql(complex)]
pub struct Organization {
    /// Id.
    pub id: ID,
    /// Name.
    pub name: String,
    /// When it was created.
    pub created_at: DateTime<Utc>,
    /// The caller's organization role (absent right after creation by the platform).
    pub my_role: Option<GqlOrgRole>,
    #[graphql(skip)]
    pub scope: Option<OrgScope>,
}

impl Organization {
    pub(crate) fn new(view: OrgView, scope: Option<OrgScope>) -> Self {
        Self {
            id: id(view.id),
            name: view.name,
            created_at: view.created_at,
            my_role: scope.as_ref().map(|s| s.role().into()),
            scope,
        }
    }

    fn scope(&self) -> GqlResult<&OrgScope> {
        self.scope
            .as_ref()
            .ok_or_else(|| gql(earshot_core::Error::NotFound))
    }
}

#[ComplexObject]
impl Organization {
    /// Members and their organization roles.
    async fn members(
        &self,
        ctx: &Context<'_>,
        limit: Option<u64>,
        cursor: Option<String>,
    ) -> GqlResult<PageOf<OrgMember>> {
        let page = page(ctx, limit, cursor)?;
        let result = orgs::list_members(core(ctx)?, self.scope()?, page)
            .await
            .map_err(gql)?;
        Ok(PageOf::from_page(result, OrgMember::from))
    }

    /// The agency roll-up of a period `[from, to)` (at most 366 days): totals across the
    /// workspaces of the organization the caller may read reports in, and each one's own
    /// report, as REST's `GET /v1/orgs/{org_id}/reports/summary`.
    async fn report_summary(
        &self,
        ctx: &Context<'_>,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
        group_by: Option<GqlReportGroupBy>,
    ) -> GqlResult<OrgReport> {
        super::reports::organization(ctx, self.scope()?, from, to, group_by).await
    }

    /// Workspaces the caller can enter.
    async fn workspaces(
        &self,
        ctx: &Context<'_>,
        limit: Option<u64>,
        cursor: Option<String>,
    ) -> GqlResult<PageOf<Workspace>> {
        let page = page(ctx, limit, cursor)?;
        let result = workspaces::list(core(ctx)?, self.scope()?, page)
            .await
            .map_err(gql)?;
        Ok(PageOf::from_page(result, Workspace::listed))
    }
}

/// A workspace in `me`.
#[derive(SimpleObject)]
pub struct MyWorkspaceEntry {
    /// Id.
    pub id: ID,
    /// Name.
    pub name: String,
    /// Effective role.
    pub role: GqlRole,
}

/// An organization in `me`.
#[derive(SimpleObject)]
pub struct MyOrgEntry {
    /// Id.
    pub id: ID,
    /// Name.
    pub name: String,
    /// Organization role.
    pub role: GqlOrgRole,
    /// Workspaces the caller can enter.
    pub workspaces: Vec<MyWorkspaceEntry>,
}

/// The caller.
#[derive(SimpleObject)]
pub struct Me {
    /// The person.
    pub user: User,
    /// Where they belong.
    pub organizations: Vec<MyOrgEntry>,
}

impl From<MeView> for Me {
    fn from(v: MeView) -> Self {
        let ws = |w: MyWorkspace| MyWorkspaceEntry {
            id: id(w.id),
            name: w.name,
            role: w.role.into(),
        };
        let org = |o: MyOrg| MyOrgEntry {
            id: id(o.id),
            name: o.name,
            role: o.role.into(),
            workspaces: o.workspaces.into_iter().map(ws).collect(),
        };
        Self {
            user: v.user.into(),
            organizations: v.organizations.into_iter().map(org).collect(),
        }
    }
}
