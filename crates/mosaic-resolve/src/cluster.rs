//! Union–find with cannot-link constraints: a "not the same" judgement between two
//! records forbids, for good, any merge that would put them in one cluster — so it holds
//! transitively, whatever chain of links would otherwise join them.

use std::collections::HashMap;

/// Disjoint sets over record indexes, with forbidden pairs.
#[derive(Clone, Debug, Default)]
pub struct Clusters {
    parent: Vec<u32>,
    size: Vec<u32>,
    /// For each root, the records its cluster must never share a cluster with.
    forbid: HashMap<u32, Vec<u32>>,
    /// Members of each root (empty for non-roots); merged small into large.
    members: Vec<Vec<u32>>,
}

impl Clusters {
    pub fn new(n: usize) -> Clusters {
        Clusters {
            parent: (0..n as u32).collect(),
            size: vec![1; n],
            forbid: HashMap::new(),
            members: (0..n as u32).map(|i| vec![i]).collect(),
        }
    }

    pub fn len(&self) -> usize {
        self.parent.len()
    }

    pub fn is_empty(&self) -> bool {
        self.parent.is_empty()
    }

    /// Adds a singleton; returns its index.
    pub fn push(&mut self) -> u32 {
        let i = self.parent.len() as u32;
        self.parent.push(i);
        self.size.push(1);
        self.members.push(vec![i]);
        i
    }

    pub fn find(&mut self, mut x: u32) -> u32 {
        while self.parent[x as usize] != x {
            let p = self.parent[x as usize];
            self.parent[x as usize] = self.parent[p as usize];
            x = self.parent[x as usize];
        }
        x
    }

    /// Read-only find (no path compression), for shared borrows.
    pub fn root(&self, mut x: u32) -> u32 {
        while self.parent[x as usize] != x {
            x = self.parent[x as usize];
        }
        x
    }

    /// Records that `a` and `b` must never be in one cluster. Returns false when they
    /// already are (the caller re-clusters from scratch).
    pub fn forbid(&mut self, a: u32, b: u32) -> bool {
        let (ra, rb) = (self.find(a), self.find(b));
        if ra == rb {
            return false;
        }
        self.forbid.entry(ra).or_default().push(b);
        self.forbid.entry(rb).or_default().push(a);
        true
    }

    /// Whether merging the clusters of `a` and `b` would join a forbidden pair.
    pub fn can_merge(&mut self, a: u32, b: u32) -> bool {
        let (ra, rb) = (self.find(a), self.find(b));
        if ra == rb {
            return true;
        }
        for (from, to) in [(ra, rb), (rb, ra)] {
            if let Some(list) = self.forbid.get(&from).cloned() {
                if list.into_iter().any(|x| self.find(x) == to) {
                    return false;
                }
            }
        }
        true
    }

    /// Merges the clusters of `a` and `b` if allowed; returns whether they are now one.
    pub fn union(&mut self, a: u32, b: u32) -> bool {
        if !self.can_merge(a, b) {
            return false;
        }
        let (mut ra, mut rb) = (self.find(a), self.find(b));
        if ra == rb {
            return true;
        }
        if self.size[ra as usize] < self.size[rb as usize] {
            std::mem::swap(&mut ra, &mut rb);
        }
        self.parent[rb as usize] = ra;
        self.size[ra as usize] += self.size[rb as usize];
        if let Some(list) = self.forbid.remove(&rb) {
            self.forbid.entry(ra).or_default().extend(list);
        }
        let moved = std::mem::take(&mut self.members[rb as usize]);
        self.members[ra as usize].extend(moved);
        true
    }

    /// The members of `x`'s cluster.
    pub fn members_of(&self, x: u32) -> &[u32] {
        &self.members[self.root(x) as usize]
    }

    pub fn size_of(&mut self, x: u32) -> u32 {
        let r = self.find(x);
        self.size[r as usize]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn not_same_holds_transitively() {
        let mut c = Clusters::new(4);
        assert!(c.forbid(0, 3));
        assert!(c.union(0, 1));
        assert!(c.union(2, 3));
        // 1 and 2 look alike, but joining them would put 0 with 3
        assert!(!c.union(1, 2));
        assert_ne!(c.find(1), c.find(2));
        assert!(!c.forbid(0, 1), "already together");
    }

    proptest! {
        /// Whatever the order of links, no cluster ever holds a forbidden pair.
        #[test]
        fn constraints_are_never_broken(n in 2usize..30,
                                        forbids in proptest::collection::vec((0u32..30, 0u32..30), 0..10),
                                        links in proptest::collection::vec((0u32..30, 0u32..30), 0..80)) {
            let mut c = Clusters::new(n);
            let forbids: Vec<(u32, u32)> = forbids.into_iter()
                .filter(|(a, b)| (*a as usize) < n && (*b as usize) < n && a != b).collect();
            for (a, b) in &forbids {
                c.forbid(*a, *b);
            }
            for (a, b) in links {
                if (a as usize) < n && (b as usize) < n {
                    c.union(a, b);
                }
            }
            for (a, b) in forbids {
                prop_assert_ne!(c.find(a), c.find(b));
            }
        }
    }
}
