//! The server's view of each election: the events of its log replayed in
//! order over the store's cards and manifest. All statistics come from
//! `canvass_audit::workflow` (sampling, comparison, risk) and
//! `canvass_tabulate` (results); this module only keeps their outputs and
//! re-measures the risk when paper arrives.

use crate::db::Db;
use crate::events::{BoardDef, Event, FileRef, Payload};
use canvass_audit::workflow::{
    AuditCard, AuditInputs, AuditSpec, ContestStatus, Method, Paper, RoundPlan, SampleEntry,
    Selection, TicketOrder, build_audit, drawn_cards, evaluate, order_cards,
};
use canvass_evidence::merkle::{MerkleTree, leaf_hash};
use canvass_model::{BallotManifest, Election};
use canvass_store::ElectionId;
use canvass_tabulate::{ContestResult, Tabulator};
use std::collections::{BTreeMap, BTreeSet};

/// One audit board.
#[derive(Clone, Debug)]
pub struct Board {
    /// The board's definition (name, code hash, cards in shelf order).
    pub def: BoardDef,
    /// The round it was created for.
    pub round: u32,
    /// The members who signed in last.
    pub members: Option<Vec<String>>,
    /// True once the board signed off.
    pub signed_off: bool,
}

/// A log line as the pages show it.
#[derive(Clone, Debug)]
pub struct LogLine {
    /// Position in the log.
    pub seq: u64,
    /// Who.
    pub actor: String,
    /// What.
    pub event: Event,
    /// SHA-256 of the payload, hex.
    pub sha256: String,
}

/// The audit of an election, once defined.
#[derive(Clone, Debug)]
pub struct AuditState {
    /// The audit's definition and reported results (from `build_audit`).
    pub spec: AuditSpec,
    /// Every card of the manifest with its CVR's selections.
    pub cards: Vec<AuditCard>,
    /// The risk limit as the administrator typed it.
    pub risk_limit_text: String,
    /// The seed, once entered.
    pub seed: Option<String>,
    /// Every card's ticket, once the seed is known.
    pub order: Option<TicketOrder>,
    /// The rounds launched.
    pub rounds: Vec<RoundPlan>,
    /// Each round's sample lines.
    pub samples: Vec<Vec<SampleEntry>>,
    /// What the paper shows, by card index.
    pub paper: BTreeMap<usize, Paper>,
    /// Which board entered each card, and at which log position.
    pub entered_by: BTreeMap<usize, (u64, u64)>,
    /// The boards.
    pub boards: Vec<Board>,
    /// Each contest's status after the paper so far.
    pub statuses: Vec<ContestStatus>,
    /// Per contest, (cards recorded, risk) each time the measured run grew.
    pub history: Vec<Vec<(u64, f64)>>,
    /// The store's audit id (created with the seed).
    pub store_audit: Option<canvass_store::AuditId>,
}

impl AuditState {
    /// Re-measure every contest on the paper so far (the workflow's
    /// `evaluate`), and extend each contest's risk history.
    pub fn measure(&mut self) {
        let Some(order) = &self.order else { return };
        self.statuses = evaluate(
            &self.spec,
            &self.cards,
            order,
            self.rounds.last(),
            &self.paper,
        );
        self.history.resize(self.statuses.len(), Vec::new());
        for (h, s) in self.history.iter_mut().zip(&self.statuses) {
            if h.last().map(|p| p.0) != Some(s.recorded) {
                h.push((s.recorded, s.risk));
            }
        }
    }

    /// Every card drawn so far.
    pub fn drawn(&self) -> BTreeSet<usize> {
        match (&self.order, self.rounds.last()) {
            (Some(order), Some(plan)) => drawn_cards(order, &plan.sizes()),
            _ => BTreeSet::new(),
        }
    }

    /// Drawn cards without paper.
    pub fn missing_paper(&self) -> u64 {
        self.drawn()
            .iter()
            .filter(|i| !self.paper.contains_key(i))
            .count() as u64
    }

