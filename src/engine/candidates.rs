//! Fast candidate lists for the greedy pass (spec §8.4 step 1–2).
//!
//! The spec's candidate list for slot `s` of target `t` is the slot's pool
//! restricted by the region rule, minus the inspectors at their workload cap,
//! minus a handful of target-specific exclusions (team members, recusals,
//! rotation bars). Scanning the pool for every slot costs O(pool) and, with
//! 5,000 inspectors and 10⁵ targets, dominates a national draw. Here each
//! (pool, region) list keeps a Fenwick tree over "not at cap", so counting
//! the candidates and finding the j-th one take O(log n + exclusions): the
//! same list, the same order, the same pick.

use std::collections::HashMap;

use crate::engine::board::Board;
use crate::input::plan::RegionRule;

/// Counts of available positions with prefix sums and order statistics.
struct Fenwick {
    tree: Vec<u32>,
}

impl Fenwick {
    fn new(bits: impl Iterator<Item = bool>) -> Fenwick {
        let mut tree: Vec<u32> = std::iter::once(0).chain(bits.map(u32::from)).collect();
        for i in 1..tree.len() {
            let parent = i + (i & i.wrapping_neg());
            if parent < tree.len() {
                tree[parent] += tree[i];
            }
        }
        Fenwick { tree }
    }

    fn remove(&mut self, pos: usize) {
        let mut i = pos + 1;
        while i < self.tree.len() {
            self.tree[i] -= 1;
            i += i & i.wrapping_neg();
        }
    }

    /// Available positions before `pos`.
    fn rank(&self, pos: usize) -> u32 {
        let (mut i, mut sum) = (pos, 0);
        while i > 0 {
            sum += self.tree[i];
            i &= i - 1;
        }
        sum
    }

    fn total(&self) -> u32 {
        self.rank(self.tree.len() - 1)
    }

    /// Position of the available element of rank `k` (0-based).
    fn select(&self, mut k: u32) -> usize {
        let mut pos = 0;
        let mut step = (self.tree.len() - 1).next_power_of_two();
        while step > 0 {
            let next = pos + step;
            if next < self.tree.len() && self.tree[next] <= k {
                pos = next;
                k -= self.tree[next];
            }
            step /= 2;
        }
        pos
    }
}

struct List {
    ids: Vec<u32>,
    available: Fenwick,
}

/// The candidate lists of one draw.
pub struct Candidates {
    lists: Vec<List>,
    key_of: HashMap<(usize, [u8; 6]), usize>,
    /// Per inspector, the (list, position) entries holding it.
    member_of: Vec<Vec<(usize, usize)>>,
    /// Per slot, the first slot with the same pool (their lists are shared).
    pool_of: Vec<usize>,
    cap: u64,
}

const ANY_REGION: [u8; 6] = *b"------";

impl Candidates {
    pub fn new(board: &Board<'_>, cap: u64) -> Candidates {
        let slots = board.rules.slots();
        let pool_of =
            (0..slots).map(|s| (0..=s).find(|&p| board.pool(p) == board.pool(s)).expect("s itself")).collect();
        Candidates {
            lists: Vec::new(),
            key_of: HashMap::new(),
            member_of: vec![Vec::new(); board.inspectors.len()],
            pool_of,
            cap,
        }
    }

    fn list_for(&mut self, board: &Board<'_>, load: &[u64], t: usize, s: usize) -> usize {
        let region = match board.rules.region {
            RegionRule::Any => ANY_REGION,
            _ if s >= board.rules.size => ANY_REGION,
            _ => board.targets[t].region,
        };
        let key = (self.pool_of[s], region);
        if let Some(&l) = self.key_of.get(&key) {
            return l;
        }
        let ids: Vec<u32> =
            board.pool(s).iter().copied().filter(|&i| region == ANY_REGION || board.region_ok(i, t)).collect();
        let available = Fenwick::new(ids.iter().map(|&i| load[i as usize] < self.cap));
        let l = self.lists.len();
        for (pos, &i) in ids.iter().enumerate() {
            self.member_of[i as usize].push((l, pos));
        }
        self.lists.push(List { ids, available });
        self.key_of.insert(key, l);
        l
    }

    /// The spec's pick for slot `s` of target `t`: `candidates[uniform(n)]`,
    /// or `None` when there is no candidate.
    pub fn pick(
        &mut self,
        board: &Board<'_>,
        load: &[u64],
        team: &[u32],
        t: usize,
        s: usize,
        uniform: &mut dyn FnMut(u64) -> u64,
    ) -> Option<u32> {
        let l = self.list_for(board, load, t, s);
        let list = &self.lists[l];
        let mut excluded: Vec<u32> = team.iter().copied().chain(board.excluded_for(t)).collect();
        excluded.sort_unstable();
        excluded.dedup();
        let mut ranks: Vec<u32> = excluded
            .into_iter()
            .filter(|&i| load.get(i as usize).is_some_and(|&x| x < self.cap))
            .filter_map(|i| list.ids.binary_search(&i).ok())
            .map(|pos| list.available.rank(pos))
            .collect();
        let count = list.available.total() - ranks.len() as u32;
        if count == 0 {
            return None;
        }
        ranks.sort_unstable();
        let mut k = uniform(count as u64) as u32;
        for r in ranks {
            if r <= k {
                k += 1;
            } else {
                break;
            }
        }
        Some(list.ids[list.available.select(k)])
    }

    /// Call after `load[i]` grew by one.
    pub fn loaded(&mut self, i: u32, load: u64) {
        if load == self.cap {
            for &(l, pos) in &self.member_of[i as usize] {
                self.lists[l].available.remove(pos);
            }
        }
    }

    /// Call after loads changed arbitrarily (a repair).
    pub fn reload(&mut self, load: &[u64]) {
        for list in &mut self.lists {
            list.available = Fenwick::new(list.ids.iter().map(|&i| load[i as usize] < self.cap));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fenwick_select_and_rank_agree_with_a_scan() {
        let bits: Vec<bool> = (0..37).map(|i| i % 3 != 1).collect();
        let mut f = Fenwick::new(bits.iter().copied());
        let mut avail: Vec<usize> = (0..37).filter(|&i| bits[i]).collect();
        for remove in [0usize, 5, 36, 18] {
            if let Ok(k) = avail.binary_search(&remove) {
                avail.remove(k);
                f.remove(remove);
            }
            assert_eq!(f.total() as usize, avail.len());
            for (k, &pos) in avail.iter().enumerate() {
                assert_eq!(f.select(k as u32), pos);
                assert_eq!(f.rank(pos) as usize, k);
            }
        }
    }
}
