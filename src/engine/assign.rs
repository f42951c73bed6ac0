//! Inspector assignment (spec §8): a random greedy pass over the slots of
//! every target, with a breadth-first augmenting-path repair whenever a slot
//! has no free candidate. Repair makes the pass complete: it fails only when
//! no valid assignment of the slots seen so far exists.

use std::collections::{HashMap, VecDeque};

use crate::engine::board::{Board, Stuck};
use crate::engine::candidates::Candidates;
use crate::engine::stream::Stream;

/// Teams as slot → inspector, for every target in order.
pub type Teams = Vec<Vec<u32>>;

/// A complete assignment and how many slots needed the repair.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Assigned {
    pub teams: Teams,
    pub repairs: usize,
}

/// Runs the greedy pass with repair (spec §8.4).
pub fn assign(board: &Board<'_>, seed: &str) -> Result<Assigned, Stuck> {
    let slots = board.rules.slots();
    let cap = board.rules.cap.unwrap_or(u64::MAX);
    let mut state =
        State { teams: vec![vec![NONE; slots]; board.targets.len()], load: vec![0; board.inspectors.len()] };
    let mut stream = Stream::for_assignment(seed);
    let mut candidates = Candidates::new(board, cap);
    let mut repairs = 0;
    for t in 0..board.targets.len() {
        for s in 0..slots {
            let team = &state.teams[t];
            match candidates.pick(board, &state.load, team, t, s, &mut |n| stream.uniform(n)) {
                Some(i) => {
                    state.teams[t][s] = i;
                    state.load[i as usize] += 1;
                    candidates.loaded(i, state.load[i as usize]);
                }
                None => {
                    if !repair(board, &mut state, cap, t, s) {
                        return Err(Stuck { target: t, slot: s });
                    }
                    candidates.reload(&state.load);
                    repairs += 1;
                }
            }
        }
    }
    Ok(Assigned { teams: state.teams, repairs })
}

const NONE: u32 = u32::MAX;

struct State {
    teams: Vec<Vec<u32>>,
    load: Vec<u64>,
}

#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
enum Node {
    Slot(usize, usize),
    Pair(usize, u32),
    Inspector(u32),
}

/// One breadth-first search for an augmenting path from the empty slot
/// `(t0, s0)`; applies it and returns true when found.
fn repair(board: &Board<'_>, state: &mut State, cap: u64, t0: usize, s0: usize) -> bool {
    let mut holders: Vec<Vec<usize>> = vec![Vec::new(); board.inspectors.len()];
    for (t, team) in state.teams.iter().enumerate() {
        for &i in team.iter().filter(|&&i| i != NONE) {
            holders[i as usize].push(t);
        }
    }
    let start = Node::Slot(t0, s0);
    let mut parent: HashMap<Node, Node> = HashMap::from([(start, start)]);
    let mut queue = VecDeque::from([start]);
    let mut end = None;
    'search: while let Some(node) = queue.pop_front() {
        let mut next = Vec::new();
        match node {
            Node::Slot(t, s) => {
                next.extend(
                    board
                        .pool(s)
                        .iter()
                        .filter(|&&i| state.teams[t][s] != i && board.allowed(i, t, s))
                        .map(|&i| Node::Pair(t, i)),
                );
            }
            Node::Pair(t, i) => {
                if !state.teams[t].contains(&i) {
                    next.push(Node::Inspector(i));
                }
                if let Some(s) = state.teams[t].iter().position(|&x| x == i) {
                    next.push(Node::Slot(t, s));
                }
            }
            Node::Inspector(i) => next.extend(holders[i as usize].iter().map(|&t| Node::Pair(t, i))),
        }
        for n in next {
            if parent.contains_key(&n) {
                continue;
            }
            parent.insert(n, node);
            if let Node::Inspector(i) = n {
                if state.load[i as usize] < cap {
                    end = Some(n);
                    break 'search;
                }
            }
            queue.push_back(n);
        }
    }
    let Some(mut node) = end else { return false };
    let mut path = vec![node];
    while node != start {
        node = parent[&node];
        path.push(node);
    }
    path.reverse();
    for pair in path.windows(2) {
        if let (Node::Slot(t, x), Node::Pair(_, i)) = (pair[0], pair[1]) {
            state.teams[t][x] = i;
        }
    }
    state.load.iter_mut().for_each(|l| *l = 0);
    for &i in state.teams.iter().flatten().filter(|&&i| i != NONE) {
        state.load[i as usize] += 1;
    }
    true
}
