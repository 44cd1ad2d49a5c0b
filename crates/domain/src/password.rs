//! Password hashing with argon2id on a small pool of threads of its own.
//!
//! argon2id is memory-hard on purpose (19 MiB a hash by default), so the pool
//! bounds how many run at once (one per core) and how many may wait (a short
//! queue); beyond that a request is refused with [`Error::Busy`] instead of
//! piling up. With a fixed set of threads the allocator keeps at most one
//! hash's memory per thread, so a flood of sign-ins cannot raise the process's
//! memory past `threads x memory`.

use std::sync::mpsc::{Receiver, SyncSender, TrySendError, sync_channel};
use std::sync::{Arc, Mutex, OnceLock};

use argon2::{Algorithm, Argon2, Params, PasswordHasher, PasswordVerifier, Version};
use tokio::sync::oneshot;

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

/// How many hashes run at once and how many may wait.
#[derive(Debug, Clone, Copy)]
pub struct HashingLimits {
    /// Threads computing hashes (default: one per core).
    pub threads: usize,
    /// Hashes that may wait for a thread; more are refused with `Busy`.
    pub queue: usize,
}

impl Default for HashingLimits {
    fn default() -> Self {
        let threads = std::thread::available_parallelism()
            .map(usize::from)
            .unwrap_or(2);
        Self {
            threads,
            queue: threads * 8,
        }
    }
}

/// Seconds a refused caller is told to wait.
const BUSY_RETRY_SECS: u64 = 2;

type Job = Box<dyn FnOnce() + Send>;

/// Hashes and verifies passwords with fixed parameters.
#[derive(Clone)]
pub(crate) struct Hasher {
    params: PasswordParams,
    jobs: SyncSender<Job>,
    /// A hash of a random password, verified against when the email is unknown
    /// so that a failed sign-in takes the same time either way.
    dummy: Arc<OnceLock<String>>,
}

fn worker(jobs: Arc<Mutex<Receiver<Job>>>) {
    loop {
        // The lock is held only while taking a job, not while running it.
        let job = match jobs.lock() {
            Ok(rx) => rx.recv(),
            Err(_) => return,
        };
        match job {
            Ok(job) => job(),
            // Every sender is gone: the application has stopped.
            Err(_) => return,
        }
    }
}

impl Hasher {
    pub(crate) fn new(params: PasswordParams, limits: HashingLimits) -> Self {
        let (tx, rx) = sync_channel::<Job>(limits.queue);
        let rx = Arc::new(Mutex::new(rx));
        for n in 0..limits.threads.max(1) {
            let rx = rx.clone();
            // A thread that cannot be spawned leaves the others to do the work.
            let _ = std::thread::Builder::new()
                .name(format!("argon2-{n}"))
                .spawn(move || worker(rx));
        }
        Self {
            params,
            jobs: tx,
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

    /// Runs `work` on the pool, or refuses at once when the queue is full.
    async fn run<T: Send + 'static>(
        &self,
        work: impl FnOnce() -> Result<T> + Send + 'static,
    ) -> Result<T> {
        let (tx, rx) = oneshot::channel();
        let job: Job = Box::new(move || {
            let _ = tx.send(work());
        });
        match self.jobs.try_send(job) {
            Ok(()) => {}
            Err(TrySendError::Full(_)) => {
                tracing::warn!("password hashing queue full; refusing");
                return Err(Error::Busy {
                    retry_after_secs: BUSY_RETRY_SECS,
                });
            }
            Err(TrySendError::Disconnected(_)) => {
                return Err(Error::internal("the password hashing threads have stopped"));
            }
        }
        rx.await
            .map_err(|_| Error::internal("a password hashing thread died"))?
    }

    pub(crate) async fn hash(&self, password: String) -> Result<String> {
        let params = self.params;
        self.run(move || Self::hash_blocking(params, &password))
            .await
    }

    /// Computes the dummy hash now rather than at the first unknown email.
    pub(crate) async fn warm_up(&self) -> Result<()> {
        let (params, dummy) = (self.params, self.dummy.clone());
        self.run(move || {
            if dummy.get().is_none() {
                let h = Self::hash_blocking(params, &crate::tokens::random_token())?;
                let _ = dummy.set(h);
            }
            Ok(())
        })
        .await
    }

    /// Verifies `password` against `hash`, or against a dummy hash when there is
    /// none, so that the time taken does not reveal whether the account exists.
    pub(crate) async fn verify(&self, password: String, hash: Option<String>) -> Result<bool> {
        let params = self.params;
        let dummy = self.dummy.clone();
        self.run(move || {
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
    }
}
