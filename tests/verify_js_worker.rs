//! web/verify.js on a second core: the enterprise root that a Worker and the
//! thread hash in two halves (web/verify/snapshots.js) equals the root of
//! every leaf, for every tree shape, and the Worker did run — a path that
//! otherwise only a registry of 10^5 firms or more reaches.

mod common;

use common::node_tests;

#[test]
fn the_enterprise_root_hashed_in_two_halves_is_the_root_of_every_leaf() {
    node_tests("tests/verify-js/worker.test.mjs", 3);
}
