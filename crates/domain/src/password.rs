//! Password hashing with argon2id on a small pool of threads of its own.
//!
//! argon2id is memory-hard on purpose (19 MiB a hash by default), so the pool
//! bounds how many run at once (one per core) and how many may wait (a short
//! queue); beyond that a request is refused with [`Error::Busy`] instead of
//! piling up. Each thread verifies in memory of its own that it keeps, so a
//! flood of sign-ins cannot raise the process's memory past `threads x
//! memory`.

use std::sync::mpsc::{Receiver, SyncSender, TrySendError, sync_channel};
use std::sync::{Arc, Mutex, OnceLock};

use std::cell::RefCell;

use argon2::password_hash::phc::Output;
use argon2::{Algorithm, Argon2, Block, Params, PasswordHash, PasswordHasher, Version};
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

thread_local! {
    /// The memory argon2 works in, kept by each hashing thread between
    /// verifications: a sign-in flood reuses the same few blocks of memory
    /// instead of asking the allocator for 19 MiB each time (glibc keeps such
    /// blocks once freed, and the process grows with every burst).
    static BLOCKS: RefCell<Vec<Block>> = const { RefCell::new(Vec::new()) };
}

/// Whether `password` matches the PHC string `hash`, computed in this
/// thread's kept memory. Parameters, algorithm and version are read from the
/// stored hash, so old hashes keep working after a cost change; a malformed
/// hash matches nothing.
fn verify_in_place(password: &str, hash: &str) -> bool {
    let Ok(parsed) = PasswordHash::new(hash) else {
        return false;
    };
    let (Some(salt), Some(expected)) = (&parsed.salt, &parsed.hash) else {
        return false;
    };
    let Ok(params) = Params::try_from(&parsed) else {
        return false;
    };
    let Ok(algorithm) = Algorithm::new(parsed.algorithm.as_str()) else {
        return false;
    };
    let version = match parsed.version.map(Version::try_from) {
        None => Version::default(),
        Some(Ok(v)) => v,
        Some(Err(_)) => return false,
    };
    let blocks = params.block_count();
    let mut out = vec![0u8; expected.len()];
    let argon = Argon2::new(algorithm, version, params);
    let computed = BLOCKS.with_borrow_mut(|memory| {
        if memory.len() != blocks {
            // A differently sized hash (an old cost): resize once, and give
            // back what a smaller one does not need.
            memory.resize(blocks, Block::new());
            memory.shrink_to_fit();
        }
        argon.hash_password_into_with_memory(password.as_bytes(), salt, &mut out, &mut memory[..])
    });
    // `Output` compares in constant time.
    computed.is_ok() && Output::new(&out).is_ok_and(|out| out == *expected)
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
            Ok(verify_in_place(&password, &hash) && real)
        })
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hash_with(memory_kib: u32, password: &str) -> String {
        let params = PasswordParams {
            memory_kib,
            iterations: 1,
            parallelism: 1,
        };
        Hasher::hash_blocking(params, password).expect("hashed")
    }

    #[test]
    fn verifying_in_kept_memory_agrees_with_argon2_across_costs() {
        use argon2::PasswordVerifier;
        for (memory_kib, password) in [(64, "correct horse"), (256, "battery staple"), (64, "é")] {
            let hash = hash_with(memory_kib, password);
            assert!(
                verify_in_place(password, &hash),
                "{memory_kib} KiB: the right password"
            );
            assert!(
                !verify_in_place("wrong", &hash),
                "{memory_kib} KiB: a wrong one"
            );
            let reference = Argon2::default().verify_password(password.as_bytes(), hash.as_str());
            assert!(reference.is_ok(), "argon2 agrees");
        }
        assert!(!verify_in_place("x", "not a hash"));
        assert!(!verify_in_place(
            "x",
            "$argon2id$v=19$m=64,t=1,p=1$c2FsdHNhbHQ"
        ));
    }
}