    /// The selection texts of a paper reading (for the log).
    pub fn reading_texts(&self, paper: &Paper) -> Option<Vec<String>> {
        match paper {
            Paper::NotFound => None,
            Paper::Found(sel) => Some(
                sel.iter()
                    .zip(&self.spec.contests)
                    .map(|(s, c)| s.to_text(c))
                    .collect(),
            ),
        }
    }

    /// Read back a logged reading.
    pub fn paper_of(&self, contests: &Option<Vec<String>>) -> Result<Paper, String> {
        match contests {
            None => Ok(Paper::NotFound),
            Some(texts) => {
                if texts.len() != self.spec.contests.len() {
                    return Err(format!(
                        "{} contests in the reading, {} in the audit",
                        texts.len(),
                        self.spec.contests.len()
                    ));
                }
                let sel = texts
                    .iter()
                    .zip(&self.spec.contests)
                    .map(|(t, c)| Selection::parse(c, t))
                    .collect::<Result<Vec<_>, _>>()?;
                Ok(Paper::Found(sel))
            }
        }
    }

    /// True when every contest is confirmed or hand counted.
    pub fn finished(&self) -> bool {
        !self.statuses.is_empty()
            && self.statuses.iter().all(|s| {
                matches!(
                    s.state,
                    canvass_audit::workflow::ContestState::Confirmed
                        | canvass_audit::workflow::ContestState::HandCount(_)
                )
            })
    }
}

/// Everything the server knows about one election.
#[derive(Clone, Debug)]
pub struct ElectionState {
    /// The store's id.
    pub id: ElectionId,
    /// The name given at creation.
    pub name: String,
    /// Contests and candidates (from the store).
    pub definition: Election,
    /// Cards stored.
    pub cards: u64,
    /// The CVR files imported.
    pub cvr_files: Vec<(FileRef, String, u64)>,
    /// The latest manifest and its file.
    pub manifest: Option<(BallotManifest, FileRef)>,
    /// The count of every contest from the stored CVRs.
    pub results: Vec<ContestResult>,
    /// The audit, once defined.
    pub audit: Option<AuditState>,
    /// The commitment (root hex, cards), once committed.
    pub committed: Option<(String, u64)>,
    /// Observers checked in now.
    pub observers: BTreeSet<String>,
    /// The sign-off statement, once signed off.
    pub signed_off: Option<String>,
    /// True once the record is published.
    pub published: bool,
    /// Findings published (log position, finding).
    pub findings: Vec<(u64, canvass_checks::finding::Finding)>,
    /// The Merkle tree over the log's payloads.
    pub tree: MerkleTree,
    /// The log, as the pages show it.
    pub log: Vec<LogLine>,
}

/// The method's name in the log.
pub fn method_name(m: Method) -> &'static str {
    m.name()
}

/// Parse a method name.
pub fn parse_method(s: &str) -> Option<Method> {
    match s {
        "comparison" => Some(Method::Comparison),
        "polling" => Some(Method::Polling),
        _ => None,
    }
}

impl ElectionState {
    /// An empty state for a new election.
    pub fn new(id: ElectionId) -> ElectionState {
        ElectionState {
            id,
            name: String::new(),
            definition: Election::default(),
            cards: 0,
            cvr_files: Vec::new(),
            manifest: None,
            results: Vec::new(),
            audit: None,
            committed: None,
            observers: BTreeSet::new(),
            signed_off: None,
            published: false,
            findings: Vec::new(),
            tree: MerkleTree::new(),
            log: Vec::new(),
        }
    }

    /// Rebuild an election from its log.
    pub fn load(db: &Db, id: ElectionId) -> Result<ElectionState, String> {
        let mut st = ElectionState::new(id);
        for entry in db.log(id).map_err(|e| e.to_string())? {
            let payload = Payload::from_bytes(&entry.payload)
                .map_err(|e| format!("log entry {}: {e}", entry.seq))?;
            st.apply(db, &payload, entry.seq, &entry.payload)
                .map_err(|e| format!("log entry {}: {e}", entry.seq))?;
        }
        Ok(st)
    }

