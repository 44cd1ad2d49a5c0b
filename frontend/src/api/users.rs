//! Users: the list, one user with their `ETag`, creating, changing,
//! suspending, reactivating and deleting.

use roster_types::{CreateUserRequest, UpdateUserRequest, User, UserList, UserListQuery};
use uuid::Uuid;
use web_sys::AbortSignal;

use super::{Api, ApiError, Call};

impl Api {
    /// A page of users; `abort` cancels the call (see [`super::abort_on_cleanup`]).
    pub async fn list_users(
        &self,
        query: &UserListQuery,
        abort: Option<&AbortSignal>,
    ) -> Result<UserList, ApiError> {
        self.call(Call::get("/users").query(query).abort(abort))
            .await?
            .json()
            .await
    }

    /// Creates a user.
    pub async fn create_user(&self, request: &CreateUserRequest) -> Result<User, ApiError> {
        self.call(Call::post("/users").json(request))
            .await?
            .json()
            .await
    }

    /// One user with their `ETag` (for [`Api::update_user`]).
    pub async fn get_user(
        &self,
        id: Uuid,
        abort: Option<&AbortSignal>,
    ) -> Result<(User, String), ApiError> {
        self.call(Call::get(format!("/users/{id}")).abort(abort))
            .await?
            .tagged_user()
            .await
    }

    /// Changes a user, but only if they still are at version `etag`; otherwise
    /// the answer is a 412 with code `stale_version`.
    pub async fn update_user(
        &self,
        id: Uuid,
        request: &UpdateUserRequest,
        etag: &str,
    ) -> Result<(User, String), ApiError> {
        self.call(
            Call::patch(format!("/users/{id}"))
                .json(request)
                .if_match(etag),
        )
        .await?
        .tagged_user()
        .await
    }

    /// Suspends a user (admins only): signed out everywhere, cannot sign in.
    pub async fn suspend_user(&self, id: Uuid) -> Result<(User, String), ApiError> {
        self.call(Call::post(format!("/users/{id}/suspend")))
            .await?
            .tagged_user()
            .await
    }

    /// Lets a suspended user sign in again (admins only).
    pub async fn reactivate_user(&self, id: Uuid) -> Result<(User, String), ApiError> {
        self.call(Call::post(format!("/users/{id}/reactivate")))
            .await?
            .tagged_user()
            .await
    }

    /// Deletes a user for good (admins only; never oneself).
    pub async fn delete_user(&self, id: Uuid) -> Result<(), ApiError> {
        self.call(Call::delete(format!("/users/{id}")))
            .await?
            .empty()
            .await
    }
}
