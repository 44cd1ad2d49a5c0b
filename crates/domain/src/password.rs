//! Password hashing with argon2id, always off the async executor.

use argon2::{Algorithm, Argon2, Params, PasswordHasher, PasswordVerifier, Version};
use std::sync::{Arc, OnceLock};

use crate::{Error, Result};

/// argon2id cost parameters.
#[derive(Debug, Clone, Copy)]
pub struct PasswordParams {
    /// Memory in KiB.
    pub memory_kib: u32,
    /// Passes over memory.
    pub iterations: u32,
    /// Lanes.
    pub parallelism: u32,
}

impl Default for PasswordParams {
    /// OWASP's recommended argon2id setting (19 MiB, 2 passes, 1 lane).
    fn default() -> Self {
        Self {
            memory_kib: 19_456,
            iterations: 2,
            parallelism: 1,
        }
    }
}

/// Hashes and verifies passwords with fixed parameters.
#[derive(Clone)]
pub(crate) struct Hasher {
    params: PasswordParams,
    /// A hash of a random password, verified against when the email is unknown
    /// so that a failed sign-in takes the same time either way.
    dummy: Arc<OnceLock<String>>,
}

impl Hasher {
    pub(crate) fn new(params: PasswordParams) -> Self {
        Self {
            params,
            dummy: Arc::new(OnceLock::new()),
        }
    }

    fn argon(params: PasswordParams) -> Result<Argon2<'static>> {
        let params = Params::new(
            params.memory_kib,
            params.iterations,
            params.parallelism,
            None,
        )
        .map_err(Error::internal)?;
        Ok(Argon2::new(Algorithm::Argon2id, Version::V0x13, params))
    }

    fn hash_blocking(params: PasswordParams, password: &str) -> Result<String> {
        let hash = Self::argon(params)?
            .hash_password(password.as_bytes())
            .map_err(Error::internal)?;
        Ok(hash.to_string())
    }

    pub(crate) async fn hash(&self, password: String) -> Result<String> {
        let params = self.params;
        tokio::task::spawn_blocking(move || Self::hash_blocking(params, &password))
            .await
            .map_err(Error::internal)?
    }

    /// Computes the dummy hash now rather than at the first unknown email.
    pub(crate) async fn warm_up(&self) -> Result<()> {
        let (params, dummy) = (self.params, self.dummy.clone());
        tokio::task::spawn_blocking(move || {
            if dummy.get().is_none() {
                let h = Self::hash_blocking(params, &crate::tokens::random_token())?;
                let _ = dummy.set(h);
            }
            Ok(())
        })
        .await
        .map_err(Error::internal)?
    }

    /// Verifies `password` against `hash`, or against a dummy hash when there is
    /// none, so that the time taken does not reveal whether the account exists.
    pub(crate) async fn verify(&self, password: String, hash: Option<String>) -> Result<bool> {
        let params = self.params;
        let dummy = self.dummy.clone();
        tokio::task::spawn_blocking(move || {
            let (hash, real) = match hash {
                Some(h) => (h, true),
                None => {
                    let h = match dummy.get() {
                        Some(h) => h.clone(),
                        None => {
                            let h = Self::hash_blocking(params, &crate::tokens::random_token())?;
                            dummy.get_or_init(|| h).clone()
                        }
                    };
                    (h, false)
                }
            };
            // Parameters are read from the stored hash, so old hashes keep working
            // after a cost change.
            let ok = Self::argon(params)?
                .verify_password(password.as_bytes(), hash.as_str())
                .is_ok();
            Ok(ok && real)
        })
        .await
        .map_err(Error::internal)?
    }
}
