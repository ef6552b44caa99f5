//! The request's batching loader, without a timer.
//!
//! async-graphql resolves a whole query inside one future: the fields of an
//! object, and the items of a list, are polled side by side by `join_all`.
//! So every sibling that asks for a relation asks in the same pass over the
//! tree, before any of them is polled again. [`Batcher::load_many`] uses
//! exactly that: it adds its keys to the open batch of their kind; the first
//! waiter of a batch yields to the executor (`tokio::task::yield_now`)
//! until a pass adds no key (a wide list is polled 32 items a pass), then
//! closes the batch and runs one [`Loader::load`] for all the keys
//! gathered; the others wait for its answer. No timer and no spawned
//! task: a single object costs no batching window (async-graphql's
//! `DataLoader` waited 1 ms per level, the floor under one client's
//! latency), and a level is batched the same way on one thread or many,
//! because the whole request runs on one task.
//!
//! Like the `DataLoader` it replaces, a batcher is made per request and
//! caches nothing: a batch's answer lives as long as its waiters. A value
//! is handed over, not copied, to the last waiter that asked for its key
//! (most keys have one: a project's list of meetings is asked for by that
//! project alone), and cloned only for the waiters before it.

use std::any::{Any, TypeId};
use std::collections::{HashMap, HashSet};
use std::hash::Hash;
use std::sync::{Arc, Mutex, PoisonError};

use async_graphql::dataloader::Loader;
use tokio::sync::OnceCell;

/// The batcher's own maps: hashed with foldhash (seeded per process),
/// not `SipHash`. Every waiter hashes its keys three times (to join, to
/// deduplicate, to take its share); with `SipHash` that was 3% of the large
/// export (`bench/RESULTS.md`, "Timestamps, hashing, serial objects"). The
/// loaders' answers stay in async-graphql's `Loader` type, a standard
/// `HashMap`.
type Map<K, V> = HashMap<K, V, Seeded>;

/// foldhash's per-process seeded hasher.
type Seeded = foldhash::fast::RandomState;

/// The metrics label for a key type: its name without the path.
fn loader_name<K>() -> &'static str {
    let full = std::any::type_name::<K>();
    full.rsplit("::").next().unwrap_or(full)
}

/// One batch of keys of one kind (each with how many waiters asked for
/// it), and, once loaded, its answer, from which each waiter takes its own.
struct Batch<K, V, E> {
    keys: Mutex<Map<K, usize>>,
    done: OnceCell<Result<Mutex<HashMap<K, V>>, E>>,
}

impl<K: Hash + Eq + Clone, V: Clone, E> Batch<K, V, E> {
    fn new(keys: Map<K, usize>) -> Self {
        Self {
            keys: Mutex::new(keys),
            done: OnceCell::new(),
        }
    }

    /// The waiter's share of the answer: each of its keys' values, moved
    /// out for the key's last waiter and cloned for the others.
    fn take(&self, answer: &Mutex<HashMap<K, V>>, wanted: Vec<K>) -> Map<K, V> {
        let mut left = self.keys.lock().unwrap_or_else(PoisonError::into_inner);
        let mut answer = answer.lock().unwrap_or_else(PoisonError::into_inner);
        let mut mine = Map::with_capacity_and_hasher(wanted.len(), Seeded::default());
        for k in wanted {
            if let Some(v) = share(&mut left, &mut answer, &k) {
                mine.insert(k, v);
            }
        }
        mine
    }

    /// [`Batch::take`] for a waiter with one key, without building a map.
    fn take_one(&self, answer: &Mutex<HashMap<K, V>>, key: &K) -> Option<V> {
        let mut left = self.keys.lock().unwrap_or_else(PoisonError::into_inner);
        let mut answer = answer.lock().unwrap_or_else(PoisonError::into_inner);
        share(&mut left, &mut answer, key)
    }
}

