//! Chains as trees (SPEC §6.5) and fork resolution (§6.8): events hang under their `prev`, each
//! applies against the state of its own path, and forks are decided by commitment, retirement
//! and signer — from the set of events alone, whatever order they came in.
use crate::chain::{ChainResult, Retirement, State, Superseded};
use crate::error::{err, Code, KezError};
use crate::event::{Event, Op};
use crate::keys::KeyId;
use crate::object::SignedParts;
use crate::verification::Verification;
use serde_json::{Map, Value};
use std::collections::{HashMap, HashSet};

/// §6.5, §11: at most 4 events at one seq, at most 64 events sharing their seq with another.
pub const MAX_PER_SEQ: usize = 4;
pub const MAX_FORKED: usize = 64;

#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// One bundle: every line must hang and apply (the first failure in line order decides).
    Bundle,
    /// Events merged from several sources, sorted and deduplicated: ones that do not apply are dropped.
    Merged,
}

/// What resolution needs to know about a kept event; states are kept only at leaves and forks.
struct Node {
    seq: u64,
    hash: String,
    key: KeyId,
    /// `Some(recovery?)` for a rotate.
    rotate: Option<bool>,
    revokes_device: Option<KeyId>,
    children: Vec<usize>,
    retirements: Vec<Retirement>,
    /// The state after this event: its primary, whether a commitment is set, and the full state
    /// where a path ends or forks.
    primary: KeyId,
    next_set: bool,
    state: Option<State>,
}

/// The node of `e`; the fields about the state after it are filled in once it is applied.
fn node_of(e: &Event, hash: String) -> Node {
    Node {
        seq: e.seq,
        hash,
        key: e.key(),
        rotate: match &e.op {
            Op::Rotate { reverse, .. } => Some(reverse.is_none()),
            _ => None,
        },
        revokes_device: match &e.op {
            Op::RevokeDevice { device, .. } => Some(*device),
            _ => None,
        },
        children: Vec::new(),
        retirements: Vec::new(),
        primary: e.key(),
        next_set: false,
        state: None,
    }
}

fn at(seq: u64, hash: Option<&str>) -> Map<String, Value> {
    let mut ev = Map::new();
    ev.insert("seq".into(), seq.into());
    if let Some(h) = hash {
        ev.insert("hash".into(), h.into());
    }
    ev
}

/// The bundle-order rules checked before any event is applied (§6.5): contiguous, no repeated
/// line, one genesis, and the fork bounds (`too_large` before the work they would cost).
fn check_layout(events: &[Event], mode: Mode) -> Result<(), (KezError, Map<String, Value>)> {
    let mut seen = HashSet::with_capacity(events.len());
    let mut counts: HashMap<u64, usize> = HashMap::new();
    let mut expected = 0;
    for e in events {
        if mode == Mode::Bundle && e.seq != expected && e.seq != expected.saturating_sub(1) {
            let why = format!("bundle seqs must start at 0 and be contiguous (expected {expected}, got {})", e.seq);
            return Err((err(Code::Malformed, why), at(e.seq, None)));
        }
        expected = e.seq + 1;
        let hash = e.hash();
        if !seen.insert(hash.clone()) {
            return Err((err(Code::Malformed, "a bundle line repeats"), at(e.seq, Some(&hash))));
        }
        *counts.entry(e.seq).or_default() += 1;
    }
    if counts.get(&0).copied().unwrap_or(0) != 1 {
        return Err((err(Code::Malformed, "a chain holds exactly one genesis event"), at(0, None)));
    }
    if let Some((seq, _)) = counts.iter().find(|(_, &n)| n > MAX_PER_SEQ) {
        return Err((err(Code::TooLarge, format!("more than {MAX_PER_SEQ} events at seq {seq}")), at(*seq, None)));
    }
    if counts.values().filter(|&&n| n > 1).sum::<usize>() > MAX_FORKED {
        return Err((err(Code::TooLarge, format!("more than {MAX_FORKED} events share their seq")), Map::new()));
    }
    Ok(())
}

