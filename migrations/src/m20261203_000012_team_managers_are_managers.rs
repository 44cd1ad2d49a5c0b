//! "Manager" means one thing: whoever manages a team holds the global
//! `manager` role, and their team roles say which teams it covers. Before,
//! the two were set apart, so a team's manager could read "Roles: Learner"
//! (and have no manager rights at all). Every team manager without the role
//! gets it; from now on the application keeps it so.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        db.execute_unprepared(
            "UPDATE users SET version = version + 1 \
             WHERE id IN (SELECT user_id FROM team_members WHERE role = 'manager') \
               AND id NOT IN (SELECT user_id FROM user_roles WHERE role = 'manager')",
        )
        .await?;
        db.execute_unprepared(
            "INSERT INTO user_roles (user_id, role) \
             SELECT DISTINCT user_id, 'manager' FROM team_members \
             WHERE role = 'manager' \
               AND user_id NOT IN (SELECT user_id FROM user_roles WHERE role = 'manager')",
        )
        .await?;
        Ok(())
    }

    async fn down(&self, _manager: &SchemaManager) -> Result<(), DbErr> {
        // Which roles were granted here is not recorded, and taking the role
        // from team managers would only bring the confusion back.
        Ok(())
    }
}