/// One waiter's value for `key`: moved out of `answer` if it is the key's
/// last waiter (`left` counts them down), cloned otherwise.
fn share<K: Hash + Eq, V: Clone>(
    left: &mut Map<K, usize>,
    answer: &mut HashMap<K, V>,
    key: &K,
) -> Option<V> {
    let last = left.get_mut(key).is_none_or(|n| {
        *n = n.saturating_sub(1);
        *n == 0
    });
    if last {
        answer.remove(key)
    } else {
        answer.get(key).cloned()
    }
}

/// The open batch of one key kind, if any.
type Open<K, V, E> = Option<Arc<Batch<K, V, E>>>;

/// Batches the loads of one request (see the module docs).
pub struct Batcher<T> {
    loader: T,
    max_batch: usize,
    /// The open batch per key type (`Open<K, …>` behind `Any`).
    open: Mutex<Map<TypeId, Box<dyn Any + Send>>>,
}

impl<T> Batcher<T> {
    /// A batcher over `loader`; a batch closes early at `max_batch` keys.
    pub fn new(loader: T, max_batch: usize) -> Self {
        Self {
            loader,
            max_batch: max_batch.max(1),
            open: Mutex::new(Map::default()),
        }
    }

    /// One value, if there is one for `key`. The common case (a field that
    /// loads its one relation) takes its share straight from the answer,
    /// with no list or map of its own.
    pub async fn load_one<K>(&self, key: K) -> Result<Option<T::Value>, T::Error>
    where
        K: Send + Sync + Hash + Eq + Clone + 'static,
        T: Loader<K>,
        T::Error: Sync,
    {
        let batch = self.join::<K>(std::slice::from_ref(&key));
        match self.answer(&batch).await {
            Ok(answer) => Ok(batch.take_one(answer, &key)),
            Err(e) => Err(e.clone()),
        }
    }

    /// The values found for `keys` (a key with none is absent).
    pub async fn load_many<K, I>(&self, keys: I) -> Result<Map<K, T::Value>, T::Error>
    where
        K: Send + Sync + Hash + Eq + Clone + 'static,
        I: IntoIterator<Item = K>,
        T: Loader<K>,
        T::Error: Sync,
    {
        let mut wanted: Vec<K> = keys.into_iter().collect();
        if wanted.len() > 1 {
            let mut seen = HashSet::with_capacity_and_hasher(wanted.len(), Seeded::default());
            wanted.retain(|k| seen.insert(k.clone()));
        }
        if wanted.is_empty() {
            return Ok(Map::default());
        }
        let batch = self.join::<K>(&wanted);
        match self.answer(&batch).await {
            Ok(answer) => Ok(batch.take(answer, wanted)),
            Err(e) => Err(e.clone()),
        }
    }