    /// The count of every contest, from the stored cards.
    fn recount(&mut self, db: &Db) -> Result<(), String> {
        self.definition = db.election(self.id).map_err(|e| e.to_string())?;
        self.cards = db.card_count(self.id).map_err(|e| e.to_string())?;
        let mut t = Tabulator::new();
        db.each_card(self.id, |c| {
            t.add(&c);
            Ok(())
        })
        .map_err(|e| e.to_string())?;
        self.results = t.results(&self.definition);
        Ok(())
    }

    /// The store's manual vote record (`mvrs` row) of an entered card, read
    /// back from the audit's paper: `None` when the card is not entered or
    /// is a phantom (no card id, so never in the store's sample). Contests
    /// not on the card are left out, a blank is the contest with no marks,
    /// an overvote one `Overvote` mark; candidates are the audit's indexes
    /// (the contest's candidate ids; a write-in bucket the audit added to a
    /// contest without one is the index after the last candidate).
    pub fn manual_record(
        &self,
        card: usize,
        board: &str,
    ) -> Result<Option<canvass_store::ManualRecord>, String> {
        use canvass_model::CardId;
        let Some(a) = &self.audit else {
            return Ok(None);
        };
        let (Some(paper), Some(card_id)) = (
            a.paper.get(&card),
            a.cards.get(card).and_then(|c| c.card_id.clone()),
        ) else {
            return Ok(None);
        };
        let paper = match paper {
            Paper::NotFound => canvass_store::Paper::NotFound,
            Paper::Found(sel) => canvass_store::Paper::Found(
                canvass_audit::workflow::selections_as_votes(&a.spec, &self.definition, sel)?,
            ),
        };
        Ok(Some(canvass_store::ManualRecord {
            card: CardId::new(card_id),
            paper,
            board: board.to_owned(),
            entered_by: None,
        }))
    }

    /// The manual vote records of every entered card, each with the actor
    /// of its log entry as its board, in card order.
    pub fn manual_records(&self) -> Result<Vec<canvass_store::ManualRecord>, String> {
        let Some(a) = &self.audit else {
            return Ok(Vec::new());
        };
        let mut out = Vec::with_capacity(a.entered_by.len());
        for (&card, &(_, seq)) in &a.entered_by {
            let actor = self
                .log
                .binary_search_by_key(&seq, |l| l.seq)
                .ok()
                .and_then(|i| self.log.get(i))
                .map(|l| l.actor.as_str())
                .ok_or_else(|| format!("log entry {seq} is missing"))?;
            if let Some(r) = self.manual_record(card, actor)? {
                out.push(r);
            }
        }
        Ok(out)
    }

    /// Build the audit (the workflow's `build_audit`) from the stored cards and manifest.
    pub fn build(
        &self,
        db: &Db,
        contests: &[String],
        risk_limit: f64,
        method: Method,
    ) -> Result<(AuditSpec, Vec<AuditCard>), String> {
        let Some((manifest, _)) = &self.manifest else {
            return Err("upload the ballot manifest first".into());
        };
        let cvrs = db.all_cards(self.id).map_err(|e| e.to_string())?;
        build_audit(&AuditInputs {
            election: &self.definition,
            cvrs: &cvrs,
            manifest,
            targets: contests,
            risk_limit,
            method,
            risk_function: canvass_audit::workflow::RiskFunction::default(),
        })
        .map_err(|e| e.to_string())
    }