/// Builds the tree and resolves it. `events` are ordered by seq (a bundle's line order, or
/// sorted by seq then hash for a merged set).
pub fn resolve(events: Vec<Event>, now: u64, mode: Mode) -> ChainResult {
    let all: Vec<Map<String, Value>> = if mode == Mode::Bundle { events.iter().map(|e| e.object.clone()).collect() } else { Vec::new() };
    let fail = |e: KezError, ev: Map<String, Value>, all: Vec<Map<String, Value>>| ChainResult::failed(&e, ev, all);
    if events.is_empty() {
        return fail(err(Code::NoChain, "empty sigchain"), Map::new(), all);
    }
    if let Err((e, ev)) = check_layout(&events, mode) {
        return fail(e, ev, all);
    }
    let mut iter = events.into_iter().peekable();
    let genesis = iter.next().expect("not empty");
    let hash = genesis.hash();
    let mut kept = vec![genesis.object.clone()];
    let state = match State::genesis(genesis, now) {
        Ok(s) => s,
        Err(e) => return fail(e, at(0, Some(&hash)), all),
    };
    let mut root = node_of(&state.events[0], hash.clone());
    root.next_set = state.next.is_some();
    let mut nodes = vec![root];
    let mut frontier: HashMap<String, (usize, State)> = HashMap::from([(hash, (0, state))]);
    while let Some(first) = iter.next() {
        let seq = first.seq;
        let mut group = vec![first];
        while iter.peek().is_some_and(|e| e.seq == seq) {
            group.push(iter.next().expect("peeked"));
        }
        // Check every event of this seq against its parent's state, in input order.
        let mut children: HashMap<String, Vec<(String, Event)>> = HashMap::new();
        for e in group {
            let hash = e.hash();
            let parent = e.prev.clone().unwrap_or_default();
            let checked = match frontier.get(&parent) {
                None => Err(err(Code::BadLink, format!("the prev of the event at seq {seq} is no event at seq {}", seq.saturating_sub(1)))),
                Some((_, st)) => st.check(&e, now),
            };
            match checked {
                Ok(()) => children.entry(parent).or_default().push((hash, e)),
                Err(x) if mode == Mode::Bundle => return fail(x, at(seq, Some(&hash)), all),
                Err(_) => {}
            }
        }
        let mut next = HashMap::new();
        for (parent_hash, (p, st)) in frontier {
            let Some(mut kids) = children.remove(&parent_hash) else {
                nodes[p].state = Some(st);
                continue;
            };
            if kids.len() > 1 {
                nodes[p].state = Some(st.clone());
            }
            let last = kids.pop().expect("at least one child");
            // Only a fork copies a state; a straight chain moves it along.
            let mut branches: Vec<((String, Event), State)> = kids.into_iter().map(|k| (k, st.clone())).collect();
            branches.push((last, st));
            for ((hash, e), mut s) in branches {
                let before = s.retirements.len();
                if mode == Mode::Merged {
                    kept.push(e.object.clone());
                }
                let mut node = node_of(&e, hash.clone());
                s.apply(e);
                node.retirements = s.retirements[before..].to_vec();
                node.primary = s.primary;
                node.next_set = s.next.is_some();
                nodes.push(node);
                let idx = nodes.len() - 1;
                nodes[p].children.push(idx);
                next.insert(hash, (idx, s));
            }
        }
        frontier = next;
    }
    for (_, (p, st)) in frontier {
        nodes[p].state = Some(st);
    }
    finish(nodes, if mode == Mode::Bundle { all } else { kept })
}

/// A resolved subtree: its path from the start node, the unresolved fork it ends in (if any),
/// and the evidence of the forks it resolved.
struct Resolved {
    path: Vec<usize>,
    fork: Option<usize>,
    superseded: Vec<Superseded>,
}

/// The §6.8 comparison key of child `i` among `subs`, at a fork whose state has `primary` and
/// a commitment iff `next_set`.
fn rank(nodes: &[Node], subs: &[Resolved], i: usize, primary: &KeyId, next_set: bool) -> (u8, u8, u8) {
    let path = &subs[i].path;
    let c = &nodes[path[0]];
    let commitment = if next_set {
        match path.iter().find_map(|&n| nodes[n].rotate) {
            Some(false) => 2,
            Some(true) => 1,
            None => 0,
        }
    } else {
        0
    };
    let retired_by_rival =
        subs.iter().enumerate().filter(|(j, _)| *j != i).any(|(_, d)| {
            d.path.iter().any(|&n| nodes[n].revokes_device == Some(c.key) || (c.key == *primary && nodes[n].rotate.is_some()))
        });
    (commitment, u8::from(!retired_by_rival), u8::from(c.key == *primary))
}