    /// The answer of `batch`, which this waiter joined: the first waiter
    /// runs the batch (the others wait for its answer), but first lets its
    /// siblings add their keys.
    async fn answer<'b, K>(
        &self,
        batch: &'b Batch<K, T::Value, T::Error>,
    ) -> &'b Result<Mutex<HashMap<K, T::Value>>, T::Error>
    where
        K: Send + Sync + Hash + Eq + Clone + 'static,
        T: Loader<K>,
        T::Error: Sync,
    {
        batch
            .done
            .get_or_init(|| async {
                // It yields until a pass over the tree adds no key. One
                // pass is not always enough: a list of more than 32 is
                // polled 32 items a pass, and with a single yield the large
                // export ran a fourth statement in about one request of ten.
                loop {
                    let before = batch
                        .keys
                        .lock()
                        .unwrap_or_else(PoisonError::into_inner)
                        .len();
                    tokio::task::yield_now().await;
                    let after = batch
                        .keys
                        .lock()
                        .unwrap_or_else(PoisonError::into_inner)
                        .len();
                    if after == before || after >= self.max_batch {
                        break;
                    }
                }
                self.close(batch);
                let keys: Vec<K> = batch
                    .keys
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner)
                    .keys()
                    .cloned()
                    .collect();
                #[allow(clippy::cast_precision_loss)] // a histogram of small counts
                metrics::histogram!("muster_loader_batch_size", "loader" => loader_name::<K>())
                    .record(keys.len() as f64);
                // Boxed: a loader's future holds a whole database query
                // (kilobytes). Inline, it would make every waiter's future,
                // and so every field future of every object that loads
                // anything, that large; boxed, only the one batch that runs
                // it pays for it.
                Box::pin(self.loader.load(&keys)).await.map(Mutex::new)
            })
            .await
    }

    /// Adds `keys` to the open batch of their kind (opening one if need be)
    /// and returns that batch.
    fn join<K>(&self, keys: &[K]) -> Arc<Batch<K, T::Value, T::Error>>
    where
        K: Send + Sync + Hash + Eq + Clone + 'static,
        T: Loader<K>,
        T::Error: Sync,
    {
        let mut open = self.open.lock().unwrap_or_else(PoisonError::into_inner);
        let slot = open
            .entry(TypeId::of::<K>())
            .or_insert_with(|| Box::new(Open::<K, T::Value, T::Error>::None));
        let Some(slot) = slot.downcast_mut::<Open<K, T::Value, T::Error>>() else {
            // Unreachable (the map is keyed by the type); a lone batch is
            // still correct.
            return Arc::new(Batch::new(keys.iter().map(|k| (k.clone(), 1)).collect()));
        };
        let batch = slot
            .get_or_insert_with(|| Arc::new(Batch::new(Map::default())))
            .clone();
        let full = {
            let mut held = batch.keys.lock().unwrap_or_else(PoisonError::into_inner);
            for k in keys {
                *held.entry(k.clone()).or_insert(0) += 1;
            }
            held.len() >= self.max_batch
        };
        if full {
            *slot = None;
        }
        batch
    }

    /// Closes `batch`: keys asked for from now on go to a new one.
    fn close<K, V, E>(&self, batch: &Batch<K, V, E>)
    where
        K: 'static,
        V: 'static,
        E: 'static,
    {
        let mut open = self.open.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(slot) = open
            .get_mut(&TypeId::of::<K>())
            .and_then(|s| s.downcast_mut::<Open<K, V, E>>())
            && slot
                .as_ref()
                .is_some_and(|b| std::ptr::eq(Arc::as_ptr(b), batch))
        {
            *slot = None;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    /// Doubles numbers and counts its calls.
    #[derive(Default)]
    struct Double {
        calls: AtomicUsize,
        sizes: Mutex<Vec<usize>>,
    }

    impl Loader<u32> for Double {
        type Value = u64;
        type Error = Arc<String>;

        async fn load(&self, keys: &[u32]) -> Result<HashMap<u32, u64>, Self::Error> {
            self.calls.fetch_add(1, Ordering::SeqCst);
            self.sizes.lock().unwrap().push(keys.len());
            if keys.contains(&13) {
                return Err(Arc::new("unlucky".into()));
            }
            Ok(keys
                .iter()
                .filter(|k| **k != 0)
                .map(|k| (*k, u64::from(*k) * 2))
                .collect())
        }
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn siblings_share_one_batch_and_get_their_own_answers() {
        let b = Batcher::new(Double::default(), 100);
        let got = futures::future::join_all((0..50u32).map(|i| b.load_one(i % 25 * 2))).await;
        assert_eq!(b.loader.calls.load(Ordering::SeqCst), 1);
        assert_eq!(
            *b.loader.sizes.lock().unwrap(),
            vec![25],
            "keys deduplicated"
        );
        assert_eq!(got[0], Ok(None), "a key without a value is absent");
        assert_eq!(got[3], Ok(Some(12)));
        assert_eq!(got[28], Ok(Some(12)));
    }

    /// A value that counts its copies.
    struct Counted(Arc<AtomicUsize>);

    impl Clone for Counted {
        fn clone(&self) -> Self {
            self.0.fetch_add(1, Ordering::SeqCst);
            Self(self.0.clone())
        }
    }

    struct Counting(Arc<AtomicUsize>);

    impl Loader<u8> for Counting {
        type Value = Counted;
        type Error = Arc<String>;

        async fn load(&self, keys: &[u8]) -> Result<HashMap<u8, Counted>, Self::Error> {
            Ok(keys.iter().map(|k| (*k, Counted(self.0.clone()))).collect())
        }
    }

    #[tokio::test]
    async fn a_value_is_moved_to_its_last_waiter_and_copied_for_the_others() {
        let copies = Arc::new(AtomicUsize::new(0));
        let b = Batcher::new(Counting(copies.clone()), 100);
        let got = futures::future::join_all([1u8, 1, 1, 2, 3].map(|k| b.load_one(k))).await;
        assert!(got.iter().all(|r| matches!(r, Ok(Some(_)))));
        // Key 1 had three waiters: two copies; keys 2 and 3 one each: none.
        assert_eq!(copies.load(Ordering::SeqCst), 2);
        // A waiter asking for one key twice gets it once, without a copy.
        let many = b.load_many([4u8, 4, 5]).await.unwrap();
        assert_eq!(many.len(), 2);
        assert_eq!(copies.load(Ordering::SeqCst), 2);
    }

    /// A loader whose future is large, as a database query's is.
    struct Heavy;

    impl Loader<u16> for Heavy {
        type Value = u16;
        type Error = Arc<String>;

        async fn load(&self, keys: &[u16]) -> Result<HashMap<u16, u16>, Self::Error> {
            let buffer = [7u8; 16 * 1024];
            tokio::task::yield_now().await;
            Ok(keys
                .iter()
                .map(|k| (*k, u16::from(buffer[usize::from(*k) % buffer.len()])))
                .collect())
        }
    }

    #[tokio::test]
    async fn a_waiter_does_not_carry_the_loaders_future() {
        let b = Batcher::new(Heavy, 100);
        let waiter = b.load_one(3u16);
        // Every field future that loads holds one of these: it must not
        // grow with the query it waits on (16 KiB here).
        assert!(
            std::mem::size_of_val(&waiter) < 1024,
            "a waiter's future is {} bytes",
            std::mem::size_of_val(&waiter)
        );
        assert_eq!(waiter.await.unwrap(), Some(7));
    }

    #[test]
    fn a_loader_is_named_by_its_key_type() {
        assert_eq!(
            loader_name::<crate::graphql::loaders::RsvpCountsOf>(),
            "RsvpCountsOf"
        );
    }

    #[tokio::test]
    async fn a_later_level_is_a_new_batch() {
        let b = Batcher::new(Double::default(), 100);
        let first = futures::future::join_all((1..=3u32).map(|i| b.load_one(i))).await;
        let second = futures::future::join_all(
            first
                .iter()
                .map(|v| b.load_one(u32::try_from(v.clone().unwrap().unwrap()).unwrap())),
        )
        .await;
        assert_eq!(second, vec![Ok(Some(4)), Ok(Some(8)), Ok(Some(12))]);
        assert_eq!(*b.loader.sizes.lock().unwrap(), vec![3, 3]);
    }

    #[tokio::test]
    async fn a_full_batch_closes_and_an_error_reaches_every_waiter() {
        let b = Batcher::new(Double::default(), 4);
        let got = futures::future::join_all((10..20u32).map(|i| b.load_one(i))).await;
        assert_eq!(*b.loader.sizes.lock().unwrap(), vec![4, 4, 2]);
        assert_eq!(
            got[0],
            Err(Arc::new("unlucky".to_string())),
            "13 is in the first batch"
        );
        assert_eq!(got[4], Ok(Some(28)));
    }

    #[tokio::test]
    async fn a_dropped_waiter_does_not_strand_the_others() {
        let b = Batcher::new(Double::default(), 100);
        let leader = b.load_one(1);
        let follower = b.load_one(2);
        let mut leader = Box::pin(leader);
        // Poll the leader until it has joined, then drop it mid-way.
        let _ = futures::poll!(&mut leader);
        drop(leader);
        assert_eq!(follower.await, Ok(Some(4)));
    }
}