    /// Apply one logged event (already stored at `seq` with `bytes`).
    pub fn apply(
        &mut self,
        db: &Db,
        payload: &Payload,
        seq: u64,
        bytes: &[u8],
    ) -> Result<(), String> {
        match &payload.event {
            Event::ElectionCreated { name } => self.name = name.clone(),
            Event::CvrsImported {
                file,
                format,
                cards,
                ..
            } => {
                self.cvr_files.push((file.clone(), format.clone(), *cards));
                self.recount(db)?;
            }
            Event::ManifestImported { file, .. } => {
                let m = db
                    .manifest(self.id)
                    .map_err(|e| e.to_string())?
                    .ok_or("the manifest is missing from the store")?;
                self.manifest = Some((m, file.clone()));
            }
            Event::AuditDefined {
                contests,
                risk_limit,
                method,
            } => {
                let rl: f64 = risk_limit
                    .parse()
                    .map_err(|_| format!("risk limit {risk_limit:?}"))?;
                let m = parse_method(method).ok_or(format!("method {method:?}"))?;
                let (spec, cards) = self.build(db, contests, rl, m)?;
                self.audit = Some(AuditState {
                    history: vec![Vec::new(); spec.contests.len()],
                    spec,
                    cards,
                    risk_limit_text: risk_limit.clone(),
                    seed: None,
                    order: None,
                    rounds: Vec::new(),
                    samples: Vec::new(),
                    paper: BTreeMap::new(),
                    entered_by: BTreeMap::new(),
                    boards: Vec::new(),
                    statuses: Vec::new(),
                    store_audit: None,
                });
            }
            Event::Committed { root, cards, .. } => self.committed = Some((root.clone(), *cards)),
            Event::Seeded { seed, store_audit } => {
                let a = self.audit.as_mut().ok_or("seed before the audit")?;
                a.store_audit = Some(canvass_store::AuditId(*store_audit));
                a.order = Some(order_cards(&a.spec, &a.cards, seed));
                a.seed = Some(seed.clone());
                a.measure();
            }
            Event::RoundLaunched { round, sizes, .. } => {
                let a = self.audit.as_mut().ok_or("round before the audit")?;
                let order = a.order.as_ref().ok_or("round before the seed")?;
                let before = a
                    .rounds
                    .last()
                    .map(RoundPlan::sizes)
                    .unwrap_or_else(|| vec![0; a.spec.contests.len()]);
                let sample = canvass_audit::workflow::round_sample(order, &before, sizes);
                let plan = RoundPlan {
                    round: *round,
                    contests: a
                        .spec
                        .contests
                        .iter()
                        .zip(sizes)
                        .map(|(c, &n)| canvass_audit::workflow::RoundContest {
                            contest: c.name.clone(),
                            sample_size: n,
                            full_hand_count: n >= c.universe,
                        })
                        .collect(),
                };
                a.rounds.push(plan);
                a.samples.push(sample);
                a.measure();
            }
            Event::BoardsCreated { round, boards } => {
                let a = self.audit.as_mut().ok_or("boards before the audit")?;
                for b in boards {
                    a.boards.push(Board {
                        def: b.clone(),
                        round: *round,
                        members: None,
                        signed_off: false,
                    });
                }
            }
            Event::BoardSignedIn { board, members } => {
                let a = self.audit.as_mut().ok_or("board before the audit")?;
                let b = a.boards.get_mut(*board as usize).ok_or("unknown board")?;
                b.members = Some(members.clone());
            }
            Event::Entered { board, reading } => {
                let a = self.audit.as_mut().ok_or("entry before the audit")?;
                let paper = a.paper_of(&reading.contests)?;
                let card = reading.card as usize;
                a.paper.insert(card, paper);
                a.entered_by.insert(card, (*board, seq));
                a.measure();
            }
            Event::BoardSignedOff { board } => {
                let a = self.audit.as_mut().ok_or("sign-off before the audit")?;
                let b = a.boards.get_mut(*board as usize).ok_or("unknown board")?;
                b.signed_off = true;
            }
            Event::ObserverIn { name } => {
                self.observers.insert(name.clone());
            }
            Event::ObserverOut { name } => {
                self.observers.remove(name);
            }
            Event::AuditSignedOff { statement } => self.signed_off = Some(statement.clone()),
            Event::Published {} => self.published = true,
            Event::FindingPublished { finding } => {
                let f: canvass_checks::finding::Finding =
                    serde_json::from_value(finding.clone()).map_err(|e| e.to_string())?;
                self.findings.push((seq, f));
            }
        }
        self.tree.push_data(bytes);
        self.log.push(LogLine {
            seq,
            actor: payload.actor.clone(),
            event: payload.event.clone(),
            sha256: hex::encode(sha2_digest(bytes)),
        });
        Ok(())
    }
}

fn sha2_digest(bytes: &[u8]) -> [u8; 32] {
    use sha2::Digest;
    sha2::Sha256::digest(bytes).into()
}

/// The leaf hash of a payload in the log tree.
pub fn log_leaf(bytes: &[u8]) -> [u8; 32] {
    leaf_hash(bytes)
}
