//! What the route tests (`tests/routes.rs`) and the server benchmarks
//! (`examples/serve_load.rs`, `examples/serve_report.rs`, through
//! `examples/common`) share: a generated election and the first election's
//! audit as the server holds it. Test code only (never part of the crate).

#![allow(dead_code)]

use canvass_formats::cdf_json_writer::CdfJsonWriter;
use canvass_generate::{Config as GenConfig, Plan};
use canvass_server::AppState;
use canvass_server::state::AuditState;
use std::io::Write;

/// A generated election of `ballots` cards in two plurality contests: its
/// CVRs as CDF JSON written to `cvrs` (returned), its manifest CSV written
/// to `manifest`, and its first contest's name.
pub fn write_election<W: Write>(
    ballots: u64,
    seed: u64,
    cvrs: W,
    manifest: &mut impl Write,
) -> (W, String) {
    let plan = Plan::new(GenConfig {
        ballots,
        contests: 2,
        ranked: 0,
        seed,
        ..GenConfig::default()
    })
    .unwrap();
    let e = &plan.election;
    let mut w = CdfJsonWriter::new(cvrs, Some(e)).unwrap();
    for card in plan.cards() {
        w.write_card(e, &card).unwrap();
    }
    let cvrs = w.finish(e).unwrap();
    plan.write_manifest_csv(manifest).unwrap();
    (cvrs, e.contests[0].name.clone())
}

/// [`write_election`] in memory: the CVRs (CDF JSON), the manifest (CSV)
/// and the first contest's name.
pub fn election_files(ballots: u64, seed: u64) -> (Vec<u8>, Vec<u8>, String) {
    let mut manifest = Vec::new();
    let (cvrs, contest) = write_election(ballots, seed, Vec::new(), &mut manifest);
    (cvrs, manifest, contest)
}

/// `f` of the audit of the server's first election (which must have one),
/// under the state's lock.
pub fn with_audit<R>(app: &AppState, f: impl FnOnce(&AuditState) -> R) -> R {
    let inner = app.inner.lock().unwrap();
    let audit = inner
        .elections
        .values()
        .next()
        .unwrap()
        .audit
        .as_ref()
        .unwrap();
    f(audit)
}

/// What an honest board reads on ballot `pos` of board `board`'s list:
/// what its CVR says, contest by contest, as the entry form takes it.
pub fn truthful_reading(audit: &AuditState, board: usize, pos: usize) -> Vec<String> {
    let card = audit.boards[board].def.cards[pos] as usize;
    audit.cards[card]
        .votes
        .iter()
        .zip(&audit.spec.contests)
        .map(|(s, spec)| s.to_text(spec))
        .collect()
}

/// [`truthful_reading`] of every ballot on board `board`'s list, in order.
pub fn truthful_readings(audit: &AuditState, board: usize) -> Vec<Vec<String>> {
    (0..audit.boards[board].def.cards.len())
        .map(|pos| truthful_reading(audit, board, pos))
        .collect()
}