fn resolve_from(nodes: &[Node], start: usize) -> Resolved {
    let mut path = Vec::new();
    let mut superseded = Vec::new();
    let mut cur = start;
    loop {
        path.push(cur);
        let node = &nodes[cur];
        match node.children.as_slice() {
            [] => return Resolved { path, fork: None, superseded },
            [only] => cur = *only,
            kids => {
                let subs: Vec<Resolved> = kids.iter().map(|&k| resolve_from(nodes, k)).collect();
                let ranks: Vec<_> = (0..subs.len()).map(|i| rank(nodes, &subs, i, &node.primary, node.next_set)).collect();
                let winner = (0..ranks.len()).find(|&i| (0..ranks.len()).all(|j| j == i || ranks[i] > ranks[j]));
                let Some(w) = winner else { return Resolved { path, fork: Some(cur), superseded } };
                let winner_hash = nodes[subs[w].path[0]].hash.clone();
                for (_, sub) in subs.iter().enumerate().filter(|(j, _)| *j != w) {
                    superseded.push(Superseded {
                        seq: nodes[sub.path[0]].seq,
                        winner: winner_hash.clone(),
                        hash: nodes[sub.path[0]].hash.clone(),
                        head: nodes[*sub.path.last().expect("a path has its start")].hash.clone(),
                    });
                }
                let mut won = subs.into_iter().nth(w).expect("winner index");
                path.append(&mut won.path);
                superseded.append(&mut won.superseded);
                return Resolved { path, fork: won.fork, superseded };
            }
        }
    }
}

fn finish(mut nodes: Vec<Node>, events: Vec<Map<String, Value>>) -> ChainResult {
    let mut r = resolve_from(&nodes, 0);
    r.superseded.sort_by(|a, b| (a.seq, &a.hash).cmp(&(b.seq, &b.hash)));
    let superseded_json: Vec<Value> = r.superseded.iter().map(Superseded::to_json).collect();
    if let Some(f) = r.fork {
        let state = nodes[f].state.take();
        let hashes: Vec<String> = nodes[f].children.iter().map(|&c| nodes[c].hash.clone()).collect();
        let seq = nodes[f].seq + 1;
        let mut ev = at(seq, None);
        ev.insert("hashes".into(), hashes.iter().cloned().map(Value::String).collect());
        if let Some(s) = &state {
            ev.insert("identity".into(), s.identity.clone().into());
        }
        ev.insert("superseded".into(), superseded_json.into());
        let verification = Verification::from_code(Code::Fork, format!("an unresolvable fork at seq {seq}"), ev);
        return ChainResult { verification, state, fork: hashes, superseded: r.superseded, superseded_retirements: Vec::new(), events };
    }
    let on_path: HashSet<usize> = r.path.iter().copied().collect();
    let mut superseded_retirements: Vec<Retirement> =
        nodes.iter().enumerate().filter(|(i, _)| !on_path.contains(i)).flat_map(|(_, n)| n.retirements.iter().cloned()).collect();
    superseded_retirements.sort_by_key(|r| (r.seq, r.key.to_string(), r.since));
    let leaf = *r.path.last().expect("a path has its start");
    let state = nodes[leaf].state.take().expect("a leaf keeps its state");
    let mut ev = Map::new();
    ev.insert("identity".into(), state.identity.clone().into());
    ev.insert("head".into(), crate::chain::head_json(&state.head));
    ev.insert("superseded".into(), superseded_json.into());
    let reason = match r.superseded.len() {
        0 => format!("sigchain of {} verifies up to seq {}", state.identity, state.head.seq),
        n => format!("sigchain of {} verifies up to seq {}; {n} branch(es) superseded", state.identity, state.head.seq),
    };
    ChainResult {
        verification: Verification::valid(reason, ev),
        state: Some(state),
        fork: Vec::new(),
        superseded: r.superseded,
        superseded_retirements,
        events,
    }
}
